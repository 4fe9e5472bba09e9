"""The case page offers exactly the steps the permission matrix allows (finding 2), shows only what
the reader may see (findings 3 and 4), and cancelling asks for a tick and a reason."""

from __future__ import annotations

import re

import pytest

from backend.actors import Actor
from backend.cases.machine import allowed_actions
from backend.cases.permissions import permitted_actions
from backend.cases.service import get_case
from tests.dashboard.conftest import Browser
from tests.factories import CUSTOMER_PHONE, case_in_status


def _offered(page: str) -> set[str]:
    return set(re.findall(r'class="action action-([a-z_]+)"', page))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("receptionist", "new"),
        ("receptionist", "on_site"),
        ("warehouse_clerk", "in_workshop"),
        ("repair_manager", "on_site"),
        ("service_director", "resolved"),
        ("admin", "assigned"),
    ],
)
def test_the_case_page_offers_only_what_the_matrix_allows(
    browser: Browser, role: str, status: str
) -> None:
    browser.people.product()
    technician = browser.people.technician()
    number = case_in_status(
        browser.database, kind="repair", status=status, technician_id=technician
    )
    with browser.database.session() as session:
        case = get_case(session, number)
        expected = set(
            permitted_actions(Actor("user", role=role), case, allowed_actions("repair", status))
        )
    browser.login(role)
    page = browser.get(f"/cases/{number}")
    assert page.status_code == 200
    assert _offered(page.text) == expected
    assert "action-sign_off" not in page.text  # nobody on the staff signs for the customer


def test_finding_2_the_dashboard_offers_no_foreign_buttons_and_cancel_needs_tick_and_reason(
    browser: Browser,
) -> None:
    browser.people.product()
    technician = browser.people.technician()
    on_site = case_in_status(
        browser.database, kind="repair", status="on_site", technician_id=technician
    )
    browser.login("receptionist")
    assert _offered(browser.get(f"/cases/{on_site}").text) == set()
    assert browser.post(f"/cases/{on_site}/actions/resolve").status_code == 403
    new = case_in_status(browser.database, kind="repair", status="new")
    page = browser.get(f"/cases/{new}").text
    assert _offered(page) == {"cancel"}
    assert 'name="confirm"' in page and 'name="reason" maxlength="2000" required' in page
    response = browser.post(f"/cases/{new}/actions/cancel", {"reason": "registered twice"})
    assert response.status_code == 422 and 'data-field="confirm"' in response.text
    response = browser.post(f"/cases/{new}/actions/cancel", {"confirm": "on"})
    assert response.status_code == 422 and 'data-field="reason"' in response.text
    with browser.database.session() as session:
        assert get_case(session, new).status == "new"
    response = browser.post(
        f"/cases/{new}/actions/cancel", {"confirm": "on", "reason": "registered twice"}
    )
    assert response.status_code == 302
    with browser.database.session() as session:
        case = get_case(session, new)
        assert case.status == "cancelled" and case.events[-1].note == "registered twice"


def test_finding_3_the_warehouse_page_hides_the_customers_contact(browser: Browser) -> None:
    browser.people.product()
    technician = browser.people.technician()
    workshop = case_in_status(
        browser.database, kind="repair", status="in_workshop", technician_id=technician
    )
    complaint = case_in_status(browser.database, kind="complaint", status="routed")
    browser.login("warehouse_clerk")
    page = browser.get(f"/cases/{workshop}").text
    assert "홍길동" in page and CUSTOMER_PHONE not in page and "세종대로" not in page
    assert browser.get(f"/cases/{complaint}").status_code == 404
    assert complaint not in browser.get("/cases").text


def test_finding_4_after_sales_sees_a_staff_complaint_only_in_outline(browser: Browser) -> None:
    number = case_in_status(
        browser.database, kind="complaint", status="routed", department="complaint_hotline"
    )
    browser.login("service_director")
    page = browser.get(f"/cases/{number}").text
    assert number in page and "불친절" not in page and "홍길동" not in page
    assert "said something private" not in page  # the history's notes too
    assert _offered(page) == set()
    listing = browser.get("/cases").text
    assert number in listing and "홍길동" not in listing
