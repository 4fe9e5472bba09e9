"""Partner repair shops (R1.4) and their signed contracts: zones, product lines, rates, validity.

A partner's staff are Technician rows carrying the partner's id (people.models), so the planner
and the Telegram job buttons treat them as technicians; the contract decides what they may take.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    # R1.4: a dispute (billing, quality) stops new offers; the customer's job goes on elsewhere.
    disputed: Mapped[bool] = mapped_column(default=False, server_default=false())
    dispute_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contracts: Mapped[list[PartnerContract]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerContract.id"
    )

    def contract_on(self, day: date) -> PartnerContract | None:
        """The contract in force on `day` (the latest signed when several overlap)."""
        valid = [c for c in self.contracts if c.starts_on <= day <= c.ends_on]
        return valid[-1] if valid else None


class PartnerContract(Base):
    """What the partner may be offered (zones, product lines, from … to) and at what rates."""

    __tablename__ = "partner_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    zones: Mapped[list[str]] = mapped_column(JSON)
    product_lines: Mapped[list[str]] = mapped_column(JSON)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    call_out_rate: Mapped[int]  # KRW owed per job
    hourly_rate: Mapped[int]  # KRW owed per hour of work recorded at resolve
    signed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship(back_populates="contracts")

    def covers(self, zone: str, product_line: str | None, day: date) -> str | None:
        """Why this contract does not cover a job, or None when it does."""
        if not self.starts_on <= day <= self.ends_on:
            return f"contract not valid on {day.isoformat()}"
        if zone not in self.zones:
            return f"zone {zone} not in the contract"
        if product_line and product_line not in self.product_lines:
            return f"{product_line} not in the contract"
        return None

    def owed(self, hours: float | None) -> int:
        """What one job earns the partner: the call-out plus the hours at the hourly rate."""
        return self.call_out_rate + round(self.hourly_rate * (hours or 0.0))
