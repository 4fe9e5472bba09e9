"""Report tables as data: the page renders them, the CSV download writes the same cells.

A table's cells are the texts the page shows, built once here, so a CSV can never differ from
its table; the chart beside a table is drawn from the same figures.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from backend.dashboard.charts import Point, bar_chart
from backend.dashboard.i18n import gettext as _
from backend.dashboard.i18n import label, percent
from backend.reports.figures import GRADES, DayCoverage, TechnicianMonth, WeekZone
from backend.reports.monthly import MonthlyReport
from backend.surveys.models import QUESTIONS

SEVERITIES = ("normal", "serious", "major")
GRADE_NAMES = {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Satisfied", 4: "Very satisfied"}


def number(value: float | int | None) -> str:
    """A figure as shown: whole numbers plain, others as Python prints them, none as a dash."""
    return "–" if value is None else str(value)


@dataclass(frozen=True)
class Row:
    key: str  # the stored code the row is about (a zone, a kind, a technician id …)
    cells: tuple[str, ...]
    href: str = ""  # the first cell links here when set


@dataclass(frozen=True)
class ReportTable:
    key: str  # the section id and the CSV's name
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    points: tuple[Point, ...] = field(default=())
    chart_max: float | None = None

    @property
    def chart(self) -> Markup | None:
        """The table's chart (one mark per data point), or None for a table without one."""
        if not self.points:
            return None
        return bar_chart(self.title, self.points, maximum=self.chart_max)

    def csv(self) -> str:
        """The table as CSV: the same header and cells as the page."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows(row.cells for row in self.rows)
        return buffer.getvalue()


def _counts(key: str, title: str, heading: str, figures: dict[str, int]) -> ReportTable:
    rows = tuple(Row(k, (label(k), number(v))) for k, v in figures.items())
    points = tuple(Point(label(k), float(v), number(v)) for k, v in figures.items())
    return ReportTable(key, title, (heading, _("Cases")), rows, points)


def _sla(report: MonthlyReport) -> ReportTable:
    rows, points = [], []
    for zone, f in report.sla.items():
        rows.append(
            Row(
                zone,
                (label(zone), number(f.met), number(f.missed), number(f.pending), percent(f.ratio)),
            )
        )
        points.append(_ratio_point(label(zone), f.ratio))
    columns = (_("Zone"), _("Met"), _("Missed"), _("Pending"), _("SLA met"))
    return ReportTable(
        "sla", _("Arrival within the deadline per zone"), columns, tuple(rows), tuple(points), 1.0
    )


def _ratio_point(text: str, ratio: float | None) -> Point:
    return Point(text, ratio, percent(ratio), alarm=ratio is not None and ratio < 0.9)


def sla_weeks_table(weeks: Sequence[WeekZone]) -> ReportTable:
    """R7.14 per zone and ISO week."""
    rows, points = [], []
    for item in weeks:
        f = item.figures
        key = f"{item.week}:{item.zone}"
        cells = (item.week, label(item.zone), number(f.met), number(f.missed), number(f.pending))
        rows.append(Row(key, (*cells, percent(f.ratio))))
        points.append(_ratio_point(f"{item.week} {label(item.zone)}", f.ratio))
    columns = (_("Week"), _("Zone"), _("Met"), _("Missed"), _("Pending"), _("SLA met"))
    return ReportTable(
        "sla-weeks",
        _("Arrival within the deadline per zone and week"),
        columns,
        tuple(rows),
        tuple(points),
        1.0,
    )


def _complaints(report: MonthlyReport) -> ReportTable:
    rows = tuple(
        Row(d, (label(d), *(number(row.get(s, 0)) for s in SEVERITIES)))
        for d, row in report.complaints.items()
    )
    points = tuple(
        Point(label(d), float(sum(row.values())), number(sum(row.values())))
        for d, row in report.complaints.items()
    )
    columns = (_("Department"), *(label(s) for s in SEVERITIES))
    return ReportTable(
        "complaints", _("Complaints by department and severity"), columns, rows, points
    )


def _hours(report: MonthlyReport) -> ReportTable:
    rows = tuple(
        Row(c, (label(c), number(report.hours.get(c)), number(report.reported_hours.get(c))))
        for c in report.categories
    )
    points = tuple(
        Point(label(c), report.hours.get(c), number(report.hours.get(c))) for c in report.categories
    )
    columns = (_("Service category"), _("Jobs resolved"), _("Daily work reports"))
    return ReportTable("hours", _("Hours per service category"), columns, rows, points)


def _coverage(report: MonthlyReport) -> ReportTable:
    c = report.coverage
    cells = (
        report.month,
        number(c.jobs),
        number(c.scheduled),
        number(c.answered),
        percent(c.ratio),
    )
    columns = (
        _("Month"),
        _("Jobs done"),
        _("Surveys scheduled"),
        _("Surveys answered"),
        _("Coverage"),
    )
    return ReportTable("surveys", _("Survey coverage"), columns, (Row(report.month, cells),))


def coverage_days_table(days: Sequence[DayCoverage]) -> ReportTable:
    """R8.3 per day: every job is surveyed, so each day should reach 100 %."""
    rows = tuple(
        Row(
            d.day.isoformat(),
            (d.day.isoformat(), number(d.jobs), number(d.answered), percent(d.ratio)),
        )
        for d in days
    )
    points = tuple(_ratio_point(d.day.strftime("%m-%d"), d.ratio) for d in days if d.jobs)
    columns = (_("Day"), _("Jobs done"), _("Surveys answered"), _("Coverage"))
    return ReportTable("coverage-days", _("Survey coverage per day"), columns, rows, points, 1.0)


def _ratings(report: MonthlyReport, link: Callable[[int], str]) -> ReportTable:
    rows = tuple(
        Row(
            str(r.technician_id),
            (
                r.name,
                number(r.jobs),
                number(r.answered),
                *(number(r.ratings.get(q)) for q in QUESTIONS),
            ),
            link(r.technician_id),
        )
        for r in report.technicians
    )
    points = tuple(Point(r.name, float(r.jobs), number(r.jobs)) for r in report.technicians)
    columns = (_("Technician"), _("Jobs"), _("Surveys answered"), *(label(q) for q in QUESTIONS))
    return ReportTable("ratings", _("Ratings per technician"), columns, rows, points)


def _complaints_by_person(report: MonthlyReport) -> ReportTable:
    """R2.11: complaints about a named person count in their evaluation."""
    people = report.complaints_by_person
    rows = tuple(
        Row(f"{p.kind}:{p.id}", (p.name, label(p.department), number(p.count))) for p in people
    )
    points = tuple(Point(p.name, float(p.count), number(p.count)) for p in people)
    columns = (_("Name"), _("Department"), _("Complaints"))
    return ReportTable("complaints-people", _("Complaints about a person"), columns, rows, points)


def _return_departments(report: MonthlyReport) -> ReportTable:
    """R3.5: returns by the department their cause is attributed to."""
    return _counts(
        "return-departments",
        _("Return causes by department"),
        _("Department"),
        report.return_causes.by_department,
    )


def _return_people(report: MonthlyReport) -> ReportTable:
    """R3.5, R2.11: returns by the person their cause is attributed to."""
    people = report.return_causes.by_person
    rows = tuple(
        Row(f"{p.kind}:{p.id}", (f"{p.name} ({label(p.kind)})", number(p.returns))) for p in people
    )
    points = tuple(Point(p.name, float(p.returns), number(p.returns)) for p in people)
    columns = (_("Person"), _("Returns"))
    return ReportTable("return-people", _("Return causes by person"), columns, rows, points)


def month_tables(
    report: MonthlyReport,
    weeks: Sequence[WeekZone],
    days: Sequence[DayCoverage],
    technician_link: Callable[[int], str],
) -> list[ReportTable]:
    """Every table of the monthly report page, in page order."""
    return [
        _counts("by-kind", _("Cases by kind"), _("Kind"), report.by_kind),
        _counts("by-channel", _("Cases by channel"), _("Channel"), report.by_channel),
        _counts("by-status", _("Cases by status"), _("Status"), report.by_status),
        _sla(report),
        sla_weeks_table(weeks),
        _complaints(report),
        _hours(report),
        _coverage(report),
        coverage_days_table(days),
        _ratings(report, technician_link),
        _complaints_by_person(report),
        _return_departments(report),
        _return_people(report),
    ]


def technician_tables(month: TechnicianMonth) -> list[ReportTable]:
    """R8.2: the technician's month — the work, then the four ratings with their spread."""
    summary = (
        (_("Jobs"), number(month.jobs)),
        (_("Arrivals with a deadline"), number(month.arrivals_timed)),
        (_("Arrivals within the deadline"), number(month.arrivals_on_time)),
        (_("SLA met"), percent(month.on_time_ratio)),
        (_("Hours"), number(month.hours)),
        (_("Complaints"), number(month.complaints)),
        (_("Surveys answered"), number(month.surveys_answered)),
    )
    keys = ("jobs", "timed", "on-time", "sla-met", "hours", "complaints", "answered")
    work = ReportTable(
        "work",
        _("The month's work"),
        (_("Figure"), _("Value")),
        tuple(Row(k, cells) for k, cells in zip(keys, summary, strict=True)),
    )
    rows, points = [], []
    for question in QUESTIONS:
        figures = month.dimensions[question]
        counts = tuple(number(figures.counts[g]) for g in GRADES)
        rows.append(Row(question, (label(question), number(figures.mean), *counts)))
        points.append(Point(label(question), figures.mean, number(figures.mean)))
    columns = (_("Question"), _("Mean"), *(f"{g} {_(GRADE_NAMES[g])}" for g in GRADES))
    ratings = ReportTable("ratings", _("Ratings"), columns, tuple(rows), tuple(points), 4.0)
    return [work, ratings]


def find(tables: Sequence[ReportTable], key: str) -> ReportTable | None:
    return next((t for t in tables if t.key == key), None)
