"""Daily work reports (R7.10): hours per job confirmed by the technician, plus admin work
(category D, R7.2); the service director's daily figures sum them per category (R7.11)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.cases.models import Case, ServiceCategory
from backend.fieldwork.models import WorkReport, WorkReportEntry
from backend.settings import Settings


def day_bounds(settings: Settings, day: date) -> tuple[datetime, datetime]:
    calendar = calendar_for(settings)
    start = calendar.at(day, time(0))
    return start, calendar.at(day + timedelta(days=1), time(0))


def jobs_of_day(session: Session, technician_id: int, day: date, settings: Settings) -> list[Case]:
    """The technician's jobs arrived at or resolved on `day` (local), in the order worked."""
    start, end = day_bounds(settings, day)
    jobs = session.scalars(
        select(Case)
        .where(
            Case.assigned_technician_id == technician_id,
            or_(Case.arrived_at.between(start, end), Case.resolved_at.between(start, end)),
        )
        .order_by(Case.arrived_at, Case.id)
    ).all()
    return list(jobs)


def report_of(session: Session, technician_id: int, day: date) -> WorkReport | None:
    return session.scalar(
        select(WorkReport).where(WorkReport.technician_id == technician_id, WorkReport.day == day)
    )


def submit_work_report(
    session: Session,
    *,
    technician_id: int,
    day: date,
    job_hours: dict[int, float],
    admin_hours: float,
    admin_note: str | None,
    channel: str,
    now: datetime,
) -> WorkReport:
    """Store (or replace) the day's report; hours per job also go onto the case (R4.12)."""
    report = report_of(session, technician_id, day)
    if report is None:
        report = WorkReport(technician_id=technician_id, day=day, channel=channel)
        session.add(report)
    report.entries = []
    totals: dict[str, float] = {}
    for case_id, hours in job_hours.items():
        case = session.get(Case, case_id)
        if case is None or case.assigned_technician_id != technician_id:
            continue
        category = case.service_category or ServiceCategory.PAID
        report.entries.append(WorkReportEntry(case_id=case_id, category=category, hours=hours))
        totals[category] = totals.get(category, 0.0) + hours
        case.work_hours = hours
    if admin_hours > 0:
        report.entries.append(
            WorkReportEntry(
                case_id=None, category=ServiceCategory.INTERNAL, hours=admin_hours, note=admin_note
            )
        )
        totals[ServiceCategory.INTERNAL] = admin_hours
    report.hours_by_category = {k: round(v, 2) for k, v in sorted(totals.items())}
    report.admin_note, report.submitted_at, report.channel = admin_note, now, channel
    session.flush()
    return report
