"""Building a finished repair job (and so a due survey) through the real intake and actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from backend.actors import SYSTEM
from backend.cases.service import get_case
from backend.casework.flows import intake_case, perform_action
from backend.casework.intake import CustomerInput, IntakeRequest, ProductInput
from backend.db import Database
from backend.outbox.models import OutboundMessage, OutboxStatus
from backend.settings import Settings


@dataclass(frozen=True)
class Job:
    number: str
    technician_id: int
    customer_phone: str


def open_repair(
    database: Database,
    settings: Settings,
    *,
    at: datetime,
    phone: str = "010-3000-0001",
    name: str = "홍길동",
    language: str | None = None,
    model: str = "AC-1",
) -> str:
    """A repair case registered at `at`, assigned automatically; its number."""
    request = IntakeRequest(
        kind="repair",
        channel="phone",
        customer=CustomerInput(
            name=name, phone=phone, address="서울 중구 세종대로 110", zone="city", language=language
        ),
        product=ProductInput(model=model, serial_number="SN-1", purchased_on=date(2026, 1, 10)),
        description="찬바람이 안 나와요",
    )
    with database.session() as session:
        return intake_case(session, request, settings=settings, now=at, actor=SYSTEM).number


def finished_job(
    database: Database,
    settings: Settings,
    technician_id: int,
    *,
    resolved_at: datetime,
    phone: str = "010-3000-0001",
    language: str | None = None,
) -> Job:
    """A repair reported two hours before `resolved_at` and resolved on site at `resolved_at`."""
    number = open_repair(
        database, settings, at=resolved_at - timedelta(hours=2), phone=phone, language=language
    )
    steps: list[tuple[str, dict[str, Any], int]] = [
        ("assign", {"technician_id": technician_id}, -110),
        ("accept", {}, -100),
        ("arrive", {}, -60),
        ("resolve", {"parts": [], "hours": 1}, 0),
    ]
    for action, body, minutes in steps:
        with database.session() as session:
            case = get_case(session, number)
            perform_action(
                session,
                case,
                action,
                actor=SYSTEM,
                body=body,
                settings=settings,
                now=resolved_at + timedelta(minutes=minutes),
            )
    with database.session() as session:
        case = get_case(session, number)
        # The repair's own messages (confirmation, job card, visit summary) went out as it
        # happened: they are queued at the moments above, so the worker would find them due.
        for message in session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.case_id == case.id, OutboundMessage.status == OutboxStatus.PENDING
            )
        ):
            message.status, message.sent_at = OutboxStatus.SENT, message.next_attempt_at
        customer_phone = case.customer.phone
    return Job(number, technician_id, customer_phone)
