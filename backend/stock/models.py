"""The stock ledger (append-only), balances derived from it, and reorder points."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, utcnow


class StockMove(Base):
    """One movement of parts (R5.3): never changed or deleted; the quantity on hand is the sum
    of these. `from_location` None: from a supplier; `to_location` None: out of stock for good
    (used on a job, written off, a stock-take loss)."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_moves_part_at", "part_code", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_code: Mapped[str] = mapped_column(String(64))
    from_location: Mapped[str | None] = mapped_column(String(40))
    to_location: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[int]
    # receipt, transfer, used, returned, write_off, correction
    kind: Mapped[str] = mapped_column(String(16), index=True)
    unit_price: Mapped[int] = mapped_column(default=0)  # the part's price when moved (ABC value)
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(120))  # "user:3", "technician:5", "system"
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class StockBalance(Base):
    """Quantity on hand per (part, location), kept with each move in the same transaction so a
    conditional UPDATE can refuse to go below zero; the ledger stays the truth."""

    __tablename__ = "stock_balances"
    __table_args__ = (CheckConstraint("quantity >= 0", name="not_negative"),)

    part_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    location: Mapped[str] = mapped_column(String(40), primary_key=True)
    quantity: Mapped[int] = mapped_column(default=0)


class ReorderPoint(Base):
    """On hand at or below `reorder_point` opens a purchase task for the warehouse (R5.3)."""

    __tablename__ = "reorder_points"

    part_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    location: Mapped[str] = mapped_column(String(40), primary_key=True)
    reorder_point: Mapped[int]
    reorder_quantity: Mapped[int]  # the base order; the part's ABC class scales it (R5.2)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
