"""Nothing happens twice on the phone (issue 9, finding 6): "press 1 to register" sent six times
at once registers one case, and requests of one call arriving together all find its one row.

Real concurrency on PostgreSQL (TEST_DATABASE_URL); on SQLite the database's write lock
serializes the requests, and the outcome must be the same."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import partial

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import backend.calls.service as calls_service
from backend.app import create_app
from backend.calls.models import PhoneCall
from backend.cases.models import Case
from backend.db import Database
from backend.dialogues.models import Conversation
from backend.settings import Settings
from tests.concurrency import at_once, own_databases
from tests.conftest import Clock
from tests.factories import Personas
from tests.ivr.fake_twilio import Call, spoken

CALLER = "+821030000001"
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"
READ_BACK = "A S, 2 0 2 6, 0 0 0 0 0 1"  # AS-2026-000001, digit by digit


@pytest.fixture
def catalogue(people: Personas) -> None:
    people.product()
    people.technician()


def clients_of(databases: list[Database], settings: Settings, clock: Clock) -> list[FlaskClient]:
    return [
        create_app({"settings": settings, "database": own, "clock": clock}).test_client()
        for own in databases
    ]


def until_confirm(call: Call) -> ET.Element:
    """A new caller's fault report, up to "press 1 to register it"."""
    call.start()
    call.press("1")  # report a fault
    call.say("홍길동")
    call.press("1")  # air conditioner
    call.press("*")  # no serial number
    call.press("20260110")
    call.record(RECORDING)
    # In Seoul: the city zone (issue 16), so the summary and the confirmation question follow.
    return call.say("서울 중구 세종대로 110")


def press_one(client: FlaskClient, sid: str, confirm: ET.Element) -> ET.Element:
    """The same "1" the caller pressed once, as one of Twilio's repeated requests."""
    call = Call(client, sid, CALLER)
    call.last = confirm
    return call.press("1")


def test_finding_6_press_one_to_register_six_times_at_once_makes_one_case(
    database_url: str,
    database: Database,
    client: FlaskClient,
    settings: Settings,
    clock: Clock,
    catalogue: None,
) -> None:
    confirm = until_confirm(Call(client, "CA-ONCE-1", CALLER))
    assert "세종대로" in spoken(confirm)
    with own_databases(database_url, 6) as databases:
        clients = clients_of(databases, settings, clock)
        answers = at_once([partial(press_one, c, "CA-ONCE-1", confirm) for c in clients])
    # Every request was answered with TwiML (press_one checks the 200): the case number read
    # back, or (a request that came after the question was closed) the main menu.
    read_back = [root for root in answers if READ_BACK in spoken(root)]
    assert read_back and all(root.find("Hangup") is not None for root in read_back)
    assert all(READ_BACK in spoken(root) or root.find("Gather") is not None for root in answers)
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.number == "AS-2026-000001"
        assert session.scalars(select(PhoneCall)).one().case_id == case.id  # R2.3


def voice(client: FlaskClient, sid: str) -> int:
    return Call(client, sid, CALLER).post("/ivr/voice").status_code


def test_finding_6_voice_requests_of_one_call_at_once_all_answer(
    database_url: str, database: Database, settings: Settings, clock: Clock, catalogue: None
) -> None:
    requests = 8
    with own_databases(database_url, requests) as databases:
        clients = clients_of(databases, settings, clock)
        statuses = at_once([partial(voice, c, "CA-SAME-SID") for c in clients])
    assert statuses == [200] * requests  # not one unique violation on phone_calls.call_sid
    with database.session() as session:
        assert session.scalar(select(func.count(PhoneCall.id))) == 1
        assert session.scalar(select(func.count(Conversation.id))) == 1


def test_finding_6_a_call_row_inserted_by_a_racing_request_is_the_one_used(
    client: FlaskClient, database: Database, catalogue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loser of the race, step by step: its insert collides with the winner's committed row
    (ON CONFLICT DO NOTHING inserts nothing) and it reads that row instead of failing."""
    Call(client, "CA-RACE", CALLER).start()  # the winner
    real_lookup = calls_service._call_with_sid
    lookups: list[str] = []

    def lookup(session: Session, call_sid: str) -> PhoneCall | None:
        lookups.append(call_sid)
        return real_lookup(session, call_sid)

    monkeypatch.setattr(calls_service, "_call_with_sid", lookup)
    with database.session() as session:
        winner = session.scalars(select(PhoneCall)).one()
        call = calls_service.record_inbound(
            session, call_sid="CA-RACE", phone=CALLER, customer_id=None, now=winner.placed_at
        )
        assert call.id == winner.id
        assert session.scalar(select(func.count()).select_from(PhoneCall)) == 1
    assert lookups == ["CA-RACE"]  # read once, after the insert found the row
