"""Dashboard pages of issue 10 part C: suggestions evaluated and rewarded (R9.3), the daily
reports with the branch sign-off (R7.11, R7.12), and the analysis with its CSV (R9.1)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from backend.composition import tick
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.settings import Settings
from tests.dashboard.conftest import Browser, text_of
from tests.factories import Personas, create_case
from tests.suggestions.test_analysis import History
from tests.suggestions.test_daily_report import CLOSING, Day


def test_r9_3_staff_evaluate_and_reward_a_suggestion_from_the_case_page(
    browser: Browser, people: Personas, database: Database
) -> None:
    case = create_case(
        browser.client,
        people.headers("receptionist"),
        {
            "kind": "suggestion",
            "channel": "visit",
            "customer": {"name": "홍길동", "phone": "010-3000-0001"},
            "description": "주말 예약을 받아 주세요.",
        },
    )
    number = case["number"]
    browser.login("service_director")
    page = browser.get(f"/cases/{number}").text
    assert 'name="decision"' in page
    browser.post(f"/cases/{number}/actions/evaluate", {"decision": "accepted", "note": "좋아요"})
    page = browser.get(f"/cases/{number}").text
    assert 'name="reward_amount"' in page
    browser.post(f"/cases/{number}/actions/reward", {"reward_amount": "20000"})
    with database.session() as session:
        told = session.scalar(
            select(OutboundMessage).where(OutboundMessage.purpose == "suggestion_outcome")
        )
        assert told is not None and "20,000원" in told.payload["body"]
    listing = text_of(browser.get("/cases?kind=suggestion").text)
    assert number in listing


def test_r7_12_the_branch_manager_signs_off_on_the_daily_report_page(
    browser: Browser, people: Personas, database: Database, settings: Settings
) -> None:
    Day(browser.client, database, people)
    tick(database, settings, CLOSING)
    browser.login("repair_manager")
    listing = browser.get("/daily-reports").text
    assert 'data-day="2026-11-25"' in listing
    page = browser.get("/daily-reports/2026-11-25").text
    assert "강남" in page and "/sign-off" in page
    form_action = page.split('action="')[-1].split('"')[0]
    answer = browser.post(form_action, {"note": "확인"})
    assert answer.status_code == 303
    page = browser.get("/daily-reports/2026-11-25").text
    assert "확인" in text_of(page) and "/sign-off" not in page


def test_r9_1_the_dashboard_shows_the_analysis_and_exports_it_as_csv(
    browser: Browser, people: Personas, database: Database
) -> None:
    History(database, people)
    browser.login("service_director")
    page = browser.get("/analysis?from=2026-10&to=2026-11")
    assert page.status_code == 200 and "AC-1" in page.text
    exported = browser.get("/analysis.csv?from=2026-10&to=2026-11")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(exported.text)))
    assert table[0] == ["table", "month", "model", "part_or_topic", "figure", "count"]
    assert ["by_model", "2026-11", "AC-1", "", "repeat_repairs", "1"] in table
    assert browser.get("/analysis?from=2026-13").status_code == 422
