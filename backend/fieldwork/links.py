"""One-time codes that link a Telegram account to a technician record (R6.5: only linked
accounts see jobs, and only their own)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.errors import DomainError, ValidationError
from backend.fieldwork.models import LinkCode
from backend.people.models import Technician

logger = logging.getLogger(__name__)

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(hours=24)
# Codes are short enough to guess: five wrong ones in a row block the chat for an hour.
LINK_ATTEMPTS = 5
LINK_BLOCK = timedelta(hours=1)


class LinkAttempts(Protocol):
    """A chat's record of its link attempts (the inbox's TelegramChat row)."""

    link_failures: int
    link_blocked_until: datetime | None
    language: str | None


@dataclass(frozen=True)
class LinkOutcome:
    """A chat's /link attempt: the technician now linked, or why not."""

    technician: Technician | None
    blocked: bool = False  # too many wrong codes: not even tried


def normalize_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def create_link_code(
    session: Session, technician: Technician, *, now: datetime, created_by: str
) -> tuple[str, datetime]:
    """A new code like `K7QM-3XPA` and its expiry; only the hash is stored."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    code = f"{raw[:4]}-{raw[4:]}"
    expires_at = now + CODE_LIFETIME
    session.add(
        LinkCode(
            technician_id=technician.id,
            code_hash=_hash(code),
            expires_at=expires_at,
            created_by=created_by[:120],
        )
    )
    session.flush()
    logger.info("link code created for technician %s by %s", technician.id, created_by)
    return code, expires_at


def redeem_link_code(session: Session, code: str, *, chat_id: int, now: datetime) -> Technician:
    """Link `chat_id` to the code's technician; the code cannot be used again."""
    row = session.scalar(select(LinkCode).where(LinkCode.code_hash == _hash(code)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ValidationError("This code is not valid or has expired.", field="code")
    technician = session.get(Technician, row.technician_id)
    if technician is None or not technician.active:
        raise ValidationError("This code is not valid or has expired.", field="code")
    for other in session.scalars(
        select(Technician).where(
            Technician.telegram_chat_id == chat_id, Technician.id != technician.id
        )
    ):
        other.telegram_chat_id = None  # one chat, one technician
    session.flush()
    technician.telegram_chat_id = chat_id
    row.used_at, row.used_by_chat = now, chat_id
    logger.info("technician %s linked a Telegram chat", technician.id)
    return technician


def link_telegram(
    session: Session, chat: LinkAttempts, *, chat_id: int, code: str, now: datetime
) -> LinkOutcome:
    """A code typed in Telegram chat `chat_id`: link the chat to its technician (R6.5), counting
    wrong codes on `chat`; the chat's chosen language carries over to the technician.

    The chat's row is locked first and read afresh: codes sent at once are counted one after
    the other, so no more than LINK_ATTEMPTS wrong ones are ever tried (finding 8)."""
    session.flush()  # a chat first seen in this request: its row exists (and is ours) first
    session.refresh(chat, with_for_update=True)  # SQLite: its transactions are serial anyway
    if chat.link_blocked_until and chat.link_blocked_until > now:
        return LinkOutcome(None, blocked=True)
    try:
        with session.begin_nested():
            technician = redeem_link_code(session, code, chat_id=chat_id, now=now)
    except DomainError:
        chat.link_failures = (chat.link_failures or 0) + 1
        if chat.link_failures >= LINK_ATTEMPTS:
            chat.link_blocked_until = now + LINK_BLOCK
            chat.link_failures = 0
        return LinkOutcome(None)
    chat.link_failures = 0
    if chat.language is not None:  # chosen in this chat before linking: keep it
        technician.language = chat.language
    return LinkOutcome(technician)
