"""A worker that was down never dials late (contract: customer calls only on business days,
10:00–19:00): the outbox row carries the close of its calling window, the worker defers a row
whose window closed, and the backend re-arms it for the next calling hours as the same attempt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.calls.models import PhoneCall
from backend.catalog.service import create_contract, get_product_by_model
from backend.composition import tick
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.outbox.service import enqueue
from backend.outbox.worker import deliver_due
from backend.people.service import upsert_customer
from backend.settings import Settings
from backend.surveys.duties import deferred_calls, survey_calls
from backend.surveys.models import Survey
from tests.conftest import Clock
from tests.factories import Personas
from tests.ivr.fake_twilio import Call, FakeTwilio
from tests.ivr.jobs import finished_job

TUESDAY_3PM = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 15:00 in Seoul
WEDNESDAY_6_50PM = datetime(2026, 11, 25, 9, 50, tzinfo=UTC)
WEDNESDAY_7PM = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
WEDNESDAY_10PM = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
THURSDAY_10AM = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
THURSDAY_7PM = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
FRIDAY_6_55PM = datetime(2026, 11, 27, 9, 55, tzinfo=UTC)
FRIDAY_8PM = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
MONDAY_10AM = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
MONDAY_7PM = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
Deliver = Callable[[], dict[str, int]]


class Script:
    channel = "sms"

    def __init__(self) -> None:
        self.delivered: list[int] = []

    def notify(self, message: OutboundMessage) -> str:
        self.delivered.append(message.id)
        return f"SM-{message.id}"


def _duty(duty: Callable[..., int], database: Database, settings: Settings, now: datetime) -> int:
    with database.session() as session:
        return duty(session, settings, now)


def _voice_row(database: Database) -> OutboundMessage:
    with database.session() as session:
        return session.scalars(
            select(OutboundMessage).where(OutboundMessage.channel == "voice")
        ).one()


def _survey(database: Database) -> Survey:
    with database.session() as session:
        return session.scalars(select(Survey)).one()


def _survey_call_queued_at(
    database: Database, settings: Settings, people: Personas, moment: datetime
) -> None:
    people.product()
    finished_job(database, settings, people.technician(), resolved_at=TUESDAY_3PM)
    assert _duty(survey_calls, database, settings, moment) == 1


def test_a_row_whose_window_closed_is_deferred_not_delivered_and_not_counted_as_an_attempt(
    database: Database,
) -> None:
    with database.session() as session:
        row = enqueue(
            session,
            channel="sms",
            recipient="+821030000001",
            payload={"body": "hi"},
            not_before=WEDNESDAY_6_50PM,
            not_after=WEDNESDAY_7PM,
            now=WEDNESDAY_6_50PM,
        )
        session.flush()
        assert row is not None
        message_id = row.id
    transport = Script()
    assert deliver_due(database, {"sms": transport}, clock=lambda: WEDNESDAY_10PM) == {
        "deferred": 1
    }
    assert transport.delivered == []
    with database.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert row is not None
        assert (row.status, row.attempts, row.locked_until) == ("deferred", 0, None)
    assert deliver_due(database, {"sms": transport}, clock=lambda: WEDNESDAY_10PM) == {}


def test_a_row_inside_its_window_is_delivered_as_before(database: Database) -> None:
    with database.session() as session:
        enqueue(
            session,
            channel="sms",
            recipient="+821030000001",
            payload={"body": "hi"},
            not_before=WEDNESDAY_6_50PM,
            not_after=WEDNESDAY_7PM,
            now=WEDNESDAY_6_50PM,
        )
    transport = Script()
    late_but_inside = WEDNESDAY_7PM - timedelta(seconds=1)
    assert deliver_due(database, {"sms": transport}, clock=lambda: late_but_inside) == {"sent": 1}


def test_a_survey_call_carries_the_close_of_its_calling_hours(
    database: Database, settings: Settings, people: Personas
) -> None:
    _survey_call_queued_at(database, settings, people, WEDNESDAY_6_50PM)
    row = _voice_row(database)
    assert (row.next_attempt_at, row.not_after) == (WEDNESDAY_6_50PM, WEDNESDAY_7PM)


def test_a_worker_back_at_22_00_does_not_dial_and_calls_next_morning_as_the_same_attempt(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    _survey_call_queued_at(database, settings, people, WEDNESDAY_6_50PM)
    clock.set(WEDNESDAY_10PM)  # the worker was down from 18:50 until 22:00
    assert deliver() == {"deferred": 1}
    assert fake_twilio.calls() == []
    assert _duty(deferred_calls, database, settings, WEDNESDAY_10PM) == 1
    assert _duty(deferred_calls, database, settings, WEDNESDAY_10PM) == 0  # idempotent
    row = _voice_row(database)
    assert (row.status, row.next_attempt_at, row.not_after) == (
        "pending",
        THURSDAY_10AM,
        THURSDAY_7PM,
    )
    survey = _survey(database)
    assert (survey.status, survey.attempts) == ("calling", 1)
    assert survey.attempt_log[0]["at"] == THURSDAY_10AM.isoformat()
    assert survey.attempt_log[0]["deferred"] == 1
    with database.session() as session:
        assert session.scalars(select(PhoneCall.placed_at)).one() == THURSDAY_10AM
    clock.set(THURSDAY_10AM - timedelta(minutes=1))
    assert deliver() == {}  # not before the calling hours open
    clock.set(THURSDAY_10AM)
    assert deliver() == {"sent": 1}
    request = fake_twilio.calls()[-1]
    call = Call(client, request.sid, "+8215880000", direction="outbound-api")
    call.start(request.form["Url"], AnsweredBy="human")
    for grade in "3434":
        call.press(grade)
    call.press("2")
    call.status("completed", query="?call_id=1")
    survey = _survey(database)
    assert (survey.status, survey.attempts) == ("answered", 1)
    assert [entry["outcome"] for entry in survey.attempt_log] == ["answered"]


def test_a_call_deferred_on_friday_evening_waits_for_monday(
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    _survey_call_queued_at(database, settings, people, FRIDAY_6_55PM)
    clock.set(FRIDAY_8PM)
    assert deliver().get("deferred") == 1  # (the job's text messages may go out meanwhile)
    results = tick(database, settings, FRIDAY_8PM)  # the duty is registered with tick
    assert results["deferred_calls"] == 1 and results["survey_calls"] == 0
    row = _voice_row(database)
    assert (row.next_attempt_at, row.not_after) == (MONDAY_10AM, MONDAY_7PM)
    saturday = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    clock.set(saturday)
    assert "sent" not in deliver()
    assert fake_twilio.calls() == []


def test_a_call_still_waiting_for_a_worker_is_not_taken_for_a_lost_call(
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    eleven = THURSDAY_10AM + timedelta(hours=1)
    _survey_call_queued_at(database, settings, people, eleven)
    # Three hours later the worker has still not dialled: the survey keeps waiting for it.
    assert _duty(survey_calls, database, settings, eleven + timedelta(hours=3)) == 0
    survey = _survey(database)
    assert (survey.status, survey.attempts, survey.attempt_log[0]["outcome"]) == (
        "calling",
        1,
        None,
    )
    clock.set(eleven + timedelta(hours=3))
    assert deliver() == {"sent": 1}
    # Dialled, and no status callback ever came: two hours after dialling it counts as lost.
    assert _duty(survey_calls, database, settings, eleven + timedelta(hours=4)) == 0
    assert _survey(database).status == "calling"
    _duty(survey_calls, database, settings, eleven + timedelta(hours=5))
    survey = _survey(database)
    assert survey.attempt_log[0]["outcome"] == "lost" and survey.attempts == 1
    assert survey.status == "pending"


def test_a_contract_expiry_call_queued_at_night_must_be_dialled_the_next_day(
    database: Database, settings: Settings, people: Personas
) -> None:
    from backend.duties import contract_expiry_notices

    people.product()
    with database.session() as session:
        customer = upsert_customer(session, name="박지성", phone="010-3000-0002", region="KR")
        create_contract(
            session,
            customer=customer,
            product=get_product_by_model(session, "AC-1"),
            serial_number="SN-9",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 20),
        )
    with database.session() as session:
        assert contract_expiry_notices(session, settings, WEDNESDAY_10PM) == 1
    row = _voice_row(database)
    assert (row.next_attempt_at, row.not_after) == (THURSDAY_10AM, THURSDAY_7PM)
