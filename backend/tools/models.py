"""The tools register, handovers, loss and damage reports, and purchase requests (R5.5–R5.7)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow
from backend.people.models import Technician


class ToolKind(enum.StrEnum):
    TOOL = "tool"
    TEST_EQUIPMENT = "test_equipment"  # R5.5: a fixed asset like any other


class ToolStatus(enum.StrEnum):
    IN_SERVICE = "in_service"
    LOST = "lost"
    DAMAGED = "damaged"
    RETIRED = "retired"


class Tool(Base):
    """A registered asset: serial number, value, purchase date; held by one technician or, with
    no holder, kept in the store (R5.6: registered to a technician, not for private use)."""

    __tablename__ = "tools"
    __table_args__ = (CheckConstraint("value >= 0", name="value_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial_number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=ToolKind.TOOL)
    value: Mapped[int]  # KRW, the purchase value (the ceiling of any compensation)
    purchased_on: Mapped[date]
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ToolStatus.IN_SERVICE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    holder: Mapped[Technician | None] = relationship()


class HandoverStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"


class ToolHandover(Base):
    """A transfer of a tool from one holder to another (None: the store). It is done only when
    both sides confirmed: each technician in Telegram or their login, the store by its staff."""

    __tablename__ = "tool_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tools.id", ondelete="CASCADE"), index=True)
    from_technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    to_technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    status: Mapped[str] = mapped_column(String(16), default=HandoverStatus.PENDING, index=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime]
    given_by: Mapped[str | None] = mapped_column(String(120))  # who confirmed handing it over
    given_at: Mapped[datetime | None]
    received_by: Mapped[str | None] = mapped_column(String(120))  # who confirmed receiving it
    received_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]

    tool: Mapped[Tool] = relationship()
    from_technician: Mapped[Technician | None] = relationship(foreign_keys=[from_technician_id])
    to_technician: Mapped[Technician | None] = relationship(foreign_keys=[to_technician_id])


class IncidentKind(enum.StrEnum):
    LOST = "lost"
    DAMAGED = "damaged"


class Compensation(enum.StrEnum):
    """R5.7: the holder compensates a lost or damaged tool, except for normal wear."""

    CHARGED = "charged"
    NORMAL_WEAR = "normal_wear"
    WAIVED = "waived"


class ToolIncident(Base):
    """A tool reported lost or damaged, and the decision on compensation."""

    __tablename__ = "tool_incidents"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tools.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    description: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(120))
    reported_at: Mapped[datetime]
    decision: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(default=0)  # KRW the holder pays
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]

    tool: Mapped[Tool] = relationship()


class PurchaseStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PURCHASED = "purchased"


class PurchaseRequest(Base):
    """A tool to buy: finance approves before purchasing buys (R5.7); the purchase registers it."""

    __tablename__ = "tool_purchase_requests"
    __table_args__ = (CheckConstraint("estimated_cost >= 0", name="cost_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=ToolKind.TOOL)
    reason: Mapped[str] = mapped_column(Text)
    estimated_cost: Mapped[int]
    for_technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    status: Mapped[str] = mapped_column(String(16), default=PurchaseStatus.REQUESTED, index=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    purchased_by: Mapped[str | None] = mapped_column(String(120))
    purchased_at: Mapped[datetime | None]
    tool_id: Mapped[int | None] = mapped_column(ForeignKey("tools.id"))
