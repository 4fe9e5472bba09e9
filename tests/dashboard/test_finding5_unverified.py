"""Finding 5: a report made with a typed phone number is marked on the dashboard's case page."""

from __future__ import annotations

from datetime import date

from backend.actors import SYSTEM
from backend.casework.flows import intake_case
from backend.casework.intake import CustomerInput, IntakeRequest, ProductInput
from backend.db import Database
from backend.settings import Settings
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, text_of
from tests.factories import Personas


def report(database: Database, settings: Settings, clock: Clock, *, verified: bool) -> str:
    request = IntakeRequest(
        kind="repair",
        channel="telegram",
        customer=CustomerInput(
            name="Mallory", phone="010-3000-0042", address="부산 해운대구 우동 1", zone="city"
        ),
        product=ProductInput(model="AC-1", serial_number=None, purchased_on=date(2026, 1, 10)),
        description="broken",
        identity_verified=verified,
    )
    with database.session() as session:
        return intake_case(session, request, settings=settings, now=clock(), actor=SYSTEM).number


def test_finding5_the_case_page_marks_an_unverified_identity(
    browser: Browser, database: Database, settings: Settings, clock: Clock, people: Personas
) -> None:
    people.product("AC-1")
    unverified = report(database, settings, clock, verified=False)
    verified = report(database, settings, clock, verified=True)
    browser.login("service_director")
    page = text_of(browser.get(f"/cases/{unverified}").text)
    assert "본인 확인 안 됨" in page and "접수 시 입력된 내용: Mallory" in page
    assert "본인 확인 안 됨" not in text_of(browser.get(f"/cases/{verified}").text)
