"""Time-driven workshop duties: a late promised return escalated once (R4.12, R7.9), an overdue
loaner chased once (R5.4). Functions of (database, now); `tick` runs them."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.cases.service import apply_transition
from backend.i18n import translate
from backend.outbox.service import message_customer
from backend.people.models import Role
from backend.settings import Settings
from backend.tasks.service import alert, open_task
from backend.workshop.service import late_receipts, overdue_loans

logger = logging.getLogger(__name__)


def late_returns(session: Session, settings: Settings, now: datetime) -> int:
    """R4.12, R7.9: an item still in the workshop after its promised return date goes to the
    service director at once, once (an `escalate` event in the case's history)."""
    today = calendar_for(settings).local_date(now)
    escalated = 0
    for receipt in late_receipts(session, today):
        case = receipt.case
        receipt.late_escalated_at = now
        case.escalated_to = Role.SERVICE_DIRECTOR
        if case.priority == "normal":
            case.priority = "high"
        promised = receipt.promised_return_on.isoformat()
        alert(
            session,
            kind="escalation",
            role=Role.SERVICE_DIRECTOR,
            case=case,
            title=f"Workshop return late: {case.number} (receipt {receipt.number}) was "
            f"promised for {promised}",
            dedupe_key=f"workshop-late:{receipt.number}",
            now=now,
        )
        apply_transition(
            session,
            case,
            "escalate",
            actor="system",
            at=now,
            note=f"workshop return promised for {promised} is late",
            data={"to": Role.SERVICE_DIRECTOR.value, "promised_return_on": promised},
        )
        escalated += 1
    return escalated


def overdue_loaners(session: Session, settings: Settings, now: datetime) -> int:
    """R5.4: a loaner past its due date is chased once: the customer is asked to bring it back
    and the warehouse gets a task."""
    today = calendar_for(settings).local_date(now)
    chased = 0
    for loan in overdue_loans(session, today):
        loan.chased_at = now
        case = loan.case
        serial = loan.loaner.serial_number
        message_customer(
            session,
            case.customer,
            translate(
                case.customer.language,
                "Please return the loaner {serial} lent with {number}: it was due on {day}.",
                serial=serial,
                number=case.number,
                day=loan.due_on.isoformat(),
            ),
            case=case,
            purpose="loaner_overdue",
            dedupe_key=f"loaner-overdue:{loan.id}",
            now=now,
        )
        open_task(
            session,
            kind="loaner_overdue",
            role=Role.WAREHOUSE_CLERK,
            title=f"Loaner {serial} overdue since {loan.due_on.isoformat()} ({case.number})",
            case=case,
            dedupe_key=f"loaner-overdue:{loan.id}",
        )
        chased += 1
    return chased
