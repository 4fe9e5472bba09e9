"""A conversation in progress, kept in the database so any process can continue it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, utcnow


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # "telegram" | "phone"
    address: Mapped[str] = mapped_column(String(64))  # a chat id, or a CallSid
    dialogue: Mapped[str | None] = mapped_column(String(40))  # None: idle, no dialogue running
    step: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="ko")
    retries: Mapped[int] = mapped_column(default=0)  # invalid answers at the current step
    customer_id: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
