"""Housekeeping of sign-in records: the tables of findings 10 and 11 do not grow without end."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from backend.people.models import LoginFailures, StaffSession
from backend.people.throttle import ThrottlePolicy
from backend.settings import Settings

# Ended sessions stay this long, for whoever asks who was signed in when.
SESSIONS_KEPT = timedelta(days=30)


def prune_sign_in_records(session: Session, settings: Settings, now: datetime) -> int:
    """Delete sessions over for 30 days and failure counters a day past their last attempt."""
    over_since = now - SESSIONS_KEPT
    sessions = session.execute(
        delete(StaffSession).where(
            or_(
                StaffSession.ended_at < over_since,
                # never ended by a request, but past its lifetime for as long
                StaffSession.created_at < over_since - timedelta(days=settings.session_max_days),
            )
        )
    )
    failures = session.execute(
        delete(LoginFailures).where(
            LoginFailures.next_attempt_at < now - ThrottlePolicy().account_memory
        )
    )
    return int(getattr(sessions, "rowcount", 0) or 0) + int(getattr(failures, "rowcount", 0) or 0)
