"""/api/v1/stock: quantities on hand, movements and reorder points (R5.1–R5.3)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from backend.cases.permissions import roles_for, sees_stock_location
from backend.errors import Forbidden, ValidationError
from backend.people.models import Role
from backend.stock.flows import record_move
from backend.stock.models import StockMove
from backend.stock.reorder import ReorderLine, reorder_lines, set_reorder_point
from backend.stock.schemas import ReorderPointIn, StockMoveIn
from backend.stock.service import (
    SUPPLIER,
    MoveRequest,
    check_location,
    holdings,
    recent_moves,
)
from backend.web import db_session, now, settings
from backend.web.auth import current_actor, require_roles
from backend.web.bodies import parse_body

blueprint = Blueprint("stock", __name__, url_prefix="/api/v1")

STOCK_READERS = (*sorted(roles_for("stock")), Role.TECHNICIAN)


def _location_asked() -> str | None:
    location = request.args.get("location") or None
    return None if location is None else check_location(db_session(), location, field="location")


@blueprint.get("/stock")
@require_roles(*STOCK_READERS)
def list_stock() -> ResponseReturnValue:
    """Quantities on hand; a technician sees only their own van."""
    actor = current_actor()
    location = _location_asked()
    if location is None and actor.role == Role.TECHNICIAN:
        location = f"van:{actor.technician_id}" if actor.technician_id else None
        if location is None:
            raise Forbidden("this login is not linked to a technician's van", field="location")
    if location is not None and not sees_stock_location(actor, location):
        raise Forbidden(f"the {actor.role} cannot see {location}", field="location")
    items = [
        {"part_code": h.part_code, "location": h.location, "quantity": h.quantity}
        for h in holdings(db_session(), location=location)
    ]
    return jsonify({"items": items})


def move_json(move: StockMove) -> dict[str, Any]:
    return {
        "id": move.id,
        "part_code": move.part_code,
        "from": move.from_location,
        "to": move.to_location,
        "quantity": move.quantity,
        "kind": move.kind,
        "reason": move.reason,
        "actor": move.actor,
        "at": move.at.astimezone(settings().tz).isoformat(),
    }


@blueprint.post("/stock/moves")
@require_roles(*roles_for("stock_moves"))
def create_move() -> ResponseReturnValue:
    """One movement into the ledger: 201, 409 when the source has too few."""
    body = parse_body(StockMoveIn)
    session = db_session()
    source = None if body.from_ in (None, SUPPLIER) else body.from_
    for name, value in (("from", source), ("to", body.to)):
        if value is not None:
            check_location(session, value, field=name)
    move = record_move(
        session,
        MoveRequest(body.part_code, source, body.to, body.quantity, body.reason, body.kind),
        actor=current_actor().label,
        now=now(),
    )
    session.commit()
    return jsonify(move_json(move)), 201


@blueprint.get("/stock/moves")
@require_roles(*roles_for("stock"))
def list_moves() -> ResponseReturnValue:
    """The newest ledger rows (at most 200)."""
    raw = request.args.get("limit") or "50"
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 3 or not 1 <= int(raw) <= 200:
        raise ValidationError("limit must be a whole number 1–200", field="limit")
    moves = recent_moves(db_session(), limit=int(raw))
    return jsonify({"items": [move_json(move) for move in moves]})


def reorder_json(line: ReorderLine) -> dict[str, Any]:
    return {
        "part_code": line.part_code,
        "location": line.location,
        "reorder_point": line.reorder_point,
        "reorder_quantity": line.reorder_quantity,
        "on_hand": line.on_hand,
        "abc_class": line.abc_class,
        "order_quantity": line.order_quantity,
        "due": line.due,
    }


@blueprint.get("/stock/reorder-points")
@require_roles(*roles_for("reorder_points"))
def list_reorder_points() -> ResponseReturnValue:
    """Every reorder point with what is on hand; those due first."""
    return jsonify({"items": [reorder_json(line) for line in reorder_lines(db_session())]})


@blueprint.put("/stock/reorder-points")
@require_roles(*roles_for("reorder_points"))
def put_reorder_point() -> ResponseReturnValue:
    """Set a part's reorder point at a location (a point already reached opens its task)."""
    body = parse_body(ReorderPointIn)
    session = db_session()
    set_reorder_point(
        session,
        part_code=body.part_code,
        location=body.location,
        reorder_point=body.reorder_point,
        reorder_quantity=body.reorder_quantity,
        now=now(),
    )
    session.commit()
    line = next(
        x
        for x in reorder_lines(session)
        if (x.part_code, x.location) == (body.part_code, body.location)
    )
    return jsonify(reorder_json(line))
