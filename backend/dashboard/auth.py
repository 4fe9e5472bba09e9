"""Staff sign-in for the dashboard: server-side sessions, CSRF token, roles, safe redirects.

The signed cookie holds the session's random token (never the user id), the CSRF token and the
visitor's language; the session itself is a `staff_sessions` row (backend/people/sessions.py), so
logout, deactivation and expiry end it on the server (finding 10).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from backend.actors import Actor
from backend.cases.permissions import roles_for
from backend.people.models import Role, StaffUser, Technician
from backend.people.service import check_password, technician_for_user
from backend.people.sessions import SessionPolicy, end_session, session_user, start_session
from backend.web import db_session, now, settings

F = TypeVar("F", bound=Callable[..., Any])

# Page-level gates, read from the permission matrix (backend/cases/permissions.py).
MANAGERS = roles_for("reports")
INTAKE_ROLES = roles_for("intake")
CSRF_FIELD = "csrf_token"
SESSION_TOKEN = "sid"


def csrf_token() -> str:
    """The session's CSRF token, created on first use (also before sign-in: the login form)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def check_csrf() -> None:
    """Every POST carries the session's token; compared in constant time."""
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD, "")
    if (
        not isinstance(expected, str)
        or not expected
        or not hmac.compare_digest(expected.encode(), given.encode())
    ):
        abort(400, description="csrf")


_dummy_hash: list[str] = []


def _spend_like_a_check(password: str) -> None:
    """Hash anyway when the account is unknown, so timing does not reveal which e-mails exist."""
    if not _dummy_hash:
        _dummy_hash.append(generate_password_hash(secrets.token_urlsafe(16)))
    check_password_hash(_dummy_hash[0], password)


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active user with this e-mail and password, or None."""
    from sqlalchemy import func, select

    email = email.strip().lower()[:254]
    user = db_session().scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
    if user is None or not user.password_hash:
        _spend_like_a_check(password)
        return None
    if not check_password(user, password) or not user.active:
        return None
    return user


def session_policy() -> SessionPolicy:
    """Idle timeout and absolute lifetime from the settings."""
    config = settings()
    return SessionPolicy(
        idle=timedelta(hours=config.session_idle_hours),
        lifetime=timedelta(days=config.session_max_days),
    )


def sign_in(user: StaffUser) -> None:
    """A fresh session (no fixation): a new server-side session and a new CSRF token; the caller
    commits."""
    session.clear()
    session[SESSION_TOKEN] = start_session(db_session(), user, now=now())
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def sign_out() -> None:
    """End the session on the server too: a copy of the cookie signs nobody in afterwards."""
    token = session.get(SESSION_TOKEN)
    if isinstance(token, str):
        end_session(db_session(), token, now=now())
        db_session().commit()
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def current_user() -> StaffUser | None:
    """The signed-in, still active user of this request's live session."""
    if "staff_user" not in g:
        token = session.get(SESSION_TOKEN)
        user = None
        if isinstance(token, str):
            database = db_session()
            user = session_user(database, token, now=now(), policy=session_policy())
            if database.dirty:  # last seen moved on, or the session just ended
                database.commit()
            if user is None:
                session.pop(SESSION_TOKEN, None)
        g.staff_user = user
    user_or_none: StaffUser | None = g.staff_user
    return user_or_none


def signed_in_user() -> StaffUser:
    user = current_user()
    if user is None:  # pragma: no cover - login_required runs first
        abort(401)
    return user


def own_technician() -> Technician | None:
    """For a technician's login: their technician record (R6.5: they see only its jobs)."""
    if "own_technician" not in g:
        user = current_user()
        g.own_technician = (
            technician_for_user(db_session(), user)
            if user is not None and user.role == Role.TECHNICIAN
            else None
        )
    technician: Technician | None = g.own_technician
    return technician


def current_actor() -> Actor:
    """The same actor the API builds, from the web channel."""
    user = signed_in_user()
    technician = own_technician()
    return Actor(
        "user",
        id=user.id,
        role=user.role,
        channel="web",
        technician_id=technician.id if technician else None,
    )


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no `//` or backslash, and no control or
    invisible character — browsers drop tabs and line breaks, so `/<tab>/evil.example` would become
    `//evil.example` (finding 12); line breaks in a Location header are a 500 as well."""
    if not target or len(target) > 500 or not target.isprintable():
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def login_required(*roles: str) -> Callable[[F], F]:
    """The view needs a signed-in user, holding one of `roles` when any are named."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
            if allowed and user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
