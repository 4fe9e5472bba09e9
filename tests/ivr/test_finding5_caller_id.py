"""Finding 5 (issue 9): a caller ID can be spoofed, so it alone tells nothing about a case.

The greeting may use the name but names no case; menu 3 asks for the case number (the year and
six digits of AS-YYYY-NNNNNN, keyed, then #) and tells only that case, and only when it belongs
to the caller's number.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from backend.db import Database
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas
from tests.ivr.fake_twilio import Call, spoken
from tests.ivr.jobs import open_repair

OWNER = "+821030000001"
OTHER = "+821030000002"
CASE_WORDS = "A S, 2 0 2 6"  # how a case number is spoken
TECHNICIAN = "민수"
ARRIVAL = "16:00"  # the promised arrival (R7.14) of a case opened at 10:00 in the city


@pytest.fixture
def catalogue(people: Personas) -> None:
    people.product()
    people.technician()


def test_finding5_caller_id_alone_hears_no_case_technician_or_arrival(
    client: FlaskClient, database: Database, settings: Settings, catalogue: None, clock: Clock
) -> None:
    open_repair(database, settings, at=clock(), phone=OWNER, name="김영희")
    call = Call(client, "CA-F5-1", OWNER)  # a spoofed caller ID looks exactly like this
    heard = spoken(call.start()) + spoken(call.press("3"))
    for detail in (CASE_WORDS, TECHNICIAN, ARRIVAL):
        assert detail not in heard
    assert "case number" in heard or "접수 번호" in heard


def test_finding5_the_keyed_case_number_tells_that_case(
    client: FlaskClient, database: Database, settings: Settings, catalogue: None, clock: Clock
) -> None:
    open_repair(database, settings, at=clock(), phone=OWNER, name="김영희")
    call = Call(client, "CA-F5-2", OWNER)
    call.start()
    call.press("3")
    heard = spoken(call.press("2026000001#"))
    assert f"{CASE_WORDS}, 0 0 0 0 0 1" in heard
    assert TECHNICIAN in heard and ARRIVAL in heard
    assert call.action().endswith("/ivr/menu")  # then the main menu again


def test_finding5_another_customers_case_number_tells_nothing(
    client: FlaskClient, database: Database, settings: Settings, catalogue: None, clock: Clock
) -> None:
    open_repair(database, settings, at=clock(), phone=OWNER, name="김영희")
    open_repair(database, settings, at=clock(), phone=OTHER, name="박철수")
    call = Call(client, "CA-F5-3", OWNER)
    call.start()
    call.press("3")
    heard = spoken(call.press("2026000002#"))  # the other customer's case
    assert "0 0 0 0 0 2" not in heard and "박철수" not in heard
    assert "no case with that number" in heard or "내역이 없습니다" in heard


def test_finding5_without_caller_id_the_phone_and_the_case_number_are_keyed(
    client: FlaskClient, database: Database, settings: Settings, catalogue: None, clock: Clock
) -> None:
    open_repair(database, settings, at=clock(), phone=OWNER, name="김영희")
    call = Call(client, "CA-F5-4", "anonymous")
    call.start()
    asked = spoken(call.press("3"))
    assert CASE_WORDS not in asked
    asked = spoken(call.press("01030000001#"))  # a keyed number: still no details
    assert CASE_WORDS not in asked and TECHNICIAN not in asked
    heard = spoken(call.press("2026000001#"))
    assert f"{CASE_WORDS}, 0 0 0 0 0 1" in heard and TECHNICIAN in heard
