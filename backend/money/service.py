"""Payments and their numbered receipts or invoices; the accounting list and daily export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from backend.cases.models import Case
from backend.db import next_in_year
from backend.errors import Conflict, NotFound, ValidationError
from backend.money.models import InvoiceSequence, Payment, PaymentMethod

INVOICE_PREFIX = "INV"


def next_invoice_number(session: Session, year: int) -> str:
    """`INV-2026-000042`: the year's sequence (unique under concurrency)."""
    return f"{INVOICE_PREFIX}-{year}-{next_in_year(session, InvoiceSequence, year):06d}"


def payment_of(session: Session, case: Case) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.case_id == case.id))


def record_payment(
    session: Session,
    case: Case,
    *,
    method: Any,
    amount: Any,
    recorded_by: str,
    now: datetime,
    today: date,
) -> Payment:
    """R7.5: the fee collected (cash, card) or to be invoiced, with its number; once per case."""
    if method not in set(PaymentMethod):
        raise ValidationError(f"method must be one of {', '.join(PaymentMethod)}", field="method")
    due = int((case.charges or {}).get("total") or 0)
    if due <= 0:
        raise Conflict(f"{case.number} has nothing to pay", field="payment")
    if case.payment is not None or payment_of(session, case) is not None:
        raise Conflict(f"{case.number} is already paid or invoiced", field="payment")
    if amount is not None and (
        not isinstance(amount, int) or isinstance(amount, bool) or amount != due
    ):
        raise ValidationError(f"amount must be the charges' total, {due}", field="amount")
    payment = Payment(
        case=case,
        invoice_number=next_invoice_number(session, today.year),
        method=method,
        amount=due,
        issued_at=now,
        issued_on=today,
        paid_at=None if method == PaymentMethod.INVOICE else now,
        recorded_by=recorded_by[:120],
    )
    session.add(payment)
    case.payment = payment_json_of(payment)
    return payment


def payment_json_of(payment: Payment) -> dict[str, Any]:
    """The case's `payment` (contract): times as stored (UTC), shown in the zone by the API."""
    return {
        "method": payment.method,
        "amount": payment.amount,
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
        "invoice_number": payment.invoice_number,
    }


def get_payment(session: Session, invoice_number: str) -> Payment:
    payment = session.scalar(
        select(Payment)
        .where(Payment.invoice_number == invoice_number[:24])
        .options(joinedload(Payment.case))
    )
    if payment is None:
        raise NotFound(f"no invoice {invoice_number!r}", field="invoice_number")
    return payment


def payments_between(session: Session, first: date, last: date) -> list[Payment]:
    """Receipts and invoices issued on business days first … last, oldest first."""
    return list(
        session.scalars(
            select(Payment)
            .where(Payment.issued_on >= first, Payment.issued_on <= last)
            .order_by(Payment.issued_at, Payment.id)
            .options(joinedload(Payment.case))
        )
    )


CSV_COLUMNS = (
    "invoice_number",
    "case_number",
    "issued_at",
    "method",
    "amount",
    "paid_at",
    "service_category",
    "customer",
)


def daily_csv(session: Session, day: date, tz: ZoneInfo) -> str:
    """The day's receipts and invoices for accounting (R7.5), one row each, UTF-8 with a BOM so
    spreadsheet programs read the Korean names."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for payment in payments_between(session, day, day):
        writer.writerow(
            (
                payment.invoice_number,
                payment.case.number,
                _local(payment.issued_at, tz),
                payment.method,
                payment.amount,
                _local(payment.paid_at, tz),
                payment.case.service_category or "",
                payment.case.customer.name,
            )
        )
    return "\ufeff" + out.getvalue()


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else ""
