"""The technicians' day for the repair manager: each route in planned order as a timeline, late
jobs marked, and a reassignment by choosing a technician and giving a reason (R4.6)."""

from __future__ import annotations

import re

from sqlalchemy import select

from backend.cases.models import Case
from backend.dispatch.models import DispatchPin, PlanStop
from tests.dashboard.conftest import Browser
from tests.factories import create_case, repair_body


def _a_planned_day(browser: Browser) -> tuple[int, int, list[str]]:
    """Two city repairs today and one reported by letter two days ago (late by now)."""
    people = browser.people
    people.product()
    kim = people.technician()
    park = people.technician("박지훈", phone="010-2000-0003")
    manager = people.headers("repair_manager")
    numbers = [
        create_case(browser.client, manager, repair_body(phone=f"010-3000-000{n}", serial=f"S{n}"))[
            "number"
        ]
        for n in (1, 2)
    ]
    letter = repair_body(
        phone="010-3000-0009", serial="S9", reported_at="2026-11-23T09:00:00+09:00"
    )
    numbers.append(create_case(browser.client, manager, letter)["number"])
    return kim, park, numbers


def _routes(page: str) -> dict[str, list[tuple[str, str]]]:
    """Technician section id → [(case number, late yes/no)] in the order shown."""
    routes = {}
    for key, body in re.findall(
        r'<section class="card route" id="([^"]+)">(.*?)</section>', page, re.S
    ):
        routes[key] = re.findall(r'data-key="([^"]+)" data-late="(yes|no)"', body)
    return routes


def test_the_day_shows_each_route_in_planned_order_and_marks_the_late_job(
    browser: Browser,
) -> None:
    _kim, _park, numbers = _a_planned_day(browser)
    with browser.database.session() as session:
        planned = session.execute(
            select(PlanStop.technician_id, Case.number, PlanStop.late_minutes)
            .join(Case, PlanStop.case_id == Case.id)
            .order_by(PlanStop.technician_id, PlanStop.position)
        ).all()
    assert {number for _t, number, _late in planned} == set(numbers)
    browser.login("repair_manager")
    page = browser.get("/day?date=2026-11-25").text
    routes = _routes(page)
    shown = [(f"technician-{t}", n, "yes" if late > 0 else "no") for t, n, late in planned]
    assert [(k, n, late) for k, stops in routes.items() for n, late in stops] == shown
    assert "yes" in {late for _k, _n, late in shown}, "the letter's job is late"
    late_number = next(n for _k, n, late in shown if late == "yes")
    assert late_number == numbers[2]
    timeline = page.split('<svg class="timeline"')
    assert len(timeline) == len(routes) + 1
    assert sum(part.count('class="mark late"') for part in timeline[1:]) == 1


def test_reassigning_from_the_day_needs_a_reason_and_is_kept(browser: Browser) -> None:
    kim, park, numbers = _a_planned_day(browser)
    with browser.database.session() as session:
        case = session.scalar(select(Case).where(Case.number == numbers[0]))
        assert case is not None
        target = park if case.assigned_technician_id == kim else kim
    browser.login("repair_manager")
    url = f"/day/cases/{numbers[0]}/reassign"
    browser.post(url, {"technician_id": str(target), "reason": "", "date": "2026-11-25"})
    with browser.database.session() as session:
        case = session.scalar(select(Case).where(Case.number == numbers[0]))
        assert case is not None and case.assigned_technician_id != target
    answer = browser.post(
        url, {"technician_id": str(target), "reason": "고객 요청", "date": "2026-11-25"}
    )
    assert answer.status_code == 302 and "date=2026-11-25" in answer.headers["Location"]
    with browser.database.session() as session:
        case = session.scalar(select(Case).where(Case.number == numbers[0]))
        assert case is not None and case.assigned_technician_id == target
        pin = session.scalar(select(DispatchPin).where(DispatchPin.case_id == case.id))
        assert pin is not None and pin.reason == "고객 요청"
    routes = _routes(browser.get("/day?date=2026-11-25").text)
    assert numbers[0] in [n for n, _late in routes[f"technician-{target}"]]


def test_the_day_is_for_the_dispatching_roles(browser: Browser) -> None:
    for role in ("receptionist", "admin", "warehouse_clerk"):
        browser.client.post("/logout", data={"csrf_token": browser.token()})
        browser.login(role)
        assert browser.get("/day").status_code == 403, role
