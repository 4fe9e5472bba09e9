"""Issue 11's gaps on the dashboard case page: the quote (items, total, status, decided, channel)
and the payment with its invoice links are shown; staff record the customer's consent with the
channel it came by (R4.11) and record the payment (R7.5)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from werkzeug.test import TestResponse

from backend.cases.models import Case
from backend.db import Database
from tests.dashboard.conftest import Browser, csrf_from, text_of
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body

FAN_ONLY = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1}


def _quoted_job(browser: Browser, people: Personas) -> str:
    """A paid job (bought June 2024, out of warranty) on site with a pending quote."""
    people.product()
    people.technician()
    client = browser.client
    body = repair_body(purchased_on=date(2024, 6, 1))
    number = create_case(client, people.headers(), body)["number"]
    manager = people.headers("repair_manager")
    for action, extra in [("accept", {}), ("arrive", {}), ("quote", FAN_ONLY)]:
        act(client, manager, number, action, {**FOR_THE_TECHNICIAN, **extra})
    return number


def _post(browser: Browser, number: str, action: str, form: dict[str, str]) -> TestResponse:
    page = browser.get(f"/cases/{number}")
    return browser.client.post(
        f"/cases/{number}/actions/{action}", data={"csrf_token": csrf_from(page.text), **form}
    )


def test_r4_11_staff_record_the_customers_consent_from_the_dashboard_with_the_channel(
    browser: Browser, people: Personas, database: Database
) -> None:
    number = _quoted_job(browser, people)
    browser.login("repair_manager")
    page = browser.get(f"/cases/{number}")
    shown = text_of(page.text)
    assert page.status_code == 200 and 'id="quote"' in page.text
    assert "FAN" in shown and 'class="quote-status"' in page.text
    assert 'name="channel"' in page.text  # the accept/decline forms ask how the customer answered
    answer = _post(browser, number, "accept_quote", {"channel": "phone"})
    assert answer.status_code == 302, text_of(answer.get_data(as_text=True))[:500]
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.quote is not None
        assert case.quote["status"] == "accepted" and case.quote["channel"] == "phone"
        assert case.events[-1].action == "accept_quote"
    page = browser.get(f"/cases/{number}")
    assert 'class="quote-channel"' in page.text
    assert "accept_quote" not in page.text.split('id="quote"')[1].split("</section>")[0]


def test_r4_11_a_consent_without_a_channel_is_refused_on_the_form_not_with_an_error_page(
    browser: Browser, people: Personas
) -> None:
    number = _quoted_job(browser, people)
    browser.login("repair_manager")
    answer = _post(browser, number, "accept_quote", {"channel": "pigeon"})
    assert answer.status_code == 422
    assert 'data-field="channel"' in answer.get_data(as_text=True)


def test_r7_5_the_case_page_shows_the_payment_and_its_invoice_links(
    browser: Browser, people: Personas
) -> None:
    number = _quoted_job(browser, people)
    browser.login("repair_manager")
    assert _post(browser, number, "accept_quote", {"channel": "visit"}).status_code == 302
    client, manager = browser.client, people.headers("repair_manager")
    act(client, manager, number, "resolve", {**FAN_ONLY, **FOR_THE_TECHNICIAN})
    assert (
        _post(browser, number, "pay", {"method": "invoice", "reason": "phoned in"}).status_code
        == 302
    )
    page = browser.get(f"/cases/{number}")
    payment = page.text.split('id="payment"')[1].split("</section>")[0]
    assert "INV-2026-000001" in payment
    assert "/accounting/INV-2026-000001.pdf" in payment  # accounting's PDF
    assert "/invoice/" in payment  # the customer's signed link, as the SMS carries it
