"""Rating calls end to end (R8.3–R8.5): the duty queues calls, the worker places them on the fake
Twilio server, and the test plays Twilio: fetches the call's URL, presses keys, posts callbacks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.calls.models import PhoneCall
from backend.catalog.service import create_contract, get_product_by_model
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.people.service import upsert_customer
from backend.settings import Settings
from backend.surveys.duties import survey_calls
from backend.surveys.models import Survey
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas
from tests.ivr.fake_twilio import PUBLIC_BASE_URL, Call, FakeTwilio, spoken, twiml
from tests.ivr.jobs import Job, finished_job

TUESDAY_3PM = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 15:00 in Seoul
WEDNESDAY_10AM = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
FRIDAY_6_50PM = datetime(2026, 11, 27, 9, 50, tzinfo=UTC)
MONDAY_10AM = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
Deliver = Callable[[], dict[str, int]]


def _tick(database: Database, settings: Settings, now: datetime) -> int:
    with database.session() as session:
        return survey_calls(session, settings, now)


def _job(
    database: Database, settings: Settings, people: Personas, resolved_at: datetime = TUESDAY_3PM
) -> Job:
    people.product()
    return finished_job(database, settings, people.technician(), resolved_at=resolved_at)


def _placed_call(client: FlaskClient, fake: FakeTwilio, deliver: Deliver, job: Job) -> Call:
    """Deliver the queued call to the fake Twilio; a Call that plays Twilio's side of it."""
    assert deliver() == {"sent": 1}
    request = fake.calls()[-1]
    assert request.form["To"] == job.customer_phone and request.form["From"] == "+8215880000"
    assert request.form["MachineDetection"] == "Enable"
    assert request.form["StatusCallback"].startswith(f"{PUBLIC_BASE_URL}/ivr/status?call_id=")
    call = Call(client, request.sid, "+8215880000", direction="outbound-api")
    call.url = request.form["Url"]  # type: ignore[attr-defined]
    call.status_query = "?" + urlsplit(request.form["StatusCallback"]).query  # type: ignore[attr-defined]
    return call


def _survey(database: Database) -> Survey:
    with database.session() as session:
        return session.scalars(select(Survey)).one()


def test_a_complete_survey_4_3_2_1_lands_in_the_technicians_ratings(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    job = _job(database, settings, people)
    clock.set(WEDNESDAY_10AM)
    assert _tick(database, settings, WEDNESDAY_10AM) == 1
    assert _tick(database, settings, WEDNESDAY_10AM) == 0  # idempotent
    call = _placed_call(client, fake_twilio, deliver, job)
    assert call.url == f"{PUBLIC_BASE_URL}/ivr/survey/{job.number}?call_id=1"  # type: ignore
    first = call.start(call.url, AnsweredBy="human")  # type: ignore[attr-defined]
    gather = first.find("Gather")
    assert gather is not None and gather.attrib["action"] == f"{PUBLIC_BASE_URL}/ivr/dialogue"
    assert gather.attrib["input"] == "dtmf speech" and gather.attrib["language"] == "ko-KR"
    assert "A S, 2 0 2 6, 0 0 0 0 0 1" in spoken(first) and "태도" in spoken(first)
    call.press("4")
    call.say("셋")  # by speech
    call.press("2")
    assert _survey(database).ratings() == {
        "attitude": 4,
        "skill": 3,
        "arrival_time": 2,
        "promise": None,
    }  # saved as they come
    call.press("1")
    call.press("2")  # no comment
    assert call.last is not None and call.last.find("Hangup") is not None
    call.status("completed", query=call.status_query)  # type: ignore[attr-defined]
    survey = _survey(database)
    assert survey.status == "answered" and survey.attempts == 1
    response = client.get(
        f"/api/v1/technicians/{job.technician_id}/performance?month=2026-11",
        headers=people.headers("repair_manager"),
    )
    figures = response.get_json()
    assert figures["ratings"] == {
        "attitude": 4.0,
        "skill": 3.0,
        "arrival_time": 2.0,
        "promise": 1.0,
    }
    assert figures["surveys_answered"] == 1
    with database.session() as session:  # R8.5: the grade 1 goes to the service department
        assert session.scalars(select(Task.kind)).all() == ["follow_up"]
    report = client.get(
        "/api/v1/reports/surveys?month=2026-11", headers=people.headers("service_director")
    ).get_json()
    assert report["jobs_closed"] == 1 and report["jobs_surveyed"] == 1
    assert report["coverage"] == 1.0
    assert report["by_channel"] == {  # issue 16: response and completion per channel
        "phone": {
            "asked": 1,
            "responded": 1,
            "completed": 1,
            "response_rate": 1.0,
            "completion_rate": 1.0,
        }
    }


def test_a_comment_is_recorded_and_followed_up(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    job = _job(database, settings, people)
    _tick(database, settings, WEDNESDAY_10AM)
    call = _placed_call(client, fake_twilio, deliver, job)
    call.start(call.url, AnsweredBy="human")  # type: ignore[attr-defined]
    for grade in "4444":
        call.press(grade)
    assert call.press("1").find("Record") is not None
    end = call.record("https://api.twilio.com/rec/RE9", transcription="친절했어요")
    assert end.find("Hangup") is not None
    survey = _survey(database)
    assert survey.comment == "친절했어요"
    assert survey.comment_recording_url == "https://api.twilio.com/rec/RE9"
    with database.session() as session:
        assert session.scalars(select(Task.kind)).all() == ["follow_up"]


def test_busy_then_answered_on_the_retry(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    job = _job(database, settings, people)
    _tick(database, settings, WEDNESDAY_10AM)
    first = _placed_call(client, fake_twilio, deliver, job)
    assert first.status("busy", query=first.status_query).status_code == 200  # type: ignore
    survey = _survey(database)
    assert survey.status == "pending" and survey.attempts == 1
    assert survey.next_attempt_at == WEDNESDAY_10AM + timedelta(hours=3)
    assert _tick(database, settings, WEDNESDAY_10AM + timedelta(minutes=30)) == 0
    assert _tick(database, settings, WEDNESDAY_10AM + timedelta(hours=3)) == 1
    clock.set(WEDNESDAY_10AM + timedelta(hours=3))
    second = _placed_call(client, fake_twilio, deliver, job)
    assert second.sid != first.sid
    second.start(second.url, AnsweredBy="human")  # type: ignore[attr-defined]
    for grade in "3333":
        second.press(grade)
    second.press("2")
    second.status("completed", query=second.status_query)  # type: ignore[attr-defined]
    survey = _survey(database)
    assert survey.status == "answered" and survey.attempts == 2
    assert [entry["outcome"] for entry in survey.attempt_log] == ["busy", "answered"]


def test_an_answering_machine_hears_nothing_and_counts_as_no_answer(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    job = _job(database, settings, people)
    _tick(database, settings, WEDNESDAY_10AM)
    call = _placed_call(client, fake_twilio, deliver, job)
    root = call.start(call.url, AnsweredBy="machine_start")  # type: ignore[attr-defined]
    assert [child.tag for child in root] == ["Hangup"]
    call.status("completed", answered_by="machine_start", query=call.status_query)  # type: ignore[attr-defined]
    survey = _survey(database)
    assert survey.status == "pending" and survey.attempt_log[0]["outcome"] == "machine"


def test_three_failed_calls_over_two_working_days_fall_back_to_sms(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    job = _job(database, settings, people)
    moments = []
    now = WEDNESDAY_10AM
    for _attempt in range(3):
        assert _tick(database, settings, now) == 1
        moments.append(now)
        clock.set(now)
        call = _placed_call(client, fake_twilio, deliver, job)
        call.status("no-answer", query=call.status_query)  # type: ignore[attr-defined]
        survey = _survey(database)
        now = survey.next_attempt_at or now
    assert moments[1] - moments[0] >= timedelta(hours=1)  # never twice within an hour
    assert moments[2].date() > moments[0].date()  # spread over two working days
    survey = _survey(database)
    assert survey.status == "unreachable" and survey.channel == "sms"
    with database.session() as session:
        sms = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "survey_fallback")
        ).one()
        assert sms.channel == "sms" and job.number in sms.payload["body"]


def test_the_fallback_is_a_telegram_button_when_the_customer_uses_telegram(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
) -> None:
    job = _job(database, settings, people)
    with database.session() as session:
        survey = session.scalars(select(Survey)).one()
        survey.case.customer.telegram_chat_id = 4242
        survey.attempts = 2
    _tick(database, settings, WEDNESDAY_10AM)
    call = _placed_call(client, fake_twilio, deliver, job)
    call.status("failed", query=call.status_query)  # type: ignore[attr-defined]
    with database.session() as session:
        row = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "survey_fallback")
        ).one()
        button = row.payload["reply_markup"]["inline_keyboard"][0][0]
        assert row.channel == "telegram" and button["callback_data"] == f"survey:start:{job.number}"


def test_a_job_closed_friday_evening_is_surveyed_monday_morning_not_saturday(
    database: Database, settings: Settings, people: Personas
) -> None:
    _job(database, settings, people, resolved_at=FRIDAY_6_50PM)
    assert _survey(database).due_at == MONDAY_10AM
    assert _tick(database, settings, FRIDAY_6_50PM + timedelta(minutes=5)) == 0
    saturday = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert _tick(database, settings, saturday) == 0
    assert _tick(database, settings, MONDAY_10AM - timedelta(minutes=1)) == 0
    assert _tick(database, settings, MONDAY_10AM) == 1


def test_no_call_outside_calling_hours_even_when_due(
    database: Database, settings: Settings, people: Personas
) -> None:
    _job(database, settings, people)
    evening = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday 19:00
    assert _tick(database, settings, evening) == 0
    assert _tick(database, settings, WEDNESDAY_10AM + timedelta(hours=8, minutes=59)) == 1


def test_a_replayed_status_callback_changes_nothing(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
) -> None:
    job = _job(database, settings, people)
    _tick(database, settings, WEDNESDAY_10AM)
    call = _placed_call(client, fake_twilio, deliver, job)
    query = call.status_query  # type: ignore[attr-defined]
    assert call.status("busy", query=query).get_json() == {"status": "applied"}
    before = _survey(database)
    assert call.replay_status("busy", 1, query).get_json() == {"status": "replayed"}
    assert call.replay_status("busy", 1, query).get_json() == {"status": "replayed"}
    after = _survey(database)
    assert (after.attempts, after.next_attempt_at, after.attempt_log) == (
        before.attempts,
        before.next_attempt_at,
        before.attempt_log,
    )
    with database.session() as session:
        assert session.scalars(select(PhoneCall.callbacks)).one() == ["busy#1"]


def test_an_unknown_call_sid_is_answered_without_error(client: FlaskClient) -> None:
    stranger = Call(client, "CA" + "f" * 32, "+821099999999")
    response = stranger.status("completed")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_call"
    root = twiml(stranger.post("/ivr/survey/AS-2026-000099?call_id=77", {}))
    assert [child.tag for child in root] == ["Hangup"]
    assert stranger.post("/ivr/dialogue", {"Digits": "1"}).status_code == 200


def test_contract_expiry_notice_is_also_a_call_inside_calling_hours(
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
    night = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 23:00 in Seoul
    with database.session() as session:
        assert contract_expiry_notices(session, settings, night) == 1
    with database.session() as session:
        row = session.scalars(
            select(OutboundMessage).where(OutboundMessage.channel == "voice")
        ).one()
        assert row.payload["path"].startswith("/ivr/notice?call_id=")
        assert row.next_attempt_at == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 10:00 next day
        assert parse_qs(urlsplit(row.payload["path"]).query)["call_id"] == [
            str(row.payload["call_id"])
        ]
