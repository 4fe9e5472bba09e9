"""Who sees what: technicians their own jobs only (R6.5), reports for managers only."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import Browser
from tests.factories import act, create_case, repair_body


def _two_jobs(browser: Browser) -> tuple[int, str, str]:
    """Two repair jobs, one for 김민수 (returned first) and one for 이서연."""
    browser.people.product()
    kim = browser.people.technician("김민수", phone="010-2000-0001")
    lee = browser.people.technician("이서연", phone="010-2000-0002")
    headers = browser.people.headers("repair_manager")
    mine = create_case(browser.client, headers, repair_body(phone="010-3000-0001"))["number"]
    theirs = create_case(
        browser.client, headers, repair_body(phone="010-3000-0002", serial="SN-2")
    )["number"]
    act(browser.client, headers, mine, "assign", {"technician_id": kim})
    act(browser.client, headers, theirs, "assign", {"technician_id": lee})
    return kim, mine, theirs


def test_technician_sees_only_their_own_jobs(browser: Browser) -> None:
    kim, mine, theirs = _two_jobs(browser)
    browser.link_technician(kim)
    browser.login("technician")
    listed = re.findall(r'href="/cases/(AS-[\d-]+)"', browser.get("/cases").text)
    assert listed == [mine]
    lee_filter = re.findall(
        r'href="/cases/(AS-[\d-]+)"', browser.get("/cases?technician_id=2").text
    )
    assert theirs not in lee_filter  # a filter cannot widen the technician's view
    assert browser.get(f"/cases/{mine}").status_code == 200
    assert browser.get(f"/cases/{theirs}").status_code == 404
    assert browser.post(f"/cases/{theirs}/actions/accept").status_code == 404
    assert browser.post(f"/cases/{mine}/actions/accept").status_code == 302


def test_technician_cannot_assign_and_is_offered_only_job_actions(browser: Browser) -> None:
    kim, mine, _ = _two_jobs(browser)
    browser.link_technician(kim)
    browser.login("technician")
    page = browser.get(f"/cases/{mine}").text
    assert "action-accept" in page and "action-assign" not in page
    assert browser.post(f"/cases/{mine}/actions/assign").status_code == 403


def test_unlinked_technician_login_sees_no_jobs(browser: Browser) -> None:
    _, mine, _ = _two_jobs(browser)
    browser.login("technician")
    assert mine not in browser.get("/cases").text
    assert browser.get(f"/cases/{mine}").status_code == 404


@pytest.mark.parametrize(
    "role", ["receptionist", "hotline_officer", "warehouse_clerk", "technician"]
)
def test_only_managers_see_reports(browser: Browser, role: str) -> None:
    browser.login(role)
    assert browser.get("/reports").status_code == 403
    assert 'href="/reports"' not in browser.get("/cases").text


@pytest.mark.parametrize("role", ["repair_manager", "service_director", "vice_president", "admin"])
def test_managers_see_reports(browser: Browser, role: str) -> None:
    browser.login(role)
    assert browser.get("/reports").status_code == 200


def test_technician_and_warehouse_clerk_cannot_register_cases(browser: Browser) -> None:
    for role in ("technician", "warehouse_clerk"):
        browser.login(role)
        assert browser.get("/cases/new").status_code == 403
        assert browser.post("/cases/new", {"kind": "inquiry"}).status_code == 403
        browser.post("/logout")


def test_technician_sees_own_performance_but_not_a_colleagues(browser: Browser) -> None:
    kim, _, _ = _two_jobs(browser)
    browser.link_technician(kim)
    browser.login("technician")
    assert browser.get("/technicians").location == f"/technicians/{kim}"
    assert (
        "Monthly performance" in browser.get(f"/technicians/{kim}").text
        or "월간 실적" in browser.get(f"/technicians/{kim}").text
    )
    assert browser.get(f"/technicians/{kim + 1}").status_code == 404


def test_receptionist_sees_technicians_without_their_evaluation(browser: Browser) -> None:
    kim, _, _ = _two_jobs(browser)
    browser.login("receptionist")
    page = browser.get(f"/technicians/{kim}")
    assert page.status_code == 200 and 'class="jobs"' not in page.text
