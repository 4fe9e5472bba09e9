"""Workshop custody, step by step (R4.8, R4.10, R5.4, R7.6–R7.8): called by the case steps in
backend.casework.actions (`take_to_workshop`, `finish_repair`, `inspect`, `fail_inspection`,
`return_item`, `sign_off`), which then move the case through its machine."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.calendar import calendar_for
from backend.cases.models import Case
from backend.catalog.fees import current_schedule
from backend.errors import Conflict, NotFound, ValidationError
from backend.i18n import translate
from backend.outbox.service import message_customer
from backend.people.models import Role
from backend.settings import Settings
from backend.tasks.service import open_task
from backend.workshop.links import receipt_url
from backend.workshop.models import Direction, GoodsReceipt, Inspection, RepairWork
from backend.workshop.service import (
    get_loaner,
    inspections,
    last_inspection,
    lend,
    next_receipt_number,
    open_loan_of_case,
    receipt_of,
    register,
    take_back,
)

logger = logging.getLogger(__name__)

MAX_PROMISE_DAYS = 365


def promised_date(body: dict[str, Any], *, settings: Settings, today: date) -> date:
    """The promised return date given (ISO date, today … a year on), else the configured number
    of business days from today (R4.12)."""
    raw = body.get("promised_return_on")
    if raw is None:
        day = today
        for _ in range(settings.workshop_return_days):
            day = calendar_for(settings).next_business_day(day)
        return day
    try:
        if not isinstance(raw, str) or len(raw) != 10:
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError as error:
        raise ValidationError(
            "promised_return_on must look like 2026-12-07", field="promised_return_on"
        ) from error
    if not today <= day <= today + timedelta(days=MAX_PROMISE_DAYS):
        raise ValidationError(
            "promised_return_on must be from today to a year ahead", field="promised_return_on"
        )
    return day


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be true or false", field=name)
    return value


def take_in(
    session: Session,
    case: Case,
    *,
    body: dict[str, Any],
    actor: Actor,
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """R4.10, R7.6: the numbered goods receipt (to the customer as a message with its PDF), the
    goods-in row; a loaner lent when asked (R5.4); the transport a warehouse task (R4.8)."""
    today = calendar_for(settings).local_date(now)
    promised = promised_date(body, settings=settings, today=today)
    transport = _flag(body, "transport")
    serial = body.get("loaner_serial")
    schedule = current_schedule(
        session, labour_rate=settings.labour_rate_per_hour, call_out_fee=settings.call_out_fee
    )
    receipt = GoodsReceipt(
        number=next_receipt_number(session, today.year),
        case_id=case.id,
        issued_at=now,
        issued_by=actor.label,
        promised_return_on=promised,
        transport=transport,
        transport_fee=schedule.transport_fee if transport else 0,
    )
    session.add(receipt)
    session.flush()
    register(session, receipt, Direction.IN, actor=actor.label, now=now)
    data: dict[str, Any] = {
        "receipt_number": receipt.number,
        "promised_return_on": promised.isoformat(),
        "transport": transport,
    }
    if serial is not None:
        data["loaner_serial"] = _lend_loaner(session, case, serial, promised, settings, now)
    if transport:
        _transport_task(session, case, receipt, Direction.IN)
    _send_receipt(session, case, receipt, settings=settings, now=now)
    return data


def _lend_loaner(
    session: Session, case: Case, serial: Any, promised: date, settings: Settings, now: datetime
) -> str:
    if not isinstance(serial, str) or not serial.strip():
        raise ValidationError("loaner_serial names a loaner unit", field="loaner_serial")
    try:
        loaner = get_loaner(session, serial.strip(), field="loaner_serial")
    except NotFound as error:
        raise ValidationError(f"no loaner {serial!r}", field="loaner_serial") from error
    due = promised + timedelta(days=settings.loaner_grace_days)
    lend(session, loaner, case, due_on=due, now=now)
    return loaner.serial_number


def _transport_task(
    session: Session, case: Case, receipt: GoodsReceipt, direction: Direction
) -> None:
    """R4.8: the company carries the goods; warehouse & transport get the trip as a task."""
    where = "to the workshop" if direction is Direction.IN else "back to the customer"
    open_task(
        session,
        kind="transport",
        role=Role.WAREHOUSE_CLERK,
        title=f"Transport {case.number} {where} (receipt {receipt.number})",
        case=case,
        detail=case.address,
        data={"receipt_number": receipt.number, "direction": direction.value},
        dedupe_key=f"transport:{direction.value}:{receipt.number}",
    )


def _send_receipt(
    session: Session, case: Case, receipt: GoodsReceipt, *, settings: Settings, now: datetime
) -> None:
    language = case.customer.language
    message_customer(
        session,
        case.customer,
        translate(
            language,
            "Your item for {number} is in our workshop. Goods receipt {receipt}; we promise it "
            "back by {day}. Show this receipt number when it comes back. The receipt: {url}",
            number=case.number,
            receipt=receipt.number,
            day=receipt.promised_return_on.isoformat(),
            url=receipt_url(settings, receipt.number),
        ),
        case=case,
        purpose="goods_receipt",
        dedupe_key=f"goods-receipt:{receipt.number}",
        now=now,
    )


def is_rework(session: Session, case: Case) -> bool:
    """Work after a failed inspection: the workshop's own fault, not charged again (R7.7)."""
    return any(not inspection.passed for inspection in inspections(session, case))


def record_repair(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    hours: float,
    parts: Sequence[tuple[str, int]],
    now: datetime,
) -> RepairWork:
    """R7.7: an entry of the repair card: who worked, the actual hours, the parts replaced."""
    work = RepairWork(
        case_id=case.id,
        worked_by=actor.label,
        technician_id=actor.technician_id,
        hours=hours,
        parts=[{"code": code, "quantity": quantity} for code, quantity in parts],
        rework=is_rework(session, case),
        at=now,
    )
    session.add(work)
    return work


def inspect(
    session: Session, case: Case, *, passed: bool, reason: str | None, actor: Actor, now: datetime
) -> dict[str, Any]:
    """R7.7: the supervisor's inspection; a failed one names the reason (back to repair)."""
    if not passed and not (reason or "").strip():
        raise ValidationError("a failed inspection needs the reason", field="reason")
    session.add(
        Inspection(
            case_id=case.id,
            passed=passed,
            reason=(reason or "").strip()[:500] or None,
            inspected_by=actor.label,
            at=now,
        )
    )
    return {"passed": passed}


def hand_back(
    session: Session,
    case: Case,
    *,
    body: dict[str, Any],
    actor: Actor,
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """R4.10, R7.7: only after a passed inspection (409); the receipt taken back, its number
    confirmed (422 naming `receipt_number`); the goods-out row; the loaner back (R5.4)."""
    receipt = receipt_of(session, case)
    inspection = last_inspection(session, case)
    # The machine returns only INSPECTED items; an item taken in before receipts and
    # inspections were recorded has neither, and nothing to confirm.
    if receipt is None and inspection is None:
        return {}
    if inspection is None or not inspection.passed:
        raise Conflict(f"{case.number} has no passed inspection: inspect it first", field="inspect")
    if receipt is None:
        return {}
    given = str(body.get("receipt_number") or "").strip().upper()
    if given != receipt.number:
        raise ValidationError(
            "receipt_number must be the number on the customer's goods receipt",
            field="receipt_number",
        )
    receipt.returned_at = now
    receipt.returned_by = actor.label
    register(session, receipt, Direction.OUT, actor=actor.label, now=now)
    if receipt.transport:
        _transport_task(session, case, receipt, Direction.OUT)
    data: dict[str, Any] = {"receipt_number": receipt.number, "receipt_confirmed": True}
    loan = open_loan_of_case(session, case)
    if loan is not None:
        condition = body.get("loaner_condition")
        if condition is None:  # the customer keeps it a little longer: chased when overdue
            today = calendar_for(settings).local_date(now)
            loan.due_on = min(loan.due_on, today + timedelta(days=settings.loaner_grace_days))
            data["loaner_out"] = loan.loaner.serial_number
        else:
            take_back(session, loan, condition=condition, note=body.get("note"), now=now)
            data["loaner_returned"] = {"serial": loan.loaner.serial_number, "condition": condition}
    return data


def record_signature(
    session: Session, case: Case, *, signed_by: str, via: str, now: datetime
) -> None:
    """R4.10, R7.7: the customer's signature on the certificate of a workshop job."""
    receipt = receipt_of(session, case)
    if receipt is None:
        return
    receipt.signed_by = signed_by[:200]
    receipt.signed_via = via[:16]
    receipt.signed_at = now


def transport_charge(session: Session, case: Case) -> int:
    """R4.8: the transport fee of the case's workshop job at the schedule it was taken in with."""
    receipt = receipt_of(session, case)
    return receipt.transport_fee if receipt is not None and receipt.transport else 0
