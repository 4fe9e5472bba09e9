"""The managers' monthly report shows exactly the figures of the cases behind it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from backend.db import Database
from backend.fieldwork.work_reports import submit_work_report
from backend.surveys.models import QUESTIONS
from backend.surveys.service import record_answer, survey_for_case
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, text_of
from tests.factories import (
    FOR_THE_TECHNICIAN,
    act,
    complaint_body,
    consent_first,
    create_case,
    repair_body,
)


def kst(hour: int, minute: int = 0) -> datetime:
    """Wednesday 25 November 2026 at hour:minute in Seoul (UTC+9)."""
    return datetime(2026, 11, 25, hour - 9, minute, tzinfo=UTC)


def cells(page: str, section: str, key: str) -> list[str]:
    """The texts of the cells of row `key` in the report section `section`."""
    block = re.search(rf'<section class="card" id="{section}">(.*?)</section>', page, re.S)
    assert block, section
    row = re.search(rf'<tr data-key="{re.escape(key)}">(.*?)</tr>', block.group(1), re.S)
    assert row, (section, key)
    return [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def figure(page: str, css_class: str) -> str:
    match = re.search(rf'<dd class="{css_class}">(.*?)</dd>', page, re.S)
    assert match, css_class
    return text_of(match.group(1))


def _a_month_of_work(browser: Browser, clock: Clock, database: Database) -> dict[str, int]:
    """Four repairs, three complaints and an inquiry in November; a letter from October."""
    people, client = browser.people, browser.client
    people.product()
    kim = people.technician("김민수", phone="010-2000-0001")
    park = people.technician("박지훈", phone="010-2000-0003", zone="suburb")
    manager = people.headers("repair_manager")
    clock.set(kst(10))
    in_warranty = create_case(client, manager, repair_body(phone="010-3000-0001"))["number"]
    paid = create_case(
        client,
        manager,
        repair_body(
            phone="010-3000-0002", zone="suburb", serial="SN-2", purchased_on=date(2020, 1, 10)
        ),
    )["number"]
    create_case(client, manager, repair_body(phone="010-3000-0003", serial="SN-3"))  # never seen
    for topic, severity, phone in (
        ("product_quality", "normal", "010-3000-0011"),
        ("product_quality", "major", "010-3000-0012"),
        ("packaging", "serious", "010-3000-0013"),
    ):
        create_case(client, manager, complaint_body(topic, severity, phone=phone))
    create_case(
        client,
        manager,
        {
            "kind": "inquiry",
            "channel": "email",
            "description": "?",
            "customer": {"name": "문의", "phone": "010-3000-0021"},
        },
    )
    create_case(
        client,
        manager,
        {
            "kind": "inquiry",
            "channel": "letter",
            "description": "?",
            "reported_at": "2026-10-30T10:00:00+09:00",
            "customer": {"name": "서신", "phone": "010-3000-0022"},
        },
    )
    for number, technician in ((in_warranty, kim), (paid, park)):
        act(client, manager, number, "assign", {"technician_id": technician})
        act(client, manager, number, "accept", FOR_THE_TECHNICIAN)
    clock.set(kst(11))
    act(client, manager, in_warranty, "arrive", FOR_THE_TECHNICIAN)  # city deadline 16:00: met
    clock.set(kst(13))
    act(client, manager, in_warranty, "resolve", {"parts": [], "hours": 2, **FOR_THE_TECHNICIAN})
    signer = people.technician_headers(kim)  # R7.4 the customer signs on the technician's phone
    act(client, signer, in_warranty, "sign_off", {"signed_by": "홍길동"})
    clock.set(kst(17))
    create_case(client, manager, repair_body(phone="010-3000-0004", serial="SN-4"))  # pending
    clock.set(kst(17, 30))
    act(client, manager, paid, "arrive", FOR_THE_TECHNICIAN)  # suburb deadline 17:00: missed
    consent_first(client, manager, paid, {"parts": [], "hours": 1.5, **FOR_THE_TECHNICIAN})
    act(client, manager, paid, "resolve", {"parts": [], "hours": 1.5, **FOR_THE_TECHNICIAN})
    with database.session() as session:
        survey = survey_for_case(session, in_warranty)
        assert survey is not None
        for question, grade in zip(QUESTIONS, (4, 3, 2, 1), strict=True):
            record_answer(survey, question, grade, now=kst(17, 35))
    with database.session() as session:  # R7.10: 김민수's day, with an hour of training (D)
        submit_work_report(
            session,
            technician_id=kim,
            day=date(2026, 11, 25),
            job_hours={},
            admin_hours=1.0,
            admin_note="교육",
            channel="telegram",
            now=kst(17, 38),
        )
    clock.set(kst(17, 40))
    return {"kim": kim, "park": park}


def test_monthly_report_counts_match_the_cases(
    browser: Browser, clock: Clock, database: Database
) -> None:
    ids = _a_month_of_work(browser, clock, database)
    browser.login("service_director")
    page = browser.get("/reports?month=2026-11").text

    assert cells(page, "by-kind", "repair")[1] == "4"
    assert cells(page, "by-kind", "complaint")[1] == "3"
    assert cells(page, "by-kind", "inquiry")[1] == "1"
    assert cells(page, "by-channel", "phone")[1] == "7"
    assert cells(page, "by-channel", "email")[1] == "1"
    assert 'data-key="letter"' not in page  # October's letter is not November's
    assert cells(page, "by-status", "routed")[1] == "3"
    assert cells(page, "by-status", "closed")[1] == "1"
    assert cells(page, "by-status", "resolved")[1] == "1"
    assert cells(page, "by-status", "assigned")[1] == "2"

    assert cells(page, "sla", "city")[1:] == ["1", "1", "1", "50.0%"]  # met, missed, pending
    assert cells(page, "sla", "suburb")[1:] == ["0", "1", "0", "0.0%"]

    assert cells(page, "complaints", "rnd_production")[1:] == ["1", "0", "1"]
    assert cells(page, "complaints", "warehouse_transport")[1:] == ["0", "1", "0"]

    assert cells(page, "hours", "C")[1:] == ["2.0", "–"]  # R7.11: free (warranty) work
    assert cells(page, "hours", "A")[1:] == ["1.5", "–"]  # paid work
    assert cells(page, "hours", "D")[1:] == ["–", "1.0"]  # internal, from the daily report

    # Jobs done, surveys scheduled, surveys answered, coverage (R8.3).
    assert cells(page, "surveys", "2026-11")[1:] == ["2", "2", "1", "50.0%"]
    assert cells(page, "ratings", str(ids["kim"]))[1:] == ["1", "1", "4.0", "3.0", "2.0", "1.0"]
    assert cells(page, "ratings", str(ids["park"]))[1:] == ["1", "0", "–", "–", "–", "–"]


def test_previous_month_holds_only_its_own_cases(
    browser: Browser, clock: Clock, database: Database
) -> None:
    _a_month_of_work(browser, clock, database)
    browser.login("vice_president")
    page = browser.get("/reports?month=2026-10").text
    assert cells(page, "by-channel", "letter")[1] == "1"
    assert cells(page, "by-kind", "inquiry")[1] == "1"
    assert 'data-key="repair"' not in page


def test_technician_page_shows_the_months_performance(
    browser: Browser, clock: Clock, database: Database
) -> None:
    ids = _a_month_of_work(browser, clock, database)
    browser.login("repair_manager")
    page = browser.get(f"/technicians/{ids['kim']}?month=2026-11").text
    assert figure(page, "jobs") == "1" and figure(page, "sla-met") == "100.0%"
    assert [figure(page, f"rating-{q}") for q in QUESTIONS] == ["4.0", "3.0", "2.0", "1.0"]
    assert "에어컨" in page and "air_conditioner" not in page
