"""The rating survey of one job (R8.3, R8.4): four grades, an optional comment, its attempts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow

QUESTIONS = ("attitude", "skill", "arrival_time", "promise")  # R8.4, always this order


class SurveyStatus(enum.StrEnum):
    PENDING = "pending"
    CALLING = "calling"  # a survey call is placed and its outcome not known yet
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    PARTIAL = "partial"
    UNREACHABLE = "unreachable"


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=SurveyStatus.PENDING)
    due_at: Mapped[datetime]
    channel: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attitude: Mapped[int | None]
    skill: Mapped[int | None]
    arrival_time: Mapped[int | None]
    promise: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    comment_recording_url: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case = relationship("Case")

    def ratings(self) -> dict[str, int | None]:
        return {question: getattr(self, question) for question in QUESTIONS}
