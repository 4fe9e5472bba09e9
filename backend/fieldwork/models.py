"""Technicians' Telegram link codes and daily work reports (R6.5, R7.10, R7.11)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow


class LinkCode(Base):
    """A one-time code that ties a Telegram account to a technician record (only its hash)."""

    __tablename__ = "technician_link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(
        ForeignKey("technicians.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_chat: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkReport(Base):
    """A technician's daily work report (R7.10): hours per job and admin work (category D)."""

    __tablename__ = "work_reports"
    __table_args__ = (UniqueConstraint("technician_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"))
    day: Mapped[date]
    channel: Mapped[str] = mapped_column(String(16))
    # R7.11: the service director's daily report sums these per service category.
    hours_by_category: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    admin_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[WorkReportEntry]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="WorkReportEntry.id"
    )


class WorkReportEntry(Base):
    __tablename__ = "work_report_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("work_reports.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))  # None: admin work
    category: Mapped[str] = mapped_column(String(1))  # A / B / C / D (R7.2)
    hours: Mapped[float]
    note: Mapped[str | None] = mapped_column(Text)

    report: Mapped[WorkReport] = relationship(back_populates="entries")
