"""Bearer tokens and roles on every API route (the /api/v1 blueprints of every domain)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from backend.actors import Actor
from backend.errors import DomainError, Forbidden
from backend.people.models import Role, StaffUser
from backend.people.service import technician_for_user, user_for_token
from backend.web import db_session, now

F = TypeVar("F", bound=Callable[..., Any])

ALL_STAFF = frozenset(Role)
MANAGERS = frozenset({Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.VICE_PRESIDENT, Role.ADMIN})


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def current_user() -> StaffUser:
    user: StaffUser = g.user
    return user


def current_actor() -> Actor:
    """The request's user as an actor; built once a request (a list asks it for every row)."""
    actor: Actor | None = g.get("api_actor")
    if actor is None:
        user = current_user()
        technician = (
            technician_for_user(db_session(), user) if user.role == Role.TECHNICIAN else None
        )
        actor = g.api_actor = Actor(
            "user",
            id=user.id,
            role=user.role,
            channel="web",
            technician_id=technician.id if technician else None,
        )
    return actor


def require_roles(*roles: str) -> Callable[[F], F]:
    """The route needs a valid bearer token of a user holding one of `roles` (all staff if none)."""
    allowed = frozenset(roles) if roles else ALL_STAFF

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized(
                    "an 'Authorization: Bearer <token>' header is required", field="Authorization"
                )
            session = db_session()
            user = user_for_token(session, token.strip(), now=now())
            if user is None:
                raise Unauthorized(
                    "the token is not valid (unknown, revoked or expired)", field="Authorization"
                )
            if session.dirty:
                session.commit()  # last_used_at, kept even when the view only reads
            if user.role not in allowed:
                raise Forbidden(f"the {user.role} role cannot use this route")
            g.user = user
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
