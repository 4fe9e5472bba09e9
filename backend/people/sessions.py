"""Server-side dashboard sessions: started at sign-in, ended by logout, deactivation, idleness or
age (finding 10). The browser holds a random token; only its hash is stored, so a leaked table
signs nobody in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from backend.people.models import StaffSession, StaffUser

# last_seen_at is written at most this often: idle expiry needs minutes, not every request's write.
TOUCH_EVERY = timedelta(minutes=1)
TOKEN_MAX_LENGTH = 100


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: unused (`idle`) and at most (`lifetime`) after sign-in."""

    idle: timedelta = timedelta(hours=8)
    lifetime: timedelta = timedelta(days=7)


def _session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: StaffUser, *, now: datetime) -> str:
    """A new session for `user`; returns the token for the cookie (this is the only copy)."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(id=_session_id(token), user_id=user.id, created_at=now, last_seen_at=now)
    )
    session.flush()
    return token


def session_user(
    session: Session, token: str, *, now: datetime, policy: SessionPolicy
) -> StaffUser | None:
    """The active user of a live session, marking it seen; a session found expired, or whose user
    was deactivated, is ended here and answers None."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    record = session.get(StaffSession, _session_id(token))
    if record is None or record.ended_at is not None:
        return None
    user = session.get(StaffUser, record.user_id)
    reason = None
    if user is None or not user.active:
        reason = "deactivated"
    elif now - record.created_at >= policy.lifetime:
        reason = "expired"
    elif now - record.last_seen_at >= policy.idle:
        reason = "idle"
    if reason is not None:
        record.ended_at, record.ended_reason = now, reason
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = now
    return user


def end_session(session: Session, token: str, *, now: datetime, reason: str = "logout") -> None:
    """End the session of this token (logout); an unknown or ended one is left as it is."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == _session_id(token), StaffSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )


def end_user_sessions(
    session: Session, user_id: int, *, now: datetime, reason: str = "deactivated"
) -> int:
    """End every live session of a user (deactivation, a password change); returns how many."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
