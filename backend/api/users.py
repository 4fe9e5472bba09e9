"""/api/v1/users/{id}: an admin's hold on staff accounts, the API twin of `aftersales token …`
and `aftersales user deactivate` (finding 16)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from backend.api import schemas
from backend.errors import NotFound
from backend.people import service as people
from backend.people.models import ApiToken, Role, StaffUser
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
    return {"id": user.id, "email": user.email, "role": user.role, "active": user.active}


@blueprint.get(f"{USER_ID}/tokens")
@require_roles(Role.ADMIN)
def list_user_tokens(user_id: int) -> ResponseReturnValue:
    user = people.get_user(db_session(), user_id)
    return jsonify({"items": [token_json(t) for t in people.list_tokens(db_session(), user)]})


@blueprint.post(f"{USER_ID}/tokens")
@require_roles(Role.ADMIN)
def create_user_token(user_id: int) -> ResponseReturnValue:
    body = parse_body(schemas.TokenCreate, optional=True)
    session = db_session()
    user = people.get_user(session, user_id)
    expires_at = people.token_expiry(now(), body.expires_in_days)
    token, row = people.issue_token(session, user, expires_at=expires_at)
    session.commit()
    return jsonify({**token_json(row), "token": token}), 201


@blueprint.delete(f"{USER_ID}/tokens")
@require_roles(Role.ADMIN)
def revoke_user_tokens(user_id: int) -> ResponseReturnValue:
    session = db_session()
    revoked = people.revoke_tokens(session, people.get_user(session, user_id), now=now())
    session.commit()
    return jsonify({"revoked": revoked})


@blueprint.delete(f"{USER_ID}/tokens/<int(max=2147483647):token_id>")
@require_roles(Role.ADMIN)
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
@require_roles(Role.ADMIN)
def deactivate(user_id: int) -> ResponseReturnValue:
    session = db_session()
    user = people.get_user(session, user_id)
    revoked = people.deactivate_user(session, user, now())
    session.commit()
    return jsonify({**user_json(user), "tokens_revoked": revoked})


@blueprint.post(f"{USER_ID}/reactivate")
@require_roles(Role.ADMIN)
def reactivate(user_id: int) -> ResponseReturnValue:
    session = db_session()
    user = people.get_user(session, user_id)
    people.reactivate_user(session, user)
    session.commit()
    return jsonify(user_json(user))
