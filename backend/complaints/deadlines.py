"""Reply deadlines of complaints in working hours by severity (R2.10, R8.6), and the chase:
a reminder to the owner, then the service director, then the vice-president — each once."""

from __future__ import annotations

import enum
from datetime import datetime

from backend.calendar import calendar_for
from backend.cases.models import Case
from backend.complaints.routing import Severity
from backend.settings import Settings

# The owner is reminded when this share of the working time to answer is used.
REMINDER_SHARE = 0.75


class Chase(enum.IntEnum):
    """How far an unanswered complaint has been chased (Case.reply_chased)."""

    NONE = 0
    REMINDED = 1  # the owner, near the deadline
    DIRECTOR = 2  # late: the service director (R8.7)
    VICE_PRESIDENT = 3  # still unanswered: the vice-president (R8.5)


def reply_hours(settings: Settings, severity: str | None) -> int:
    """Working hours to answer a complaint of this severity (configurable)."""
    return {
        Severity.SERIOUS: settings.reply_hours_serious,
        Severity.MAJOR: settings.reply_hours_major,
    }.get(Severity(severity or Severity.NORMAL), settings.reply_hours_normal)


def set_reply_deadline(case: Case, *, settings: Settings, start: datetime) -> None:
    """The answer is due `reply_hours` working hours after `start`; the chase starts over."""
    calendar = calendar_for(settings)
    hours = reply_hours(settings, case.severity)
    case.reply_due_at = calendar.add_working_hours(start, hours)
    case.reply_warn_at = calendar.add_working_hours(start, hours * REMINDER_SHARE)
    case.reply_chased = Chase.NONE


def vice_president_due(case: Case, settings: Settings) -> datetime | None:
    """Still unanswered one more reply period after the deadline: the vice-president hears."""
    if case.reply_due_at is None:
        return None
    hours = reply_hours(settings, case.severity)
    return calendar_for(settings).add_working_hours(case.reply_due_at, hours)


def next_chase(case: Case, settings: Settings, now: datetime) -> Chase | None:
    """The first step of the chase not taken yet whose time has come at `now`, or None (a tick
    after a long pause takes the missed steps in order, each once)."""
    if case.reply_due_at is None or case.answered_at is not None:
        return None
    chased = Chase(case.reply_chased or 0)
    if chased < Chase.REMINDED and case.reply_warn_at is not None and now >= case.reply_warn_at:
        return Chase.REMINDED
    if chased < Chase.DIRECTOR and now >= case.reply_due_at:
        return Chase.DIRECTOR
    vp_due = vice_president_due(case, settings)
    if chased < Chase.VICE_PRESIDENT and vp_due is not None and now >= vp_due:
        return Chase.VICE_PRESIDENT
    return None
