"""Branches (a team of technicians under a manager) and the service director's daily report with
each branch's sign-off (R7.11, R7.12)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow


class Branch(Base):
    """A team of technicians with a manager, who signs its part of each daily report (R7.12)."""

    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    manager_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[BranchMember]] = relationship(
        back_populates="branch", cascade="all, delete-orphan", order_by="BranchMember.technician_id"
    )


class BranchMember(Base):
    """A technician belongs to at most one branch."""

    __tablename__ = "branch_members"

    technician_id: Mapped[int] = mapped_column(
        ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True
    )
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))

    branch: Mapped[Branch] = relationship(back_populates="members")


class DailyReport(Base):
    """R7.11: one per working day, made at closing; `figures` holds the whole day and each
    branch's part (backend/reports/daily.py `DayFigures`), as sent."""

    __tablename__ = "daily_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    made_at: Mapped[datetime]

    sign_offs: Mapped[list[BranchSignOff]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="BranchSignOff.id"
    )


class BranchSignOff(Base):
    """R7.12: the branch manager signs the branch's part of a day's report."""

    __tablename__ = "branch_sign_offs"
    __table_args__ = (UniqueConstraint("report_id", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("daily_reports.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    signed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    signed_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)

    report: Mapped[DailyReport] = relationship(back_populates="sign_offs")
