"""A call's first request (`/ivr/voice`, issue 14): the caller recognised, the call recorded and
its conversation opened — one statement on PostgreSQL, three on SQLite — with the same outcome
on both: the call and the conversation carry the customer, the conversation the customer's
language, and a repeated first request finds the rows the first one made."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.calls.models import PhoneCall
from backend.db import Database
from backend.dialogues.models import Conversation
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas
from tests.ivr.fake_twilio import Call, spoken
from tests.ivr.jobs import open_repair
from tests.statements import statements

CALLER = "+821030000001"


@pytest.fixture
def catalogue(people: Personas) -> None:
    people.product()
    people.technician()


def rows(database: Database, sid: str) -> tuple[list[PhoneCall], list[Conversation]]:
    with database.session() as session:
        calls = list(session.scalars(select(PhoneCall).where(PhoneCall.call_sid == sid)))
        conversations = list(
            session.scalars(select(Conversation).where(Conversation.address == sid))
        )
        session.expunge_all()
    return calls, conversations


def test_a_new_caller_costs_one_statement_on_postgresql(
    client: FlaskClient, database: Database, catalogue: None
) -> None:
    with statements(database) as sent:
        root = Call(client, "CA-FIRST-1", CALLER).start()
    assert "안녕하세요" in spoken(root)
    postgres = database.engine.dialect.name == "postgresql"
    assert len(sent) == (1 if postgres else 3), sent
    calls, conversations = rows(database, "CA-FIRST-1")
    assert [(c.direction, c.purpose, c.phone, c.status, c.customer_id) for c in calls] == [
        ("inbound", "inbound", CALLER, "in-progress", None)
    ]
    assert calls[0].placed_at is not None and calls[0].created_at is not None
    assert [(c.channel, c.language, c.retries, c.customer_id) for c in conversations] == [
        ("phone", "ko", 0, None)
    ]


def test_a_known_caller_s_call_and_conversation_carry_the_customer_and_language(
    client: FlaskClient, database: Database, settings: Settings, catalogue: None, clock: Clock
) -> None:
    open_repair(database, settings, at=clock(), phone=CALLER, name="Jane Doe", language="en")
    call = Call(client, "CA-FIRST-2", CALLER)
    assert "Hello Jane Doe" in spoken(call.start())
    calls, conversations = rows(database, "CA-FIRST-2")
    customer_id = calls[0].customer_id
    assert customer_id is not None
    assert [(c.language, c.customer_id) for c in conversations] == [("en", customer_id)]
    # the next request reads the conversation the first opened: still English
    assert "case number" in spoken(call.press("3")).lower()


def test_a_withheld_number_is_recorded_as_unknown(
    client: FlaskClient, database: Database, catalogue: None
) -> None:
    root = Call(client, "CA-FIRST-3", "anonymous").start()
    assert "안녕하세요" in spoken(root)
    calls, conversations = rows(database, "CA-FIRST-3")
    assert [(c.phone, c.customer_id) for c in calls] == [("unknown", None)]
    assert len(conversations) == 1


def test_a_repeated_first_request_finds_the_rows_and_starts_the_menu_afresh(
    client: FlaskClient, database: Database, catalogue: None
) -> None:
    call = Call(client, "CA-FIRST-4", CALLER)
    call.start()
    call.press("8")  # not a menu key: asked again, one try spent
    assert rows(database, "CA-FIRST-4")[1][0].retries == 1
    again = Call(client, "CA-FIRST-4", CALLER).start()  # Twilio asks /ivr/voice again
    assert "안녕하세요" in spoken(again)
    calls, conversations = rows(database, "CA-FIRST-4")
    assert len(calls) == 1 and [c.retries for c in conversations] == [0]
