"""A technician's jobs as they work them from a chat: today's list, one step at a time (R6.5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from backend.actors import Actor
from backend.calendar import calendar_for
from backend.cases.machine import FIELD_JOB
from backend.cases.models import Case
from backend.cases.notices import format_moment
from backend.cases.permissions import sight_for
from backend.cases.service import get_case
from backend.casework.flows import perform_action
from backend.errors import Forbidden
from backend.i18n import translate
from backend.outbox.service import message_customer
from backend.people.models import Technician
from backend.settings import Settings
from backend.workshop.service import receipt_of

PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2}
ACTION_DONE = {
    "accept": "You accepted {number}. Please arrive by {due}.",
    "depart": "{number}: on your way. The customer has been told.",
    "arrive": "{number}: arrival recorded at {time}.",
    "take_to_workshop": "{number}: taken to the workshop. Give the customer the goods receipt.",
    "escalate": "{number}: the service director has been asked to help at once.",
}


def technician_for_chat(session: Session, chat_id: int) -> Technician | None:
    """The active technician linked to this chat (only they see jobs)."""
    return session.scalar(
        select(Technician).where(
            Technician.telegram_chat_id == chat_id, Technician.active.is_(True)
        )
    )


def actor_for(technician: Technician, channel: str) -> Actor:
    return Actor("technician", id=technician.id, technician_id=technician.id, channel=channel)


def own_job(session: Session, technician: Technician, number: str) -> Case:
    """The case, when the permission matrix shows it to this technician (R6.5: their own jobs);
    someone else's is not shown."""
    case = get_case(session, number)
    if sight_for(actor_for(technician, "telegram"), case) is None:
        raise Forbidden("this job is assigned to someone else", field="number")
    return case


def todays_jobs(session: Session, technician: Technician) -> list[Case]:
    """Open field jobs in working order: carried over first (R7.13), priority, deadline."""
    jobs = session.scalars(
        select(Case).where(Case.assigned_technician_id == technician.id, Case.status.in_(FIELD_JOB))
    ).all()
    far = datetime.max.replace(tzinfo=None)
    return sorted(
        jobs,
        key=lambda c: (
            not c.carried_over,
            PRIORITY_ORDER.get(c.priority, 3),
            c.sla_due_at.replace(tzinfo=None) if c.sla_due_at else far,
            c.id,
        ),
    )


def today_text(
    session: Session, technician: Technician, *, settings: Settings, language: str
) -> str:
    """/today: the jobs in order, each with its deadline."""
    jobs = todays_jobs(session, technician)
    if not jobs:
        return translate(language, "No open jobs for you today.")
    calendar = calendar_for(settings)
    lines = [translate(language, "Your jobs today:")]
    for index, case in enumerate(jobs, start=1):
        due = format_moment(calendar.local(case.sla_due_at) if case.sla_due_at else None, language)
        product = case.product.name if case.product else "-"
        lines.append(
            translate(
                language,
                "{index}. {number} · {product} · {address} · by {due}",
                index=index,
                number=case.number,
                product=product,
                address=case.address or "-",
                due=due,
            )
        )
    return "\n".join(lines)


def work_job(
    session: Session,
    technician: Technician,
    number: str,
    action: str,
    *,
    settings: Settings,
    now: datetime,
    channel: str,
    body: dict[str, Any] | None = None,
) -> Case:
    """Take one step on the technician's own job (accept, depart, arrive, …, escalate)."""
    case = own_job(session, technician, number)
    if action == "escalate":
        body = {"reason": "The technician asked for help (R7.9).", **(body or {})}
    perform_action(
        session,
        case,
        action,
        actor=actor_for(technician, channel),
        body=body or {},
        settings=settings,
        now=now,
    )
    if action == "depart":
        message_customer(
            session,
            case.customer,
            translate(
                case.customer.language,
                "Technician {name} is on the way to you for {number}.",
                name=technician.first_name,
                number=case.number,
            ),
            case=case,
            purpose="en_route",
            dedupe_key=f"en-route:{case.number}:{len(case.events)}",
            now=now,
        )
    return case


def action_done_text(
    case: Case, action: str, *, settings: Settings, now: datetime, language: str
) -> str:
    """What the technician is told after a step."""
    calendar = calendar_for(settings)
    session = object_session(case)
    receipt = receipt_of(session, case) if session and action == "take_to_workshop" else None
    if receipt is not None:  # R4.10: the technician tells the customer the receipt's number
        return translate(
            language,
            "{number}: taken to the workshop. Goods receipt {receipt}, promised back by {day}.",
            number=case.number,
            receipt=receipt.number,
            day=receipt.promised_return_on.isoformat(),
        )
    due = format_moment(calendar.local(case.sla_due_at) if case.sla_due_at else None, language)
    return translate(
        language,
        ACTION_DONE.get(action, "{number}: done."),
        number=case.number,
        due=due,
        time=format_moment(calendar.local(now), language),
    )
