"""The warehouse page (R5.1–R5.3): stock per location, the reorder list, recent moves, and
forms to record a move and set a reorder point, each offered only to the roles the matrix lets."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from backend.actors import Actor
from backend.cases.permissions import roles_for, sees_stock_location
from backend.catalog.models import Part
from backend.dashboard import auth, forms
from backend.dashboard.i18n import gettext
from backend.errors import DomainError
from backend.people.models import Role
from backend.people.service import technician_for_user
from backend.stock.flows import record_move
from backend.stock.reorder import reorder_lines, set_reorder_point
from backend.stock.service import (
    SUPPLIER,
    MoveKind,
    MoveRequest,
    check_location,
    holdings,
    recent_moves,
)
from backend.web import db_session, now

READERS = (*sorted(roles_for("stock")), Role.TECHNICIAN)
KIND_NAMES = {
    MoveKind.RECEIPT: "Purchase receipt",
    MoveKind.TRANSFER: "Transfer",
    MoveKind.USED: "Used on a job",
    MoveKind.RETURNED: "Returned",
    MoveKind.WRITE_OFF: "Written off",
    MoveKind.CORRECTION: "Stock-take correction",
}


def _actor() -> Actor:
    user = auth.signed_in_user()
    technician = technician_for_user(db_session(), user) if user.role == Role.TECHNICIAN else None
    return Actor(
        "user", id=user.id, role=user.role, technician_id=technician.id if technician else None
    )


def _location(actor: Actor) -> str | None:
    """The location asked for; a technician's own van when they ask for none."""
    asked = forms.query_text(request.args.get("location"), 20) or None
    if asked is None and actor.role == Role.TECHNICIAN:
        asked = f"van:{actor.technician_id}" if actor.technician_id else None
        if asked is None:
            abort(403)
    if asked is not None:
        try:
            check_location(db_session(), asked, field="location")
        except DomainError:
            asked = None
    if asked is not None and not sees_stock_location(actor, asked):
        abort(403)
    return asked


@auth.login_required(*READERS)
def stock() -> ResponseReturnValue:
    """Quantities on hand, the reorder list and the newest moves."""
    actor = _actor()
    location = _location(actor)
    session = db_session()
    managing = actor.role in roles_for("stock")
    return render_template(
        "dashboard/stock.html",
        location=location,
        holdings=holdings(session, location=location),
        reorder=reorder_lines(session) if actor.role in roles_for("reorder_points") else [],
        moves=recent_moves(session, limit=30) if managing else [],
        may_move=actor.role in roles_for("stock_moves"),
        may_set_points=actor.role in roles_for("reorder_points"),
        part_codes=sorted(set(session.scalars(select(Part.code)))),
        kinds=KIND_NAMES,
    )


def _move_request(data: MultiDict[str, str]) -> MoveRequest:
    form = forms.Form()
    source = form.text(data, "from", limit=20) or None
    destination = form.text(data, "to", limit=20) or None
    quantity = forms.query_number(data.get("quantity"), maximum=100_000) or 0
    kind = form.text(data, "kind", limit=16) or None
    return MoveRequest(
        part_code=form.text(data, "part_code", limit=64),
        source=None if source == SUPPLIER else source,
        destination=destination,
        quantity=quantity,
        reason=form.text(data, "reason", limit=500) or "-",
        kind=kind if kind in set(MoveKind) else None,
    )


@auth.login_required(*roles_for("stock_moves"))
def stock_move() -> ResponseReturnValue:
    """Record one move from the form; a refusal is shown, nothing is recorded."""
    session = db_session()
    move = _move_request(request.form)
    try:
        for name, value in (("from", move.source), ("to", move.destination)):
            if value is not None:
                check_location(session, value, field=name)
        record_move(session, move, actor=_actor().label, now=now())
    except DomainError as error:
        session.rollback()
        flash(gettext("Not recorded: {reason}", reason=error.message), "error")
        return redirect(url_for("dashboard.stock"))
    session.commit()
    flash(gettext("Move recorded."), "success")
    return redirect(url_for("dashboard.stock"))


@auth.login_required(*roles_for("reorder_points"))
def stock_reorder_point() -> ResponseReturnValue:
    """Set a reorder point from the form."""
    session = db_session()
    data = request.form
    try:
        set_reorder_point(
            session,
            part_code=(data.get("part_code") or "").strip()[:64],
            location=(data.get("location") or "").strip()[:20],
            reorder_point=forms.query_number(data.get("reorder_point"), maximum=100_000) or 0,
            reorder_quantity=forms.query_number(data.get("reorder_quantity"), maximum=100_000) or 0,
            now=now(),
        )
    except DomainError as error:
        session.rollback()
        flash(gettext("Not recorded: {reason}", reason=error.message), "error")
        return redirect(url_for("dashboard.stock"))
    session.commit()
    flash(gettext("Reorder point saved."), "success")
    return redirect(url_for("dashboard.stock"))


def add_routes(blueprint: Blueprint) -> None:
    """The warehouse page and its two forms, on the dashboard's blueprint."""
    blueprint.add_url_rule("/stock", view_func=stock, methods=["GET"])
    blueprint.add_url_rule("/stock/moves", view_func=stock_move, methods=["POST"])
    blueprint.add_url_rule("/stock/reorder-points", view_func=stock_reorder_point, methods=["POST"])
