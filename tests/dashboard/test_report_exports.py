"""Every report table has a chart with one mark per data point and a CSV equal to the table;
the technician's month shows the four ratings as means and distributions (R8.2)."""

from __future__ import annotations

import csv
import io
import re

from backend.db import Database
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, text_of
from tests.dashboard.test_reports import _a_month_of_work

MONTH_TABLES = (
    "by-kind",
    "by-channel",
    "by-status",
    "sla",
    "sla-weeks",
    "complaints",
    "hours",
    "surveys",
    "coverage-days",
    "ratings",
)


def section(page: str, key: str) -> str:
    block = re.search(rf'<section class="card" id="{key}">(.*?)</section>', page, re.S)
    assert block, key
    return block.group(1)


def table_rows(block: str) -> list[list[str]]:
    """The header and every row of the section's table, as the page shows them."""
    table = re.search(r'<table class="list">(.*?)</table>', block, re.S)
    assert table
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([text_of(cell) for cell in cells])
    return [row for row in rows if row != ["–"]]  # an empty table's placeholder row


def csv_rows(browser: Browser, url: str) -> list[list[str]]:
    answer = browser.get(url)
    assert answer.status_code == 200, url
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))


def marks(block: str) -> list[tuple[str, str]]:
    """(label, value) of each mark of the section's chart."""
    mark = r'<rect class="mark[^"]*"[^>]*data-label="([^"]*)" data-value="([^"]*)"'
    return re.findall(mark, block)


def test_each_month_table_downloads_as_csv_equal_to_the_table(
    browser: Browser, clock: Clock, database: Database
) -> None:
    _a_month_of_work(browser, clock, database)
    browser.login("service_director")
    page = browser.get("/reports?month=2026-11").text
    for key in MONTH_TABLES:
        block = section(page, key)
        link = re.search(r'<a class="csv" download href="([^"]+)"', block)
        assert link, key
        shown = table_rows(block)
        assert len(shown) >= 2, key  # a header and at least one row of figures this month
        assert csv_rows(browser, link.group(1).replace("&amp;", "&")) == shown, key
    # The figures themselves, in the file: 1 met, 1 missed, 1 pending in the city (R7.14).
    sla = csv_rows(browser, "/reports/sla.csv?month=2026-11")
    assert sla[1][1:] == ["1", "1", "1", "50.0%"]


def test_each_chart_has_one_mark_per_data_point(
    browser: Browser, clock: Clock, database: Database
) -> None:
    _a_month_of_work(browser, clock, database)
    browser.login("repair_manager")
    page = browser.get("/reports?month=2026-11").text
    kinds = marks(section(page, "by-kind"))
    assert sorted(value for _label, value in kinds) == ["1.0", "3.0", "4.0"]  # inquiry, …
    assert len(kinds) == len(table_rows(section(page, "by-kind"))) - 1
    assert len(marks(section(page, "sla"))) == 2  # city, suburb
    assert len(marks(section(page, "sla-weeks"))) == 2  # one week, two zones
    days = marks(section(page, "coverage-days"))
    assert [value for _label, value in days] == ["0.5"]  # the one day with jobs: 1 of 2
    charts = "".join(section(page, key) for key in ("by-kind", "sla", "sla-weeks", "coverage-days"))
    assert "<script" not in charts and "style=" not in charts  # the CSP holds for the charts


def test_the_technician_month_shows_means_and_distributions(
    browser: Browser, clock: Clock, database: Database
) -> None:
    ids = _a_month_of_work(browser, clock, database)
    browser.login("repair_manager")
    url = f"/reports/technicians/{ids['kim']}?month=2026-11"
    page = browser.get(url).text
    work = dict(row for row in table_rows(section(page, "work"))[1:])
    assert list(work.values()) == ["1", "1", "1", "100.0%", "2.0", "0", "1"]
    ratings = table_rows(section(page, "ratings"))
    # mean, then how many gave 1, 2, 3, 4: attitude 4, skill 3, arrival time 2, promise 1
    assert [row[1:] for row in ratings[1:]] == [
        ["4.0", "0", "0", "0", "1"],
        ["3.0", "0", "0", "1", "0"],
        ["2.0", "0", "1", "0", "0"],
        ["1.0", "1", "0", "0", "0"],
    ]
    assert len(marks(section(page, "ratings"))) == 4
    for key in ("work", "ratings"):
        link = f"/reports/technicians/{ids['kim']}/{key}.csv?month=2026-11"
        assert csv_rows(browser, link) == table_rows(section(page, key))


def test_a_complaint_after_the_job_counts_against_the_technician(
    browser: Browser, clock: Clock, database: Database
) -> None:
    from tests.factories import complaint_body, create_case

    ids = _a_month_of_work(browser, clock, database)
    # 홍길동 (010-3000-0001) was served by 김민수 that morning, then complains.
    create_case(
        browser.client,
        browser.people.headers("receptionist"),
        complaint_body("other", "normal", phone="010-3000-0001"),
    )
    answer = browser.client.get(
        f"/api/v1/reports/technicians/{ids['kim']}?month=2026-11",
        headers=browser.people.headers("service_director"),
    ).get_json()
    assert answer["complaints"] == 1 and answer["jobs"] == 1
    attitude = {"mean": 4.0, "counts": {"1": 0, "2": 0, "3": 0, "4": 1}}
    assert answer["ratings"]["attitude"] == attitude
    other = browser.client.get(
        f"/api/v1/reports/technicians/{ids['park']}?month=2026-11",
        headers=browser.people.headers("service_director"),
    ).get_json()
    assert other["complaints"] == 0


def test_reports_are_for_managers_only(browser: Browser, clock: Clock, database: Database) -> None:
    ids = _a_month_of_work(browser, clock, database)
    browser.login("receptionist")
    assert browser.get("/reports/sla.csv?month=2026-11").status_code == 403
    assert browser.get(f"/reports/technicians/{ids['kim']}").status_code == 403
    assert browser.get("/reports/nothing.csv").status_code == 403
