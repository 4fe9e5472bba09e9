"""R1.4 on the dashboard: managers add a partner and its contract, flag a dispute; the month's
partner jobs and amounts owed are listed with their CSV; other roles are refused."""

from __future__ import annotations

from collections.abc import Mapping

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import Database
from backend.partners.models import Partner
from tests.dashboard.conftest import Browser, csrf_from, text_of
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body
from tests.partners.conftest import add_partner


def _post(browser: Browser, path: str, form: Mapping[str, object]) -> int:
    page = browser.get("/partners")
    answer = browser.client.post(path, data={"csrf_token": csrf_from(page.text), **form})
    return answer.status_code


def test_r1_4_a_manager_adds_a_partner_its_contract_and_flags_a_dispute(
    browser: Browser, people: Personas, database: Database
) -> None:
    people.product()
    browser.login("repair_manager")
    assert _post(browser, "/partners", {"name": "한빛서비스", "phone": "02-123-4567"}) == 302
    with database.session() as session:
        partner_id = session.scalars(select(Partner.id)).one()
    contract = {
        "zones": ["city"],
        "product_lines": ["air_conditioner"],
        "starts_on": "2026-01-01",
        "ends_on": "2027-12-31",
        "call_out_rate": "25000",
        "hourly_rate": "18000",
    }
    assert _post(browser, f"/partners/{partner_id}/contracts", contract) == 302
    bad = {**contract, "ends_on": "2025-01-01"}  # before it starts: refused, nothing recorded
    assert _post(browser, f"/partners/{partner_id}/contracts", bad) == 302
    assert _post(browser, f"/partners/{partner_id}/dispute", {"disputed": "on"}) == 302
    with database.session() as session:
        stored = session.get(Partner, partner_id)
        assert stored is not None and stored.disputed and len(stored.contracts) == 1
    page = text_of(browser.get("/partners").text)
    assert "한빛서비스" in page and "2027-12-31" in page


def test_r1_4_the_partners_page_lists_the_months_jobs_and_amounts_owed(
    browser: Browser, client: FlaskClient, people: Personas
) -> None:
    people.product()
    add_partner(client, people, "한빛서비스", call_out_rate=25_000, hourly_rate=18_000)
    number = create_case(client, people.headers(), repair_body())["number"]
    manager = people.headers("repair_manager")
    for action in ("accept", "arrive"):
        act(client, manager, number, action, FOR_THE_TECHNICIAN)
    act(client, manager, number, "resolve", {"parts": [], "hours": 2, **FOR_THE_TECHNICIAN})
    browser.login("service_director")
    page = browser.get("/partners?month=2026-11")
    assert page.status_code == 200
    statement = text_of(page.text.split('class="list statement"')[1])
    assert number in statement and "61,000" in statement  # 25,000 + 2 h × 18,000
    export = browser.get("/partners/statement.csv?month=2026-11")
    assert number in export.data.decode("utf-8-sig")


def test_r1_4_other_roles_do_not_see_the_partners_page(browser: Browser) -> None:
    browser.login("receptionist")
    assert browser.get("/partners").status_code == 403


def test_r1_4_a_manager_adds_a_partners_staff_member_from_the_page(
    browser: Browser, client: FlaskClient, people: Personas, database: Database
) -> None:
    browser.login("repair_manager")
    assert _post(browser, "/partners", {"name": "한빛서비스"}) == 302
    with database.session() as session:
        partner_id = session.scalars(select(Partner.id)).one()
    staff = {"name": "박협력", "phone": "010-4000-0009", "zone": "city"}
    assert _post(browser, f"/partners/{partner_id}/technicians", staff) == 302
    listed = client.get("/api/v1/technicians", headers=people.headers("repair_manager"))
    (member,) = [t for t in listed.get_json()["items"] if t["name"] == "박협력"]
    assert member["partner_id"] == partner_id
    assert "박협력" in text_of(browser.get("/partners").text)
