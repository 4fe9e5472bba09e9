"""Stored day plans: the ordered stops of each technician, manual pins, and plan runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, utcnow


class PlanStop(Base):
    """One stop of a technician's day: which case, in what order, arriving when."""

    __tablename__ = "plan_stops"
    __table_args__ = (UniqueConstraint("day", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    arrival_at: Mapped[datetime]
    departure_at: Mapped[datetime]
    travel_minutes: Mapped[float]
    travel_km: Mapped[float]
    late_minutes: Mapped[float]
    planned_at: Mapped[datetime] = mapped_column(default=utcnow)


class DispatchPin(Base):
    """A repair manager's choice of technician (R4.6), kept by every later re-plan."""

    __tablename__ = "dispatch_pins"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(Text)
    pinned_by: Mapped[str] = mapped_column(String(120))
    pinned_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanRun(Base):
    """One planning of a day: when, why, and how it went (the morning duty's marker)."""

    __tablename__ = "plan_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))  # morning | manual | help | late_running
    at: Mapped[datetime]
    jobs: Mapped[int] = mapped_column(default=0)
    assigned: Mapped[int] = mapped_column(default=0)
    unassigned: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
