"""A technician's month: jobs, arrivals within the SLA, mean ratings (R8.2 monthly evaluation)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.cases.models import Case
from backend.errors import ValidationError
from backend.settings import Settings
from backend.surveys.models import QUESTIONS, Survey


def parse_month(text: str | None, today: date) -> tuple[int, int]:
    if not text:
        return today.year, today.month
    try:
        year, month = (int(x) for x in text.split("-"))
        date(year, month, 1)
    except ValueError as exc:
        raise ValidationError("month must look like 2026-11", field="month") from exc
    # Month bounds are computed in the business zone; years 1 and 9999 would overflow there.
    if not 1900 <= year <= 9000:
        raise ValidationError("month must be a year between 1900 and 9000", field="month")
    return year, month


def month_bounds(settings: Settings, year: int, month: int) -> tuple[datetime, datetime]:
    calendar = calendar_for(settings)
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return calendar.at(first, datetime.min.time()), calendar.at(following, datetime.min.time())


def technician_performance(
    session: Session, technician_id: int, *, settings: Settings, year: int, month: int
) -> dict[str, Any]:
    """Jobs resolved in the month, the share that arrived on time, and mean grades."""
    start, end = month_bounds(settings, year, month)
    jobs = session.scalars(
        select(Case).where(
            Case.assigned_technician_id == technician_id,
            Case.kind == "repair",
            Case.resolved_at >= start,
            Case.resolved_at < end,
        )
    ).all()
    timed = [job for job in jobs if job.arrived_at is not None and job.sla_due_at is not None]
    met = sum(
        1
        for job in timed
        if job.arrived_at is not None
        and job.sla_due_at is not None
        and job.arrived_at <= job.sla_due_at
    )
    surveys = session.scalars(
        select(Survey)
        .join(Case, Survey.case_id == Case.id)
        .where(
            Survey.technician_id == technician_id, Case.resolved_at >= start, Case.resolved_at < end
        )
    ).all()
    ratings: dict[str, float | None] = {}
    for question in QUESTIONS:
        grades = [getattr(s, question) for s in surveys if getattr(s, question) is not None]
        ratings[question] = round(sum(grades) / len(grades), 2) if grades else None
    answered = sum(1 for s in surveys if any(getattr(s, q) is not None for q in QUESTIONS))
    # R2.11, R8.2: complaints about the technician reported in the month (formal cases apart).
    complaints = session.scalar(
        select(func.count(Case.id)).where(
            Case.about_technician_id == technician_id,
            Case.kind == "complaint",
            Case.formal_key.is_(None),
            Case.reported_at >= start,
            Case.reported_at < end,
        )
    )
    return {
        "technician_id": technician_id,
        "month": f"{year:04d}-{month:02d}",
        "jobs": len(jobs),
        "sla_met_ratio": round(met / len(timed), 4) if timed else None,
        "ratings": ratings,
        "surveys_answered": answered,
        "surveys_total": len(surveys),
        "complaints": int(complaints or 0),
        # R3.5, R2.11: returns of the month whose cause was attributed to this technician.
        "returns_attributed": _returns_attributed(session, technician_id, start, end),
    }


def _returns_attributed(
    session: Session, technician_id: int, start: datetime, end: datetime
) -> int:
    count = session.scalar(
        select(func.count(Case.id)).where(
            Case.kind == "return",
            Case.cause_technician_id == technician_id,
            Case.reported_at >= start,
            Case.reported_at < end,
        )
    )
    return int(count or 0)
