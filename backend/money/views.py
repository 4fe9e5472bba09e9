"""/api/v1 routes for money: the fee schedule (R4.11; admins publish), receipts and invoices
for accounting (R7.5) with their PDFs and the daily CSV; /invoice/<signed token> for customers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import Field, StrictInt

from backend.bounds import DEFAULT_MAX_AMOUNT
from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.catalog.fees import current_schedule, list_versions, publish_schedule
from backend.catalog.service import product_lines
from backend.errors import NotFound, ValidationError
from backend.money.links import INVOICE_LINK_DAYS, INVOICE_SALT, unsign
from backend.money.models import Payment
from backend.money.pdf import invoice_pdf
from backend.money.service import daily_csv, get_payment, payments_between
from backend.web import db_session, now, settings
from backend.web.auth import current_user, require_roles
from backend.web.bodies import Body, parse_body

blueprint = Blueprint("money", __name__)

# The server holds amounts to AFTERSALES_MAX_AMOUNT; the document states its default.
Amount = Annotated[StrictInt, Field(ge=0, json_schema_extra={"maximum": DEFAULT_MAX_AMOUNT})]


class FeeScheduleBody(Body):
    """A new version of the fee schedule (amounts in KRW)."""

    labour_per_hour: Annotated[dict[str, Amount], Field(max_length=100)] = {}
    default_labour_per_hour: Amount
    call_out: Annotated[
        dict[str, Amount],
        Field(
            description="the call-out fee of every zone (city, suburb)",
            json_schema_extra={"required": ["city", "suburb"]},
        ),
    ]
    transport: Amount = 0


def _day(name: str = "date") -> date:
    raw = request.args.get(name)
    if raw is None:
        return calendar_for(settings()).local_date(now())
    try:
        if len(raw) != 10:  # fromisoformat also reads 20261127 and week dates
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError as error:
        raise ValidationError(f"{name} must look like 2026-11-27", field=name) from error


def _schedule() -> Any:
    config = settings()
    return current_schedule(
        db_session(), labour_rate=config.labour_rate_per_hour, call_out_fee=config.call_out_fee
    )


@blueprint.get("/api/v1/fee-schedule")
@require_roles()
def show_fee_schedule() -> ResponseReturnValue:
    """The schedule in force and the earlier versions (a quote names the one it used)."""
    versions = [s.as_json() for s in list_versions(db_session())]
    return jsonify({**_schedule().as_json(), "versions": versions})


@blueprint.put("/api/v1/fee-schedule")
@require_roles(*roles_for("fee_schedule"))
def publish_fee_schedule() -> ResponseReturnValue:
    """Publish the next version; earlier quotes keep theirs."""
    body = parse_body(FeeScheduleBody)
    session = db_session()
    schedule = publish_schedule(
        session,
        labour_per_hour=body.labour_per_hour,
        default_labour_per_hour=body.default_labour_per_hour,
        call_out=body.call_out,
        transport=body.transport,
        product_lines=product_lines(session),
        published_by=f"user:{current_user().id}",
        maximum=settings().max_amount,
        now=now(),
    )
    session.commit()
    return jsonify(schedule.as_json()), 201


def invoice_json(payment: Payment) -> dict[str, Any]:
    tz = settings().tz
    return {
        "invoice_number": payment.invoice_number,
        "case_number": payment.case.number,
        "method": payment.method,
        "amount": payment.amount,
        "issued_at": payment.issued_at.astimezone(tz).isoformat(),
        "paid_at": payment.paid_at.astimezone(tz).isoformat() if payment.paid_at else None,
        "customer": payment.case.customer.name,
        "pdf": f"/api/v1/invoices/{payment.invoice_number}/pdf",
    }


@blueprint.get("/api/v1/invoices")
@require_roles(*roles_for("accounting"))
def list_invoices() -> ResponseReturnValue:
    """Receipts and invoices issued on `date` (default today), for accounting (R7.5)."""
    day = _day()
    items = [invoice_json(p) for p in payments_between(db_session(), day, day)]
    return jsonify(
        {"date": day.isoformat(), "items": items, "total": sum(i["amount"] for i in items)}
    )


def _pdf_response(payment: Payment) -> Response:
    data = invoice_pdf(payment, settings().tz, payment.case.customer.language or "ko")
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{payment.invoice_number}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/api/v1/invoices/<invoice_number>/pdf")
@require_roles(*roles_for("accounting"))
def invoice_document(invoice_number: str) -> ResponseReturnValue:
    return _pdf_response(get_payment(db_session(), invoice_number))


@blueprint.get("/api/v1/accounting/daily.csv")
@require_roles(*roles_for("accounting"))
def accounting_csv() -> ResponseReturnValue:
    """The day's receipts and invoices as CSV for accounting (R7.5)."""
    day = _day()
    response = Response(daily_csv(db_session(), day, settings().tz), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="payments-{day}.csv"'
    return response


@blueprint.get("/invoice/<token>")
def customer_invoice(token: str) -> ResponseReturnValue:
    """The customer's receipt or invoice behind a signed link (sent by SMS or Telegram)."""
    number = unsign(settings(), INVOICE_SALT, token[:300], max_age_days=INVOICE_LINK_DAYS)
    if number is None:
        raise NotFound("this link is not valid or has expired", field="token")
    return _pdf_response(get_payment(db_session(), number))
