"""Inbound channel updates, stored before they are processed, per-chat preferences, and the
files (photos) people send, downloaded from the channel and kept for the staff."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, utcnow


class UpdateStatus(enum.StrEnum):
    RECEIVED = "received"  # stored, not processed yet (or the process died while at it)
    DONE = "done"
    FAILED = "failed"  # processing raised; retried by the `inbound_retry` duty
    DEAD = "dead"  # failed too often; kept for a person to look at


class InboundUpdate(Base):
    """One update as the provider sent it; `update_id` makes a redelivery a no-op."""

    __tablename__ = "inbound_updates"
    __table_args__ = (
        UniqueConstraint("channel", "update_id"),
        Index("ix_inbound_updates_due", "status", "next_attempt_at"),
        Index("ix_inbound_updates_chat", "chat_id", "status"),  # a chat's waiting updates
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=UpdateStatus.RECEIVED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class TelegramChat(Base):
    """What the bot remembers about a private chat: the language the person chose."""

    __tablename__ = "telegram_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))  # None until the person chooses
    link_failures: Mapped[int] = mapped_column(default=0)  # wrong technician link codes
    link_blocked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MediaStatus(enum.StrEnum):
    PENDING = "pending"  # to download (again, after `next_attempt_at`)
    STORED = "stored"
    FAILED = "failed"  # gave up; the channel's file id is still in the case's media


class MediaFile(Base):
    """One file of a case (`Case.media[position - 1]`), downloaded from its channel by a duty.

    Telegram only hands out file ids; the bytes are fetched later, off the webhook's path, and
    kept under `<var_dir>/media/<case number>/` where the staff API serves them.
    """

    __tablename__ = "media_files"
    __table_args__ = (
        UniqueConstraint("case_id", "position"),
        Index("ix_media_files_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1-based place in the case's media list: /cases/{number}/media/{n}
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # "photo", "voice"
    file_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=MediaStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(String(255))  # relative to <var_dir>/media
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stored_at: Mapped[datetime | None]
