"""/api/v1/users/{id}: an admin's hold on staff accounts, the API twin of `aftersales token …`
and `aftersales user deactivate` (finding 16)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from backend.api import schemas
from backend.cases.permissions import roles_for
from backend.complaints.routing import DepartmentCode
from backend.errors import NotFound
from backend.people import service as people
from backend.people.models import ApiToken, StaffUser
from backend.web import db_session, now, settings
from backend.web.auth import require_roles
from backend.web.bodies import parse_body

blueprint = Blueprint("users", __name__, url_prefix="/api/v1")
USER_ID = "/users/<int(max=2147483647):user_id>"


def _moment(value: Any) -> str | None:
    return value.astimezone(settings().tz).isoformat() if value is not None else None


def token_json(row: ApiToken) -> dict[str, Any]:
    """A token as listed: never the token itself (only its hash is kept)."""
    return {
        "id": row.id,
        "prefix": row.prefix,
        "created_at": _moment(row.created_at),
        "expires_at": _moment(row.expires_at),
        "last_used_at": _moment(row.last_used_at),
        "revoked_at": _moment(row.revoked_at),
    }


def user_json(user: StaffUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "department": user.department,
        "active": user.active,
    }


DEPARTMENTS = frozenset(DepartmentCode)


@blueprint.get("/users")
@require_roles(*roles_for("accounts"))
def list_users() -> ResponseReturnValue:
    return jsonify({"items": [user_json(u) for u in people.list_users(db_session())]})


@blueprint.post("/users")
@require_roles(*roles_for("accounts"))
def create_user() -> ResponseReturnValue:
    """A staff account with a role and department; without a password it is API-only."""
    body = parse_body(schemas.UserCreate)
    session = db_session()
    user = people.create_user(
        session, email=body.email, role=body.role, password=body.password, name=body.name or ""
    )
    people.update_user(session, user, departments=DEPARTMENTS, department=body.department)
    session.commit()
    return jsonify(user_json(user)), 201


@blueprint.get(USER_ID)
@require_roles(*roles_for("accounts"))
def show_user(user_id: int) -> ResponseReturnValue:
    return jsonify(user_json(people.get_user(db_session(), user_id)))


@blueprint.patch(USER_ID)
@require_roles(*roles_for("accounts"))
def update_user(user_id: int) -> ResponseReturnValue:
    """Role, department (empty: none) or name."""
    body = parse_body(schemas.UserUpdate)
    session = db_session()
    user = people.update_user(
        session,
        people.get_user(session, user_id),
        departments=DEPARTMENTS,
        role=body.role,
        department=body.department,
        name=body.name,
    )
    session.commit()
    return jsonify(user_json(user))


@blueprint.post(f"{USER_ID}/password")
@require_roles(*roles_for("accounts"))
def reset_password(user_id: int) -> ResponseReturnValue:
    """A new password (generated unless given), shown once; the account's sessions end."""
    body = parse_body(schemas.PasswordReset, optional=True)
    session = db_session()
    user = people.get_user(session, user_id)
    password = people.reset_password(session, user, now=now(), password=body.password)
    session.commit()
    return jsonify({**user_json(user), "password": password})


@blueprint.get(f"{USER_ID}/tokens")
@require_roles(*roles_for("accounts"))
def list_user_tokens(user_id: int) -> ResponseReturnValue:
    user = people.get_user(db_session(), user_id)
    return jsonify({"items": [token_json(t) for t in people.list_tokens(db_session(), user)]})


@blueprint.post(f"{USER_ID}/tokens")
@require_roles(*roles_for("accounts"))
def create_user_token(user_id: int) -> ResponseReturnValue:
    body = parse_body(schemas.TokenCreate, optional=True)
    session = db_session()
    user = people.get_user(session, user_id)
    expires_at = people.token_expiry(now(), body.expires_in_days)
    token, row = people.issue_token(session, user, expires_at=expires_at)
    session.commit()
    return jsonify({**token_json(row), "token": token}), 201


@blueprint.delete(f"{USER_ID}/tokens")
@require_roles(*roles_for("accounts"))
def revoke_user_tokens(user_id: int) -> ResponseReturnValue:
    session = db_session()
    revoked = people.revoke_tokens(session, people.get_user(session, user_id), now=now())
    session.commit()
    return jsonify({"revoked": revoked})


@blueprint.delete(f"{USER_ID}/tokens/<int(max=2147483647):token_id>")
@require_roles(*roles_for("accounts"))
def revoke_user_token(user_id: int, token_id: int) -> ResponseReturnValue:
    session = db_session()
    user = people.get_user(session, user_id)
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"user {user_id} has no token {token_id}", field="token_id")
    people.revoke_token(row, now=now())
    session.commit()
    return jsonify(token_json(row))


@blueprint.post(f"{USER_ID}/deactivate")
@require_roles(*roles_for("accounts"))
def deactivate(user_id: int) -> ResponseReturnValue:
    session = db_session()
    user = people.get_user(session, user_id)
    revoked = people.deactivate_user(session, user, now())
    session.commit()
    return jsonify({**user_json(user), "tokens_revoked": revoked})


@blueprint.post(f"{USER_ID}/reactivate")
@require_roles(*roles_for("accounts"))
def reactivate(user_id: int) -> ResponseReturnValue:
    session = db_session()
    user = people.get_user(session, user_id)
    people.reactivate_user(session, user)
    session.commit()
    return jsonify(user_json(user))
