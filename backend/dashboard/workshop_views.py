"""The workshop pages (R4.10, R4.12, R5.4, R7.6–R7.7): the board with promised return dates, the
goods in/out register, loaners; a unit's history by serial number (R6.1), linked from the case."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.dashboard import auth
from backend.dashboard.i18n import gettext
from backend.errors import DomainError
from backend.web import db_session, now, settings
from backend.workshop.history import sees_unit_history, unit_history
from backend.workshop.present import is_late
from backend.workshop.service import (
    add_loaner,
    board,
    get_loaner,
    list_loaners,
    open_loan_of,
    register_rows,
    take_back,
)


def _day(name: str, default: date) -> date:
    raw = (request.args.get(name) or "").strip()
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else default
    except ValueError:
        return default


@auth.login_required(*roles_for("workshop"))
def workshop() -> ResponseReturnValue:
    """The board (soonest promised return first, late ones red), the register, the loaners."""
    session, tz = db_session(), settings().tz
    today = calendar_for(settings()).local_date(now())
    first, last = _day("from", today), _day("to", today)
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    loaners = list_loaners(session)
    return render_template(
        "dashboard/workshop.html",
        receipts=[(receipt, is_late(receipt, today)) for receipt in board(session)],
        register=register_rows(session, first=start, last=end) if first <= last else [],
        first=first,
        last=last,
        loaners=[(loaner, open_loan_of(session, loaner)) for loaner in loaners],
        may_manage_loaners=auth.signed_in_user().role in roles_for("loaners"),
    )


@auth.login_required(*roles_for("loaners"))
def workshop_add_loaner() -> ResponseReturnValue:
    """Register a loaner unit from the form (R5.4)."""
    session = db_session()
    serial = (request.form.get("serial_number") or "").strip()[:64]
    model = (request.form.get("model") or "").strip()[:64]
    if not serial or not model:
        flash(gettext("Not recorded: {reason}", reason=gettext("serial number and model")), "error")
        return redirect(url_for("dashboard.workshop"))
    try:
        add_loaner(session, serial_number=serial, model=model, note=None, now=now())
    except DomainError as error:
        session.rollback()
        flash(gettext("Not recorded: {reason}", reason=error.message), "error")
        return redirect(url_for("dashboard.workshop"))
    session.commit()
    flash(gettext("Loaner registered."), "success")
    return redirect(url_for("dashboard.workshop"))


@auth.login_required(*roles_for("loaners"))
def workshop_return_loaner(serial_number: str) -> ResponseReturnValue:
    """A lent loaner comes back with its condition (R5.4)."""
    session = db_session()
    try:
        loaner = get_loaner(session, serial_number)
        loan = open_loan_of(session, loaner)
        if loan is None:
            abort(409)
        take_back(session, loan, condition=request.form.get("condition"), note=None, now=now())
    except DomainError as error:
        session.rollback()
        flash(gettext("Not recorded: {reason}", reason=error.message), "error")
        return redirect(url_for("dashboard.workshop"))
    session.commit()
    flash(gettext("Loaner returned."), "success")
    return redirect(url_for("dashboard.workshop"))


@auth.login_required()
def unit_history_page(serial_number: str) -> ResponseReturnValue:
    """R6.1: every case of the unit; a technician only for a unit of their own job (R6.5)."""
    session = db_session()
    if not sees_unit_history(session, auth.current_actor(), serial_number):
        abort(404)
    return render_template(
        "dashboard/unit_history.html",
        serial_number=serial_number[:64],
        entries=unit_history(session, serial_number),
    )


def add_routes(blueprint: Blueprint) -> None:
    """The workshop page, its loaner forms and the unit history, on the dashboard's blueprint."""
    blueprint.add_url_rule("/workshop", view_func=workshop, methods=["GET"])
    blueprint.add_url_rule("/workshop/loaners", view_func=workshop_add_loaner, methods=["POST"])
    blueprint.add_url_rule(
        "/workshop/loaners/<serial_number>/return",
        view_func=workshop_return_loaner,
        methods=["POST"],
    )
    blueprint.add_url_rule("/units/<serial_number>", view_func=unit_history_page, methods=["GET"])
