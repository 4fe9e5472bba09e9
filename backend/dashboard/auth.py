"""Staff sign-in for the dashboard: session cookie, CSRF token, roles, login throttling."""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from backend.actors import Actor
from backend.cases.permissions import roles_for
from backend.people.models import Role, StaffUser, Technician
from backend.people.service import check_password, technician_for_user
from backend.web import db_session

F = TypeVar("F", bound=Callable[..., Any])

# Page-level gates, read from the permission matrix (backend/cases/permissions.py).
MANAGERS = roles_for("reports")
INTAKE_ROLES = roles_for("intake")
CSRF_FIELD = "csrf_token"


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


class LoginThrottle:
    """Failed sign-ins per e-mail and per address in a sliding window (one per process)."""

    def __init__(
        self,
        *,
        per_account: int = 5,
        per_address: int = 20,
        window: timedelta = timedelta(minutes=15),
    ) -> None:
        self.limits = {"account": per_account, "address": per_address}
        self.window = window
        self._failures: dict[tuple[str, str], deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, email: str, address: str, now: datetime) -> bool:
        with self._lock:
            return (
                len(self._recent(("account", email), now)) >= self.limits["account"]
                or len(self._recent(("address", address), now)) >= self.limits["address"]
            )

    def failed(self, email: str, address: str, now: datetime) -> None:
        with self._lock:
            self._recent(("account", email), now).append(now)
            self._recent(("address", address), now).append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(("account", email), None)


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


def sign_in(user: StaffUser) -> None:
    """A fresh session (no fixation): the user id and a new CSRF token."""
    session.clear()
    session["user_id"] = user.id
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def sign_out() -> None:
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def current_user() -> StaffUser | None:
    """The signed-in, still active user of this request."""
    if "staff_user" not in g:
        user_id = session.get("user_id")
        user = db_session().get(StaffUser, user_id) if isinstance(user_id, int) else None
        g.staff_user = user if user is not None and user.active else None
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
    """Only a path on this site (never //host or a scheme): no open redirect after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target[:500]


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
