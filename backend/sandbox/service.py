"""The technicians the sandbox's technician pane speaks for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.people.models import Customer, Technician
from backend.surveys.models import Survey

# The technician pane's chats: one per technician, far from any customer pane's chat id.
TECHNICIAN_CHATS = 9_000_000


def link_technicians(session: Session) -> int:
    """Link every active technician without a Telegram account to the technician pane."""
    linked = 0
    for technician in session.scalars(
        select(Technician).where(Technician.active.is_(True), Technician.telegram_chat_id.is_(None))
    ):
        technician.telegram_chat_id = TECHNICIAN_CHATS + technician.id
        linked += 1
    session.flush()
    return linked


def sandbox_technicians(session: Session) -> list[dict[str, Any]]:
    """The technicians whose Telegram is the pane: id, name, chat id."""
    rows = session.execute(
        select(Technician.id, Technician.name, Technician.telegram_chat_id)
        .where(Technician.telegram_chat_id >= TECHNICIAN_CHATS)
        .order_by(Technician.id)
    )
    return [{"id": row.id, "name": row.name, "chat_id": row.telegram_chat_id} for row in rows]


def progress(session: Session, *, chat_id: int) -> dict[str, Any] | None:
    """How far the customer of chat `chat_id` has come: their latest case, who works it, and
    the rating they gave (the guided tour ticks its steps from this)."""
    customer = session.scalar(select(Customer).where(Customer.telegram_chat_id == chat_id))
    if customer is None:
        return None
    case = session.scalar(
        select(Case).where(Case.customer_id == customer.id).order_by(Case.id.desc()).limit(1)
    )
    if case is None:
        return {"case": None}
    technician = (
        session.get(Technician, case.assigned_technician_id)
        if case.assigned_technician_id
        else None
    )
    survey = session.scalar(select(Survey).where(Survey.case_id == case.id))
    grades = (
        {
            "attitude": survey.attitude,
            "skill": survey.skill,
            "arrival_time": survey.arrival_time,
            "promise": survey.promise,
        }
        if survey is not None and survey.answered_at is not None
        else None
    )
    return {
        "case": {"number": case.number, "kind": case.kind, "status": case.status},
        "technician": {"id": technician.id, "name": technician.name} if technician else None,
        "survey": grades,
    }
