"""One row per phone call: who, why, how it went (R2.3 every call recorded, R9.5 recorded calls)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow


class CallPurpose(enum.StrEnum):
    INBOUND = "inbound"  # the customer called the service desk
    SURVEY = "survey"  # the rating call after a job (R8.3)
    CONTRACT_EXPIRY = "contract_expiry"  # R7.15
    PROACTIVE = "proactive"  # R9.5 a call to gather the customer's opinion
    MYSTERY_CHECK = "mystery_check"  # R9.7 a check of how the service was given, recorded
    SATISFACTION = "satisfaction"  # R2.10 is the customer satisfied with a complaint's answer


# Twilio's final call statuses; after one of them the call is over.
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


class PhoneCall(Base):
    __tablename__ = "phone_calls"
    __table_args__ = (Index("ix_phone_calls_phone_placed", "phone", "placed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(8))  # "inbound" | "outbound"
    purpose: Mapped[str] = mapped_column(String(24))
    phone: Mapped[str] = mapped_column(String(32))  # the customer's number, E.164
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    answered_by: Mapped[str | None] = mapped_column(String(24))  # Twilio AMD: human, machine_…
    outcome: Mapped[str | None] = mapped_column(String(24))  # answered, busy, machine, hung_up …
    # The status callbacks already applied ("completed#3"): a replayed callback changes nothing.
    callbacks: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer = relationship("Customer")
    case = relationship("Case")
    survey = relationship("Survey")

    @property
    def over(self) -> bool:
        return self.status in FINAL_STATUSES
