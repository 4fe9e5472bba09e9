"""Staff intake of a new case from the form: the same intake the API and the channels use."""

from __future__ import annotations

from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from tests.dashboard.conftest import Browser, text_of


def _repair_form(**overrides: str) -> dict[str, str]:
    form = {
        "kind": "repair",
        "channel": "phone",
        "customer.name": "홍길동",
        "customer.phone": "010-3000-0001",
        "customer.address": "서울 중구 세종대로 110",
        "customer.zone": "city",
        "product.model": "AC-1",
        "product.serial_number": "SN-9",
        "product.purchased_on": "2026-01-10",
        "description": "찬바람이 안 나와요",
    }
    form.update(overrides)
    return form


def test_intake_form_registers_a_repair_and_opens_its_page(
    browser: Browser, database: Database
) -> None:
    browser.people.product()
    browser.people.technician()
    browser.login("receptionist")
    assert browser.get("/cases/new").status_code == 200
    response = browser.post("/cases/new", _repair_form())
    assert response.status_code == 302
    number = response.location.rsplit("/", 1)[-1]
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        assert (case.kind, case.channel, case.status) == ("repair", "phone", "assigned")
        assert case.customer.phone == "+821030000001" and case.sla_due_at is not None
    assert number in text_of(browser.get(response.location).text)


def test_invalid_phone_shows_the_error_beside_the_phone_and_keeps_the_values(
    browser: Browser, database: Database
) -> None:
    browser.people.product()
    browser.login("receptionist")
    response = browser.post("/cases/new", _repair_form(**{"customer.phone": "12"}))
    assert response.status_code == 422
    assert 'data-field="customer.phone"' in response.text
    assert 'value="서울 중구 세종대로 110"' in response.text  # nothing typed is lost
    with database.session() as session:
        assert session.scalar(select(Case.id)) is None


def test_letter_keeps_the_day_it_was_received_and_bad_dates_are_named(
    browser: Browser, database: Database
) -> None:
    browser.login("receptionist")
    bad = browser.post(
        "/cases/new",
        {
            "kind": "inquiry",
            "channel": "letter",
            "customer.name": "김영희",
            "customer.phone": "010-3000-0002",
            "reported_at": "yesterday",
        },
    )
    assert bad.status_code == 422 and 'data-field="reported_at"' in bad.text
    good = browser.post(
        "/cases/new",
        {
            "kind": "inquiry",
            "channel": "letter",
            "customer.name": "김영희",
            "customer.phone": "010-3000-0002",
            "reported_at": "2026-11-20T14:30",
            "description": "보증 기간 문의",
        },
    )
    assert good.status_code == 302
    with database.session() as session:
        case = session.scalar(select(Case))
        assert case is not None and case.reported_at.isoformat() == "2026-11-20T05:30:00+00:00"


def test_complaint_form_needs_a_topic_then_routes_it(browser: Browser, database: Database) -> None:
    browser.login("hotline_officer")
    form = {
        "kind": "complaint",
        "channel": "phone",
        "customer.name": "김영희",
        "customer.phone": "010-3000-0002",
        "severity": "serious",
        "description": "포장 파손",
    }
    missing = browser.post("/cases/new", form)
    assert missing.status_code == 422 and 'data-field="topic"' in missing.text
    assert browser.post("/cases/new", {**form, "topic": "packaging"}).status_code == 302
    with database.session() as session:
        case = session.scalar(select(Case))
        assert case is not None
        assert (case.department, case.escalated_to) == ("warehouse_transport", "vice_president")


def test_repair_without_a_product_names_the_product_field(browser: Browser) -> None:
    browser.login("receptionist")
    response = browser.post("/cases/new", _repair_form(**{"product.model": ""}))
    assert response.status_code == 422 and 'data-field="product.model"' in response.text
    response = browser.post("/cases/new", _repair_form(**{"product.model": "NOPE"}))
    assert response.status_code == 422 and 'data-field="product.model"' in response.text
