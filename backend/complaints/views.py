"""GET /api/v1/complaints/board: open complaints by department and age (R8.6: chased)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from backend.complaints.board import complaints_board
from backend.web import db_session, now, settings
from backend.web.auth import current_actor, require_roles

blueprint = Blueprint("complaints", __name__, url_prefix="/api/v1")


@blueprint.get("/complaints/board")
@require_roles()
def board() -> ResponseReturnValue:
    tz = settings().tz
    rows = complaints_board(db_session(), current_actor(), now=now())
    return jsonify(
        {
            "departments": [
                {"department": department, "complaints": [row.as_json(tz) for row in items]}
                for department, items in rows.items()
            ]
        }
    )
