"""A payment of a case, with its receipt or invoice number (R7.5, R7.8)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.cases.models import Case
from backend.db import Base, utcnow


class PaymentMethod(enum.StrEnum):
    CASH = "cash"  # collected on the spot by the technician (R4.11 small amounts)
    CARD = "card"
    INVOICE = "invoice"  # accounting invoices it (R4.11, R7.5, R7.8)


class InvoiceSequence(Base):
    """The last receipt/invoice number issued per year; incremented atomically."""

    __tablename__ = "invoice_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    invoice_number: Mapped[str] = mapped_column(String(24), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int]
    issued_at: Mapped[datetime]
    issued_on: Mapped[date] = mapped_column(index=True)  # business day, for the daily export
    paid_at: Mapped[datetime | None]  # None: invoiced, not yet paid
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
