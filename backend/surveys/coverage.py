"""Survey coverage (R8.3: every job is surveyed, no sampling): jobs surveyed / jobs closed."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.settings import Settings
from backend.surveys.models import QUESTIONS, Survey, SurveyStatus
from backend.surveys.performance import month_bounds


def survey_coverage(
    session: Session, *, settings: Settings, year: int, month: int
) -> dict[str, Any]:
    """Repair jobs finished in the month, how many were surveyed, and where the rest stand."""
    start, end = month_bounds(settings, year, month)
    rows = session.execute(
        select(Case.id, Survey)
        .outerjoin(Survey, Survey.case_id == Case.id)
        .where(Case.kind == "repair", Case.resolved_at >= start, Case.resolved_at < end)
    ).all()
    jobs = len(rows)
    surveys = [survey for _case_id, survey in rows if survey is not None]
    surveyed = [s for s in surveys if any(getattr(s, q) is not None for q in QUESTIONS)]
    statuses = Counter(str(s.status) for s in surveys)
    channels = Counter(s.channel or "none" for s in surveyed)
    return {
        "month": f"{year:04d}-{month:02d}",
        "jobs_closed": jobs,
        "jobs_surveyed": len(surveyed),
        "coverage": round(len(surveyed) / jobs, 4) if jobs else None,
        "fully_answered": statuses.get(SurveyStatus.ANSWERED, 0),
        "partially_answered": statuses.get(SurveyStatus.PARTIAL, 0),
        "unreachable": statuses.get(SurveyStatus.UNREACHABLE, 0),
        "not_yet_surveyed": jobs - len(surveyed) - statuses.get(SurveyStatus.UNREACHABLE, 0),
        "without_survey": jobs - len(surveys),
        "call_attempts": sum(s.attempts for s in surveys),
        "answered_by_channel": dict(channels),
        "by_channel": channel_rates(surveys),
    }


def channel_rates(surveys: list[Survey]) -> dict[str, dict[str, Any]]:
    """Issue 16: per channel the survey was last asked on, how many answered at all (response
    rate) and how many answered every question (completion rate)."""
    rates: dict[str, dict[str, Any]] = {}
    for channel in sorted({s.channel for s in surveys if s.channel}):
        asked = [s for s in surveys if s.channel == channel]
        responded = [s for s in asked if any(getattr(s, q) is not None for q in QUESTIONS)]
        completed = [s for s in asked if all(getattr(s, q) is not None for q in QUESTIONS)]
        rates[channel] = {
            "asked": len(asked),
            "responded": len(responded),
            "completed": len(completed),
            "response_rate": round(len(responded) / len(asked), 4),
            "completion_rate": round(len(completed) / len(asked), 4),
        }
    return rates
