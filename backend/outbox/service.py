"""Writing outbound effects: a row per message, call or SMS, inside the caller's transaction;
and the staff's view of them: the failed rows (recipients masked) and queuing one again."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.errors import Conflict, NotFound
from backend.i18n import Message, in_language, translate
from backend.outbox.models import OutboundMessage, OutboxChannel, OutboxStatus
from backend.people.models import Customer, Role, StaffUser, Technician
from backend.phones import can_receive_sms, mask_phone

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
        created_at=now,
        first_due_at=max(not_before or now, now),
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
    document: dict[str, Any] | None = None,
    now: datetime,
) -> OutboundMessage | None:
    """A text to the customer by Telegram when linked, else by SMS to a mobile number.

    `document` ({`filename`, `content_base64`}) goes to Telegram as a file with the text as its
    caption (sendDocument); an SMS carries the text alone (its link stands for the file).

    About a case reported with an unverified (typed) number, only the chat it was reported from
    hears: the number's owner may be someone else (finding 5)."""
    if case is not None and not case.identity_verified:
        return _to_reporting_chat(
            session, case, text, purpose, dedupe_key, reply_markup, now, document
        )
    if customer.telegram_chat_id is not None:
        payload: dict[str, Any] = {"text": text}
        if reply_markup:
            payload["reply_markup"] = reply_markup
        if document:
            payload["document"] = document
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


def staff_text(title: str | Message, detail: str | None, language: str | None) -> str:
    """A message to a staff member: the title in their language, the detail under it."""
    text = in_language(title, language)
    return text if not detail else f"{text}\n{translate(language, detail)}"


def reachable_staff(session: Session, role: str) -> list[StaffUser]:
    """Whom a message to `role` reaches: its active staff users with a linked Telegram chat."""
    return list(
        session.scalars(
            select(StaffUser).where(
                StaffUser.role == role,
                StaffUser.active.is_(True),
                StaffUser.telegram_chat_id.is_not(None),
            )
        )
    )


def message_role(
    session: Session,
    role: str,
    text: str | Message,
    *,
    detail: str | None = None,
    case: Case | None = None,
    purpose: str = "staff_alert",
    dedupe_key: str | None = None,
    now: datetime,
) -> int:
    """A Telegram message to every active staff user of `role` with a linked chat, each in their
    own language when `text` is a Message; `detail` (people's words) follows as written."""
    users = reachable_staff(session, role)
    sent = 0
    for user in users:
        key = f"{dedupe_key}:user{user.id}" if dedupe_key else None
        if enqueue(
            session,
            channel=OutboxChannel.TELEGRAM,
            recipient=user.telegram_chat_id or 0,
            payload={"text": staff_text(text, detail, user.language)},
            case=case,
            purpose=purpose,
            dedupe_key=key,
            now=now,
        ):
            sent += 1
    return sent


# Who sees undelivered messages and sends them again (API and dashboard alike).
DELIVERY_SUPERVISORS = frozenset({Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN})
PAGE_SIZE = 50
# A provider's error may quote the number it refused ("The 'To' number +8210… is not valid").
# An E.164 number (maybe spaced) or any seven digits and more (a chat id, a national number);
# not "400 21211", an HTTP status and an error code.
_LONG_NUMBER = re.compile(r"\+\d[\d\- ]{5,}\d|\d(?:-?\d){6,}")


def masked_recipient(channel: str, recipient: str) -> str:
    """A recipient for staff screens: never a whole phone number or chat id."""
    if channel == OutboxChannel.TELEGRAM:
        return f"chat …{recipient[-3:]}" if len(recipient) > 3 else "chat …"
    return mask_phone(recipient)


def masked_error(error: str | None) -> str | None:
    """The last error with any phone number or chat id in it cut to its last two digits."""
    if error is None:
        return None
    return _LONG_NUMBER.sub(lambda match: "…" + match.group()[-2:], error)


@dataclass(frozen=True)
class MessagePage:
    items: list[tuple[OutboundMessage, str | None]]  # each row with its case number
    page: int
    pages: int
    total: int


def list_messages(session: Session, *, status: str, page: int = 1) -> MessagePage:
    """Outbox rows in `status`, newest first, with the number of the case each is about."""
    condition = OutboundMessage.status == status
    total = session.scalar(select(func.count(OutboundMessage.id)).where(condition)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.execute(
        select(OutboundMessage, Case.number)
        .outerjoin(Case, OutboundMessage.case_id == Case.id)
        .where(condition)
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    items: list[tuple[OutboundMessage, str | None]] = [(row, number) for row, number in rows]
    return MessagePage(items=items, page=page, pages=pages, total=total)


def message_summary(message: OutboundMessage, case_number: str | None) -> dict[str, Any]:
    """What staff may see of a row: never the text (it may hold personal data) nor the address."""
    return {
        "id": message.id,
        "channel": message.channel,
        "purpose": message.purpose,
        "case_number": case_number,
        "recipient": masked_recipient(message.channel, message.recipient),
        "status": message.status,
        "attempts": message.attempts,
        "last_error": masked_error(message.last_error),
        "created_at": message.created_at.isoformat(),
        "failed_at": message.failed_at.isoformat() if message.failed_at else None,
        "next_attempt_at": message.next_attempt_at.isoformat(),
    }


def requeue(session: Session, message_id: int, *, user_id: int, now: datetime) -> OutboundMessage:
    """A failed row queued again now, with a fresh deadline and attempt count (staff's retry)."""
    message = session.get(OutboundMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound(f"no outbound message {message_id}", field="id")
    if message.status != OutboxStatus.FAILED:
        raise Conflict(
            f"only a failed message can be sent again; this one is {message.status}",
            field="status",
        )
    message.status, message.attempts, message.failed_at = OutboxStatus.PENDING, 0, None
    message.next_attempt_at = message.first_due_at = now
    message.locked_until = None
    if message.not_after is not None and message.not_after <= now:
        if message.channel == OutboxChannel.VOICE:
            # Customers are called only in calling hours: the calls domain re-arms a deferred
            # call for the next window (backend/calls/service.rearm_deferred_calls).
            message.status = OutboxStatus.DEFERRED
        else:
            message.not_after = None  # its window has passed; staff chose to send it anyway
    logger.info(
        "outbox %s (%s) queued again by staff user %s", message.id, message.channel, user_id
    )
    return message


def case_number_of(session: Session, message: OutboundMessage) -> str | None:
    if message.case_id is None:
        return None
    return session.scalar(select(Case.number).where(Case.id == message.case_id))


def _to_reporting_chat(
    session: Session,
    case: Case,
    text: str,
    purpose: str,
    dedupe_key: str | None,
    reply_markup: dict[str, Any] | None,
    now: datetime,
    document: dict[str, Any] | None = None,
) -> OutboundMessage | None:
    chat = (case.reported_as or {}).get("chat")
    if chat is None:
        return None  # reported by a keyed number on the phone: staff confirm by calling back
    payload: dict[str, Any] = {"text": text}
    if reply_markup:
        payload["reply_markup"] = reply_markup
    if document:
        payload["document"] = document
    return enqueue(
        session,
        channel=OutboxChannel.TELEGRAM,
        recipient=int(chat),
        payload=payload,
        case=case,
        purpose=purpose,
        dedupe_key=dedupe_key,
        now=now,
    )
