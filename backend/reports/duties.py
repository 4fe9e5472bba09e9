"""`director_daily_report`: at closing of each working day, the day's report, once (R7.11)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.reports.daily import make_daily_report
from backend.settings import Settings


def director_daily_report(session: Session, settings: Settings, now: datetime) -> int:
    """From closing time until midnight of a business day: make and send the day's report."""
    calendar = calendar_for(settings)
    day = calendar.local_date(now)
    if not calendar.is_business_day(day) or now < calendar.end_of_day(day):
        return 0
    return 1 if make_daily_report(session, settings, day, now=now) is not None else 0
