"""What a suggestion case carries beyond the case: its source, its evaluation, its reward."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class Decision:
    ACCEPTED = "accepted"
    REJECTED = "rejected"


DECISIONS = (Decision.ACCEPTED, Decision.REJECTED)


class Suggestion(Base):
    """One per suggestion case (R9.3): evaluated with a note, then a reward decided (0: none)."""

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), unique=True, index=True
    )
    # R9.8: the shop or public place whose poster the form was opened from (None: elsewhere).
    place: Mapped[str | None] = mapped_column(String(100))
    # False when the customer left no contact: nobody can be told the outcome.
    contact_left: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(8))  # of the form, for the outcome
    decision: Mapped[str | None] = mapped_column(String(16))
    evaluation_note: Mapped[str | None] = mapped_column(Text)
    evaluated_at: Mapped[datetime | None]
    evaluated_by: Mapped[str | None] = mapped_column(String(120))
    reward_amount: Mapped[int | None]  # whole KRW; 0 = no reward
    reward_decided_at: Mapped[datetime | None]
    reward_decided_by: Mapped[str | None] = mapped_column(String(120))
