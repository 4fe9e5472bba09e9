"""Products with per-part warranties (R4.1), sold units (R4.2) and maintenance contracts (R4.3)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow
from backend.people.models import Customer


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    product_line: Mapped[str] = mapped_column(String(64), index=True)
    warranty_months: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parts: Mapped[list[Part]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Part.code"
    )


class Part(Base):
    __tablename__ = "parts"
    __table_args__ = (UniqueConstraint("product_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    warranty_months: Mapped[int]
    price: Mapped[int]  # smallest currency unit (KRW has no minor unit)
    # R5.2: A, B or C from the last 12 months' consumption value (backend/stock/abc.py).
    abc_class: Mapped[str | None] = mapped_column(String(1))
    abc_month: Mapped[str | None] = mapped_column(String(7))  # "2026-12": when it was classed

    product: Mapped[Product] = relationship(back_populates="parts")


class Unit(Base):
    """One sold item: the serial number ties a customer to a product and its purchase date."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("product_id", "serial_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    serial_number: Mapped[str] = mapped_column(String(64))
    purchased_on: Mapped[date | None]
    # A promotion that lengthens the warranty must reach after-sales (R4.2).
    warranty_extension_months: Mapped[int] = mapped_column(default=0)
    promotion: Mapped[str | None] = mapped_column(String(200))

    product: Mapped[Product] = relationship()
    customer: Mapped[Customer | None] = relationship()
    contracts: Mapped[list[Contract]] = relationship(
        back_populates="unit", order_by="Contract.ends_on"
    )

    def warranty_ends_on(self, months: int) -> date | None:
        """The first day no longer covered by a warranty of `months` (the product's or a part's)."""
        if self.purchased_on is None:
            return None
        return add_months(self.purchased_on, months + self.warranty_extension_months)

    def in_warranty(self, months: int, on: date) -> bool:
        ends = self.warranty_ends_on(months)
        return ends is not None and on < ends

    def active_contract(self, on: date) -> Contract | None:
        return next((c for c in self.contracts if c.covers(on)), None)


class Contract(Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    expiry_notice_sent_at: Mapped[datetime | None]  # R7.15, once per contract
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
    unit: Mapped[Unit] = relationship(back_populates="contracts")

    def covers(self, on: date) -> bool:
        return self.starts_on <= on <= self.ends_on
