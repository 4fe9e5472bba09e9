"""Report figures beyond the month's totals: a technician's month, coverage per day, SLA per week.

Every function takes a session and plain arguments (the month, `now`) and writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases.machine import RepairStatus
from backend.cases.models import Case, CaseKind
from backend.people.models import Technician
from backend.reports.monthly import SlaFigures
from backend.settings import Settings
from backend.surveys.models import QUESTIONS, Survey
from backend.surveys.performance import month_bounds

GRADES = (1, 2, 3, 4)  # R8.4: 1 very dissatisfied … 4 very satisfied
# A complaint counts against the technician who served that customer within this many days.
COMPLAINT_WINDOW = timedelta(days=30)


def month_days(year: int, month: int) -> list[date]:
    """Every calendar day of the month."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


@dataclass
class DimensionFigures:
    """One rating question over the month: mean grade and how many gave each grade (R8.4)."""

    mean: float | None = None
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))


@dataclass
class TechnicianMonth:
    """R8.2: what a technician's monthly evaluation is made of."""

    technician_id: int
    name: str
    month: str
    jobs: int = 0
    arrivals_timed: int = 0
    arrivals_on_time: int = 0
    hours: float = 0.0
    complaints: int = 0
    surveys_answered: int = 0
    dimensions: dict[str, DimensionFigures] = field(default_factory=dict)

    @property
    def on_time_ratio(self) -> float | None:
        """R7.14: arrivals within the deadline over arrivals with a deadline."""
        if not self.arrivals_timed:
            return None
        return round(self.arrivals_on_time / self.arrivals_timed, 4)


def _resolved_jobs(
    session: Session, technician_id: int, start: datetime, end: datetime
) -> list[Case]:
    return list(
        session.scalars(
            select(Case).where(
                Case.assigned_technician_id == technician_id,
                Case.kind == CaseKind.REPAIR,
                Case.resolved_at >= start,
                Case.resolved_at < end,
            )
        )
    )


def _dimensions(surveys: list[Survey]) -> dict[str, DimensionFigures]:
    figures = {question: DimensionFigures() for question in QUESTIONS}
    for question, figure in figures.items():
        grades = [g for g in (getattr(s, question) for s in surveys) if g in GRADES]
        for grade in grades:
            figure.counts[grade] += 1
        figure.mean = round(sum(grades) / len(grades), 2) if grades else None
    return figures


def _complaints_after(session: Session, jobs: list[Case], start: datetime, end: datetime) -> int:
    """Complaints reported in the month by a customer within 30 days after this technician's job."""
    served: dict[int, list[datetime]] = defaultdict(list)
    for job in jobs:
        if job.resolved_at is not None:
            served[job.customer_id].append(job.resolved_at)
    if not served:
        return 0
    complaints = session.execute(
        select(Case.customer_id, Case.reported_at).where(
            Case.kind == CaseKind.COMPLAINT,
            Case.customer_id.in_(served),
            Case.reported_at >= start,
            Case.reported_at < end,
        )
    ).all()
    return sum(
        1
        for customer_id, reported_at in complaints
        if any(done <= reported_at <= done + COMPLAINT_WINDOW for done in served[customer_id])
    )


def technician_month(
    session: Session, technician: Technician, *, settings: Settings, year: int, month: int
) -> TechnicianMonth:
    """Jobs resolved in the month, arrivals within the deadline, hours, complaints and ratings."""
    start, end = month_bounds(settings, year, month)
    jobs = _resolved_jobs(session, technician.id, start, end)
    timed = [
        (j.arrived_at, j.sla_due_at)
        for j in jobs
        if j.arrived_at is not None and j.sla_due_at is not None
    ]
    surveys = list(
        session.scalars(
            select(Survey)
            .join(Case, Survey.case_id == Case.id)
            .where(
                Survey.technician_id == technician.id,
                Case.resolved_at >= start,
                Case.resolved_at < end,
            )
        )
    )
    answered = [s for s in surveys if any(getattr(s, q) is not None for q in QUESTIONS)]
    return TechnicianMonth(
        technician_id=technician.id,
        name=technician.name,
        month=f"{year:04d}-{month:02d}",
        jobs=len(jobs),
        arrivals_timed=len(timed),
        arrivals_on_time=sum(1 for arrived, due in timed if arrived <= due),
        hours=round(sum(j.work_hours or 0.0 for j in jobs), 2),
        complaints=_complaints_after(session, jobs, start, end),
        surveys_answered=len(answered),
        dimensions=_dimensions(answered),
    )


@dataclass(frozen=True)
class DayCoverage:
    """R8.3 per day: jobs resolved that day, and how many of them had a survey answered."""

    day: date
    jobs: int
    answered: int

    @property
    def ratio(self) -> float | None:
        return round(self.answered / self.jobs, 4) if self.jobs else None


def coverage_by_day(
    session: Session, *, settings: Settings, year: int, month: int
) -> list[DayCoverage]:
    """Every day of the month (business zone), with the jobs resolved and surveys answered."""
    start, end = month_bounds(settings, year, month)
    rows = session.execute(
        select(Case.resolved_at, Survey)
        .outerjoin(Survey, Survey.case_id == Case.id)
        .where(Case.kind == CaseKind.REPAIR, Case.resolved_at >= start, Case.resolved_at < end)
    ).all()
    jobs: dict[date, int] = defaultdict(int)
    answered: dict[date, int] = defaultdict(int)
    tz = settings.tz
    for resolved_at, survey in rows:
        assert resolved_at is not None  # selected with resolved_at in the month
        day = _local_day(resolved_at, tz)
        jobs[day] += 1
        if survey is not None and any(getattr(survey, q) is not None for q in QUESTIONS):
            answered[day] += 1
    return [DayCoverage(day, jobs[day], answered[day]) for day in month_days(year, month)]


def _local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()  # columns are UTCDateTime: always aware


@dataclass(frozen=True)
class WeekZone:
    """R7.14 for one ISO week and zone: repairs reported that week, met / missed / pending."""

    week: str  # ISO week, "2026-W48"
    zone: str
    figures: SlaFigures


def sla_by_zone_and_week(
    session: Session, *, settings: Settings, year: int, month: int, now: datetime
) -> list[WeekZone]:
    """Repairs reported in the month, by ISO week of the report (business zone) and zone."""
    start, end = month_bounds(settings, year, month)
    rows = session.execute(
        select(Case.zone, Case.reported_at, Case.arrived_at, Case.sla_due_at).where(
            Case.kind == CaseKind.REPAIR,
            Case.status != RepairStatus.CANCELLED,
            Case.sla_due_at.is_not(None),
            Case.reported_at >= start,
            Case.reported_at < end,
        )
    ).all()
    table: dict[tuple[str, str], SlaFigures] = defaultdict(SlaFigures)
    for zone, reported_at, arrived_at, due in rows:
        iso = _local_day(reported_at, settings.tz).isocalendar()
        assert due is not None  # selected with sla_due_at IS NOT NULL
        _count(table[(f"{iso.year}-W{iso.week:02d}", zone)], arrived_at, due, now)
    return [WeekZone(week, zone, table[(week, zone)]) for week, zone in sorted(table)]


def _count(figures: SlaFigures, arrived_at: datetime | None, due: datetime, now: datetime) -> None:
    """The same rule as the month's table (backend/reports/monthly.sla_by_zone)."""
    if arrived_at is not None:
        if arrived_at <= due:
            figures.met += 1
        else:
            figures.missed += 1
    elif due < now:
        figures.missed += 1
    else:
        figures.pending += 1
