"""The monthly management report: volumes, SLA, complaints, return causes, hours, surveys.

Every function takes a session and a half-open period [start, end); none writes anything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.cases.machine import RepairStatus
from backend.cases.models import Case, CaseKind
from backend.fieldwork.models import WorkReport, WorkReportEntry
from backend.people.models import StaffUser, Technician
from backend.settings import Settings
from backend.surveys.models import QUESTIONS, Survey
from backend.surveys.performance import month_bounds


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    first_day: date | None = None  # the same period in local calendar days, [first, following)
    following_day: date | None = None


def cases_by(session: Session, period: Period, column: str) -> dict[str, int]:
    """Cases reported in the period, counted by `kind`, `channel` or `status`."""
    attribute = {"kind": Case.kind, "channel": Case.channel, "status": Case.status}[column]
    rows = session.execute(
        select(attribute, func.count(Case.id))
        .where(Case.reported_at >= period.start, Case.reported_at < period.end)
        .group_by(attribute)
        .order_by(attribute)
    ).all()
    return {str(key): int(count) for key, count in rows}


@dataclass
class SlaFigures:
    met: int = 0
    missed: int = 0
    pending: int = 0

    @property
    def ratio(self) -> float | None:
        decided = self.met + self.missed
        return round(self.met / decided, 4) if decided else None


def sla_by_zone(session: Session, period: Period, now: datetime) -> dict[str, SlaFigures]:
    """R7.14 per zone, for repair cases reported in the period.

    Met: arrived by the deadline. Missed: arrived late, or not arrived although the deadline has
    passed. Pending: still inside the window. Cancelled jobs count in none of them.
    """
    rows = session.execute(
        select(Case.zone, Case.arrived_at, Case.sla_due_at).where(
            Case.kind == CaseKind.REPAIR,
            Case.status != RepairStatus.CANCELLED,
            Case.sla_due_at.is_not(None),
            Case.reported_at >= period.start,
            Case.reported_at < period.end,
        )
    ).all()
    figures: dict[str, SlaFigures] = defaultdict(SlaFigures)
    for zone, arrived_at, due in rows:
        zone_figures = figures[zone]
        assert due is not None  # selected with sla_due_at IS NOT NULL
        if arrived_at is not None:
            if arrived_at <= due:
                zone_figures.met += 1
            else:
                zone_figures.missed += 1
        elif due < now:
            zone_figures.missed += 1
        else:
            zone_figures.pending += 1
    return dict(sorted(figures.items()))


def complaints_by_department_and_severity(
    session: Session, period: Period
) -> dict[str, dict[str, int]]:
    """R2.11: complaints of the period per department, split by severity."""
    rows = session.execute(
        select(Case.department, Case.severity, func.count(Case.id))
        .where(
            Case.kind == CaseKind.COMPLAINT,
            Case.reported_at >= period.start,
            Case.reported_at < period.end,
        )
        .group_by(Case.department, Case.severity)
    ).all()
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for department, severity, count in rows:
        table[department or "-"][severity or "normal"] = int(count)
    return dict(sorted(table.items()))


@dataclass(frozen=True)
class PersonComplaints:
    """R2.11: complaints of the period about one person (a technician or a staff member)."""

    kind: str  # "technician" | "staff"
    id: int
    name: str
    department: str | None
    count: int


def complaints_by_person(session: Session, period: Period) -> list[PersonComplaints]:
    """R2.11: each person complained about in the period, most complaints first."""
    window = (
        Case.kind == CaseKind.COMPLAINT,
        Case.formal_key.is_(None),  # a formal case repeats its complaints
        Case.reported_at >= period.start,
        Case.reported_at < period.end,
    )
    people: list[PersonComplaints] = []
    for technician_id, name, count in session.execute(
        select(Technician.id, Technician.name, func.count(Case.id))
        .join(Case, Case.about_technician_id == Technician.id)
        .where(*window)
        .group_by(Technician.id, Technician.name)
    ).all():
        people.append(PersonComplaints("technician", technician_id, name, "service", int(count)))
    for user_id, name, department, count in session.execute(
        select(StaffUser.id, StaffUser.name, StaffUser.department, func.count(Case.id))
        .join(Case, Case.about_staff_id == StaffUser.id)
        .where(*window)
        .group_by(StaffUser.id, StaffUser.name, StaffUser.department)
    ).all():
        people.append(PersonComplaints("staff", user_id, name, department, int(count)))
    return sorted(people, key=lambda p: (-p.count, p.kind, p.name))


def hours_by_category(session: Session, period: Period) -> dict[str, float]:
    """R7.11: work hours per service category (A/B/C/D) of jobs resolved in the period."""
    rows = session.execute(
        select(Case.service_category, func.coalesce(func.sum(Case.work_hours), 0.0))
        .where(
            Case.resolved_at >= period.start,
            Case.resolved_at < period.end,
            Case.work_hours.is_not(None),
        )
        .group_by(Case.service_category)
    ).all()
    return {
        str(category or "-"): round(float(hours or 0), 2)
        for category, hours in sorted(rows, key=lambda row: str(row[0] or "-"))
    }


def reported_hours_by_category(session: Session, period: Period) -> dict[str, float]:
    """R7.10/R7.11: hours per category from the technicians' daily work reports (D included)."""
    if period.first_day is None or period.following_day is None:
        return {}
    rows = session.execute(
        select(WorkReportEntry.category, func.coalesce(func.sum(WorkReportEntry.hours), 0.0))
        .join(WorkReport, WorkReportEntry.report_id == WorkReport.id)
        .where(WorkReport.day >= period.first_day, WorkReport.day < period.following_day)
        .group_by(WorkReportEntry.category)
    ).all()
    return {
        str(category): round(float(hours or 0), 2)
        for category, hours in sorted(rows, key=lambda row: str(row[0]))
    }


@dataclass(frozen=True)
class PersonCount:
    kind: str  # "technician" or "staff_user"
    id: int
    name: str
    returns: int


@dataclass(frozen=True)
class ReturnCauses:
    """R3.5, R2.11: the returns of the period by the department and the person they are
    attributed to (inspected returns only: the cause is found at inspection)."""

    by_department: dict[str, int]
    by_person: list[PersonCount]
    not_yet_inspected: int


def return_causes(session: Session, period: Period) -> ReturnCauses:
    in_period = (
        Case.kind == CaseKind.RETURN,
        Case.reported_at >= period.start,
        Case.reported_at < period.end,
    )
    departments = session.execute(
        select(Case.cause_department, func.count(Case.id))
        .where(*in_period, Case.cause_department.is_not(None))
        .group_by(Case.cause_department)
    ).all()
    technicians = session.execute(
        select(Technician.id, Technician.name, func.count(Case.id))
        .join(Case, Case.cause_technician_id == Technician.id)
        .where(*in_period)
        .group_by(Technician.id, Technician.name)
    ).all()
    users = session.execute(
        select(StaffUser.id, StaffUser.name, StaffUser.email, func.count(Case.id))
        .join(Case, Case.cause_user_id == StaffUser.id)
        .where(*in_period)
        .group_by(StaffUser.id, StaffUser.name, StaffUser.email)
    ).all()
    people = [PersonCount("technician", i, name, int(n)) for i, name, n in technicians] + [
        PersonCount("staff_user", i, name or email, int(n)) for i, name, email, n in users
    ]
    waiting = session.scalar(
        select(func.count(Case.id)).where(*in_period, Case.cause_department.is_(None))
    )
    return ReturnCauses(
        by_department={str(d): int(n) for d, n in sorted(departments)},
        by_person=sorted(people, key=lambda p: (-p.returns, p.name)),
        not_yet_inspected=int(waiting or 0),
    )


@dataclass(frozen=True)
class SurveyCoverage:
    jobs: int
    scheduled: int
    answered: int

    @property
    def ratio(self) -> float | None:
        """R8.3 asks for every job: answered surveys over jobs done."""
        return round(self.answered / self.jobs, 4) if self.jobs else None


def _answered_condition() -> Any:
    return func.coalesce(Survey.attitude, Survey.skill, Survey.arrival_time, Survey.promise).is_not(
        None
    )


def survey_coverage(session: Session, period: Period) -> SurveyCoverage:
    """Repair jobs resolved in the period, how many got a survey, how many answered it."""
    in_period = (
        Case.kind == CaseKind.REPAIR,
        Case.resolved_at >= period.start,
        Case.resolved_at < period.end,
    )
    jobs = session.scalar(select(func.count(Case.id)).where(*in_period)) or 0
    surveys = select(func.count(Survey.id)).join(Case, Survey.case_id == Case.id).where(*in_period)
    scheduled = session.scalar(surveys) or 0
    answered = session.scalar(surveys.where(_answered_condition())) or 0
    return SurveyCoverage(int(jobs), int(scheduled), int(answered))


@dataclass
class TechnicianRatings:
    technician_id: int
    name: str
    jobs: int = 0
    answered: int = 0
    ratings: dict[str, float | None] = field(default_factory=dict)


def ratings_by_technician(session: Session, period: Period) -> list[TechnicianRatings]:
    """R8.2: per technician, jobs resolved in the period and the mean of each rating."""
    in_period = (
        Case.kind == CaseKind.REPAIR,
        Case.resolved_at >= period.start,
        Case.resolved_at < period.end,
    )
    rows: dict[int, TechnicianRatings] = {}
    for technician_id, name, jobs in session.execute(
        select(Technician.id, Technician.name, func.count(Case.id))
        .join(Case, Case.assigned_technician_id == Technician.id)
        .where(*in_period)
        .group_by(Technician.id, Technician.name)
    ).all():
        rows[technician_id] = TechnicianRatings(
            technician_id, name, jobs=int(jobs), ratings=dict.fromkeys(QUESTIONS)
        )
    means = [func.avg(getattr(Survey, question)) for question in QUESTIONS]
    for technician_id, answered, *averages in session.execute(
        select(Survey.technician_id, func.count(Survey.id), *means)
        .join(Case, Survey.case_id == Case.id)
        .where(*in_period, Survey.technician_id.is_not(None), _answered_condition())
        .group_by(Survey.technician_id)
    ).all():
        row = rows.get(technician_id)
        if row is None:
            continue  # a survey whose job was resolved by someone else since: not this month's
        row.answered = int(answered)
        row.ratings = {
            question: None if value is None else round(float(value), 2)
            for question, value in zip(QUESTIONS, averages, strict=True)
        }
    return sorted(rows.values(), key=lambda row: row.name)


@dataclass(frozen=True)
class MonthlyReport:
    month: str
    by_kind: dict[str, int]
    by_channel: dict[str, int]
    by_status: dict[str, int]
    sla: dict[str, SlaFigures]
    complaints: dict[str, dict[str, int]]
    complaints_by_person: list[PersonComplaints]
    hours: dict[str, float]
    reported_hours: dict[str, float]
    coverage: SurveyCoverage
    technicians: list[TechnicianRatings]
    return_causes: ReturnCauses

    @property
    def total_cases(self) -> int:
        return sum(self.by_kind.values())

    @property
    def categories(self) -> list[str]:
        return sorted(set(self.hours) | set(self.reported_hours))


def monthly_report(
    session: Session, *, settings: Settings, year: int, month: int, now: datetime
) -> MonthlyReport:
    """Every figure of one calendar month in the business time zone."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    period = Period(*month_bounds(settings, year, month), first_day=first, following_day=following)
    return MonthlyReport(
        month=f"{year:04d}-{month:02d}",
        by_kind=cases_by(session, period, "kind"),
        by_channel=cases_by(session, period, "channel"),
        by_status=cases_by(session, period, "status"),
        sla=sla_by_zone(session, period, now),
        complaints=complaints_by_department_and_severity(session, period),
        complaints_by_person=complaints_by_person(session, period),
        hours=hours_by_category(session, period),
        reported_hours=reported_hours_by_category(session, period),
        coverage=survey_coverage(session, period),
        technicians=ratings_by_technician(session, period),
        return_causes=return_causes(session, period),
    )
