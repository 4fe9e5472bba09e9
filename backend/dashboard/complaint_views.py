"""The complaints board: open complaints by department and age, late ones marked (R8.6)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from backend.complaints.board import complaints_board
from backend.dashboard import auth
from backend.people.models import Role
from backend.web import db_session, now

# Who reads complaints at all (the matrix's sights): the field and the warehouse do not.
BOARD_ROLES = tuple(role for role in Role if role not in (Role.TECHNICIAN, Role.WAREHOUSE_CLERK))


@auth.login_required(*BOARD_ROLES)
def board() -> ResponseReturnValue:
    rows = complaints_board(db_session(), auth.current_actor(), now=now())
    return render_template("dashboard/complaints_board.html", board=rows)


def add_routes(blueprint: Blueprint) -> None:
    """The complaints board, on the dashboard's blueprint."""
    blueprint.add_url_rule(
        "/complaints", endpoint="complaints_board", view_func=board, methods=["GET"]
    )
