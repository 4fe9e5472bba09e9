"""Writing outbound effects: a row per message, call or SMS, inside the caller's transaction."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.outbox.models import OutboundMessage, OutboxChannel
from backend.people.models import Customer, StaffUser, Technician
from backend.phones import can_receive_sms

logger = logging.getLogger(__name__)


def enqueue(
    session: Session,
    *,
    channel: OutboxChannel | str,
    recipient: str | int,
    payload: dict[str, Any],
    case: Case | None = None,
    purpose: str = "message",
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    now: datetime,
) -> OutboundMessage | None:
    """Queue one outbound effect; None when `dedupe_key` was already queued (idempotent duties)."""
    if dedupe_key is not None:
        pending = [
            obj
            for obj in session.new
            if isinstance(obj, OutboundMessage) and obj.dedupe_key == dedupe_key
        ]
        exists = session.scalar(
            select(OutboundMessage.id).where(OutboundMessage.dedupe_key == dedupe_key)
        )
        if pending or exists:
            return None
    message = OutboundMessage(
        channel=str(channel),
        recipient=str(recipient),
        payload=payload,
        case_id=case.id if case is not None else None,
        purpose=purpose,
        dedupe_key=dedupe_key,
        next_attempt_at=not_before or now,
        not_after=not_after,
    )
    session.add(message)
    return message


def message_customer(
    session: Session,
    customer: Customer,
    text: str,
    *,
    case: Case | None = None,
    purpose: str = "message",
    dedupe_key: str | None = None,
    reply_markup: dict[str, Any] | None = None,
    now: datetime,
) -> OutboundMessage | None:
    """A text to the customer by Telegram when linked, else by SMS to a mobile number."""
    if customer.telegram_chat_id is not None:
        payload: dict[str, Any] = {"text": text}
        if reply_markup:
            payload["reply_markup"] = reply_markup
        return enqueue(
            session,
            channel=OutboxChannel.TELEGRAM,
            recipient=customer.telegram_chat_id,
            payload=payload,
            case=case,
            purpose=purpose,
            dedupe_key=dedupe_key,
            now=now,
        )
    if can_receive_sms(customer.phone):
        return enqueue(
            session,
            channel=OutboxChannel.SMS,
            recipient=customer.phone,
            payload={"body": text},
            case=case,
            purpose=purpose,
            dedupe_key=dedupe_key,
            now=now,
        )
    logger.info("customer %s has no text channel; %s not sent", customer.id, purpose)
    return None


def message_technician(
    session: Session,
    technician: Technician,
    text: str,
    *,
    case: Case | None = None,
    purpose: str = "message",
    dedupe_key: str | None = None,
    reply_markup: dict[str, Any] | None = None,
    now: datetime,
) -> OutboundMessage | None:
    """A Telegram message to a linked technician; unlinked technicians see jobs on the dashboard."""
    if technician.telegram_chat_id is None:
        return None
    payload: dict[str, Any] = {"text": text}
    if reply_markup:
        payload["reply_markup"] = reply_markup
    return enqueue(
        session,
        channel=OutboxChannel.TELEGRAM,
        recipient=technician.telegram_chat_id,
        payload=payload,
        case=case,
        purpose=purpose,
        dedupe_key=dedupe_key,
        now=now,
    )


def message_role(
    session: Session,
    role: str,
    text: str,
    *,
    case: Case | None = None,
    purpose: str = "staff_alert",
    dedupe_key: str | None = None,
    now: datetime,
) -> int:
    """A Telegram message to every active staff user of `role` with a linked chat."""
    users = session.scalars(
        select(StaffUser).where(
            StaffUser.role == role,
            StaffUser.active.is_(True),
            StaffUser.telegram_chat_id.is_not(None),
        )
    ).all()
    sent = 0
    for user in users:
        key = f"{dedupe_key}:user{user.id}" if dedupe_key else None
        if enqueue(
            session,
            channel=OutboxChannel.TELEGRAM,
            recipient=user.telegram_chat_id or 0,
            payload={"text": text},
            case=case,
            purpose=purpose,
            dedupe_key=key,
            now=now,
        ):
            sent += 1
    return sent
