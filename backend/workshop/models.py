"""Workshop custody records: the goods receipt, the goods in/out register, the repair card and
inspections (R4.10, R7.6–R7.7); loaner units and their loans (R5.4)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.cases.models import Case
from backend.db import Base, utcnow


class ReceiptSequence(Base):
    """The last goods-receipt number issued per year; incremented atomically."""

    __tablename__ = "workshop_receipt_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class GoodsReceipt(Base):
    """R4.10, R7.6: the numbered customer goods receipt of one workshop job; taken back (its
    number confirmed) when the item is returned, and the certificate signed (R7.7)."""

    __tablename__ = "workshop_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    issued_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(120))
    promised_return_on: Mapped[date] = mapped_column(index=True)  # R4.12 the promised time
    transport: Mapped[bool] = mapped_column(default=False)  # R4.8 the company carries it
    transport_fee: Mapped[int] = mapped_column(default=0)  # from the fee schedule then
    returned_at: Mapped[datetime | None]
    returned_by: Mapped[str | None] = mapped_column(String(120))
    signed_by: Mapped[str | None] = mapped_column(String(200))
    signed_via: Mapped[str | None] = mapped_column(String(16))  # telegram, technician, staff
    signed_at: Mapped[datetime | None]
    late_escalated_at: Mapped[datetime | None]  # R7.9: once

    case: Mapped[Case] = relationship()


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class GoodsRegisterRow(Base):
    """R4.10, R7.6: the customer goods in/out register: one row in, one row out per receipt."""

    __tablename__ = "workshop_goods_register"
    __table_args__ = (UniqueConstraint("receipt_id", "direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("workshop_receipts.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(500))

    receipt: Mapped[GoodsReceipt] = relationship()


class RepairWork(Base):
    """R7.7: one entry of the repair card: who worked, actual hours, parts replaced (taken from
    the `workshop` stock location). `rework`: done after a failed inspection, not charged."""

    __tablename__ = "workshop_repair_work"
    __table_args__ = (CheckConstraint("hours >= 0", name="hours_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    worked_by: Mapped[str] = mapped_column(String(120))  # an actor label
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    hours: Mapped[float]
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{code, quantity}]
    rework: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime]


class Inspection(Base):
    """R7.7: the supervisor's inspection of a repair: passed, or failed with the reason."""

    __tablename__ = "workshop_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    passed: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(500))
    inspected_by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]


class LoanerStatus(enum.StrEnum):
    AVAILABLE = "available"
    LENT = "lent"
    RETIRED = "retired"


class LoanerCondition(enum.StrEnum):
    GOOD = "good"
    WORN = "worn"
    DAMAGED = "damaged"


class Loaner(Base):
    """R5.4: a loaner unit, by serial number, lent while a customer's item is repaired."""

    __tablename__ = "loaners"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial_number: Mapped[str] = mapped_column(String(64), unique=True)
    model: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=LoanerStatus.AVAILABLE)
    condition: Mapped[str] = mapped_column(String(16), default=LoanerCondition.GOOD)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoanerLoan(Base):
    """One lending of a loaner for a workshop job; at most one open loan per loaner (the
    partial unique index backs the conditional UPDATE that refuses a second)."""

    __tablename__ = "loaner_loans"
    __table_args__ = (
        Index(
            "uq_loaner_loans_open",
            "loaner_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loaner_id: Mapped[int] = mapped_column(ForeignKey("loaners.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    lent_at: Mapped[datetime]
    due_on: Mapped[date]
    returned_at: Mapped[datetime | None]
    condition_on_return: Mapped[str | None] = mapped_column(String(16))
    return_note: Mapped[str | None] = mapped_column(String(500))
    chased_at: Mapped[datetime | None]  # R5.4: an overdue loaner chased once

    loaner: Mapped[Loaner] = relationship()
    case: Mapped[Case] = relationship()
