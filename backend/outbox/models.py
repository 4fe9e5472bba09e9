"""Outbound effects as rows, written in the transaction of the change that causes them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, utcnow


class OutboxChannel(enum.StrEnum):
    TELEGRAM = "telegram"
    VOICE = "voice"
    SMS = "sms"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # for good (until staff retry it): the reason is in last_error
    DEFERRED = "deferred"  # its window (not_after) closed before delivery; the backend re-arms it


class OutboundMessage(Base):
    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))  # a chat id or an E.164 number
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)  # real failures and the sending; not 429s
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Deliver before this moment or not at all (customer calls only inside calling hours).
    not_after: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)  # message id, CallSid
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40), default="message")
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The give-up deadline counts from here: the moment the row was first due (its creation, or
    # the later moment it was queued for), set again when staff retry a failed row.
    first_due_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None] = mapped_column(index=True)  # burst alerts count these
