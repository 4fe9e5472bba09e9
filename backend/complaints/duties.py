"""The complaint duty of `tick`: unanswered complaints chased step by step, each step once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.cases.machine import ComplaintStatus
from backend.cases.models import Case, CaseKind
from backend.cases.service import record_event
from backend.complaints.deadlines import Chase, next_chase
from backend.complaints.routing import DepartmentCode
from backend.i18n import message, translate
from backend.outbox.service import message_customer
from backend.people.models import Role
from backend.settings import Settings
from backend.tasks.service import alert

UNANSWERED = (ComplaintStatus.RECEIVED, ComplaintStatus.ROUTED)


def chase_replies(session: Session, settings: Settings, now: datetime) -> int:
    """Near the deadline the owner is reminded; late, the service director is told (the
    vice-president for the hotline's complaints, R9.4) and the customer hears that the answer
    will be late; one more reply period later, the vice-president (R8.5–R8.7)."""
    cases = session.scalars(
        select(Case)
        .where(
            Case.kind == CaseKind.COMPLAINT,
            Case.status.in_(UNANSWERED),
            Case.answered_at.is_(None),
            Case.reply_chased < Chase.VICE_PRESIDENT,
            Case.reply_warn_at <= now,
        )
        .order_by(Case.id)
        .with_for_update()
    ).all()
    steps = 0
    for case in cases:
        while (step := next_chase(case, settings, now)) is not None:
            _take(session, case, step, settings=settings, now=now)
            steps += 1
    return steps


def _take(session: Session, case: Case, step: Chase, *, settings: Settings, now: datetime) -> None:
    due = calendar_for(settings).local(case.reply_due_at) if case.reply_due_at else None
    due_text = due.strftime("%Y-%m-%d %H:%M") if due else "-"
    if step is Chase.DIRECTOR and case.department == DepartmentCode.COMPLAINT_HOTLINE:
        # R9.4: the director heads the department complained of; the hotline answers to the VP.
        step = Chase.VICE_PRESIDENT
    if step is Chase.REMINDED:
        role = case.accountable_role or Role.SERVICE_DIRECTOR
        title = message("{number}: the answer is due {due}", number=case.number, due=due_text)
        kind = "reply_reminder"
    elif step is Chase.DIRECTOR:
        role, kind = Role.SERVICE_DIRECTOR, "reply_overdue"
        title = message(
            "{number}: the answer is late (due {due})", number=case.number, due=due_text
        )
    else:
        role, kind = Role.VICE_PRESIDENT, "reply_overdue"
        title = message("{number}: still no answer (due {due})", number=case.number, due=due_text)
    if step is not Chase.REMINDED:
        case.escalated_to = role
    case.reply_chased = int(step)
    record_event(
        session,
        case,
        actor="system",
        action=kind,
        at=now,
        note=f"{title} → {role}",
        data={"to": role, "step": int(step)},
    )
    alert(
        session,
        kind=kind,
        role=role,
        title=title,
        case=case,
        dedupe_key=f"reply-chase:{case.number}:{int(step)}",
        now=now,
    )
    if step is not Chase.REMINDED:  # once: the message's key is the case's
        _tell_customer_late(session, case, now=now)


def _tell_customer_late(session: Session, case: Case, *, now: datetime) -> None:
    language = case.customer.language
    message_customer(
        session,
        case.customer,
        translate(
            language,
            "We are sorry: the answer to your complaint {number} will be late. "
            "We are working on it and will answer you as soon as we can.",
            number=case.number,
        ),
        case=case,
        purpose="answer_late",
        dedupe_key=f"answer-late:{case.number}",
        now=now,
    )
