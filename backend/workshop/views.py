"""/api/v1 routes of the workshop (R4.10, R7.6–R7.9), loaners (R5.4) and a unit's history by
serial number (R6.1); /workshop-receipt/<signed token> for the customer's goods receipt PDF."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.errors import Conflict, Forbidden, NotFound, ValidationError
from backend.money.links import unsign
from backend.people.models import Role
from backend.web import db_session, now, settings
from backend.web.auth import current_actor, require_roles
from backend.web.bodies import parse_body
from backend.workshop.documents import receipt_pdf
from backend.workshop.history import sees_unit_history, unit_history
from backend.workshop.links import RECEIPT_LINK_DAYS, RECEIPT_SALT
from backend.workshop.models import GoodsReceipt
from backend.workshop.present import (
    history_json,
    loaner_json,
    receipt_json,
    receipt_summary,
    register_json,
)
from backend.workshop.schemas import LoanerIn, LoanerReturnIn
from backend.workshop.service import (
    add_loaner,
    board,
    get_loaner,
    get_receipt,
    list_loaners,
    open_loan_of,
    register_rows,
    take_back,
)

blueprint = Blueprint("workshop", __name__)


def _today() -> date:
    return calendar_for(settings()).local_date(now())


def _day(name: str) -> date:
    raw = request.args.get(name)
    if raw is None:
        return _today()
    try:
        if len(raw) != 10:  # fromisoformat also reads 20261127 and week dates
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError as error:
        raise ValidationError(f"{name} must look like 2026-11-27", field=name) from error


@blueprint.get("/api/v1/workshop/board")
@require_roles(*roles_for("workshop"))
def workshop_board() -> ResponseReturnValue:
    """Items in the workshop, soonest promised return first; late ones marked (R4.12)."""
    tz, today = settings().tz, _today()
    return jsonify({"items": [receipt_summary(r, tz, today) for r in board(db_session())]})


@blueprint.get("/api/v1/workshop/register")
@require_roles(*roles_for("workshop"))
def goods_register() -> ResponseReturnValue:
    """The goods in/out register between two days (default today), oldest first (R4.10)."""
    first, last = _day("from"), _day("to")
    tz = settings().tz
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = (
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz) if last < date.max else start
    )
    rows = register_rows(db_session(), first=start, last=end) if first <= last else []
    return jsonify({"items": [register_json(row, tz) for row in rows]})


@blueprint.get("/api/v1/workshop/receipts/<number>")
@require_roles(*roles_for("workshop"))
def show_receipt(number: str) -> ResponseReturnValue:
    """A goods receipt with its repair card, inspections, signature and loaner (R7.7)."""
    session = db_session()
    return jsonify(receipt_json(session, get_receipt(session, number), settings().tz, _today()))


def _pdf(receipt: GoodsReceipt) -> Response:
    language = receipt.case.customer.language or "ko"
    response = Response(receipt_pdf(receipt, settings().tz, language), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{receipt.number}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/api/v1/workshop/receipts/<number>/pdf")
@require_roles(*roles_for("workshop"))
def receipt_document(number: str) -> ResponseReturnValue:
    return _pdf(get_receipt(db_session(), number))


@blueprint.get("/workshop-receipt/<token>")
def customer_receipt(token: str) -> ResponseReturnValue:
    """The customer's goods receipt behind a signed link (sent at take_to_workshop)."""
    number = unsign(settings(), RECEIPT_SALT, token[:300], max_age_days=RECEIPT_LINK_DAYS)
    if number is None:
        raise NotFound("this link is not valid or has expired", field="token")
    return _pdf(get_receipt(db_session(), number))


@blueprint.get("/api/v1/loaners")
@require_roles(*roles_for("workshop"))
def loaners() -> ResponseReturnValue:
    """Every loaner unit with its open loan (R5.4)."""
    session, tz = db_session(), settings().tz
    return jsonify(
        {"items": [loaner_json(session, loaner, tz) for loaner in list_loaners(session)]}
    )


@blueprint.post("/api/v1/loaners")
@require_roles(*roles_for("loaners"))
def create_loaner() -> ResponseReturnValue:
    """Register a loaner unit (409 when the serial number is registered already)."""
    body = parse_body(LoanerIn)
    session = db_session()
    loaner = add_loaner(
        session,
        serial_number=body.serial_number.strip(),
        model=body.model.strip(),
        note=body.note,
        now=now(),
    )
    session.commit()
    return jsonify(loaner_json(session, loaner, settings().tz)), 201


@blueprint.post("/api/v1/loaners/<serial_number>/return")
@require_roles(*roles_for("loaners"))
def return_loaner(serial_number: str) -> ResponseReturnValue:
    """A lent loaner comes back with its condition (R5.4); 409 when it is not lent."""
    body = parse_body(LoanerReturnIn)
    session = db_session()
    loaner = get_loaner(session, serial_number)
    loan = open_loan_of(session, loaner)
    if loan is None:
        raise Conflict(f"loaner {loaner.serial_number} is not lent", field="serial_number")
    take_back(session, loan, condition=body.condition, note=body.note, now=now())
    session.commit()
    return jsonify(loaner_json(session, loaner, settings().tz))


@blueprint.get("/api/v1/units/<serial_number>/history")
@require_roles()
def show_unit_history(serial_number: str) -> ResponseReturnValue:
    """R6.1: every case of the unit with this serial number, its parts, charges, technicians;
    a technician sees only the units of their own jobs (404 otherwise)."""
    session, actor = db_session(), current_actor()
    if actor.role not in roles_for("unit_history") and actor.role != Role.TECHNICIAN:
        raise Forbidden(f"the {actor.role} cannot read unit histories", field="serial_number")
    if not sees_unit_history(session, actor, serial_number):
        raise NotFound(f"no unit history for {serial_number!r}", field="serial_number")
    entries = history_json(unit_history(session, serial_number), settings().tz)
    return jsonify({"serial_number": serial_number[:64], "cases": entries})
