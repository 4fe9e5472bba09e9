"""The case (a repair, complaint, return, inquiry or suggestion), its number and its history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.catalog.models import Product, Unit
from backend.db import Base, utcnow
from backend.people.models import Customer, StaffUser, Technician


class CaseKind(enum.StrEnum):
    REPAIR = "repair"
    COMPLAINT = "complaint"
    RETURN = "return"
    INQUIRY = "inquiry"
    SUGGESTION = "suggestion"  # R2.10, R9.3, R9.8


class Channel(enum.StrEnum):
    PHONE = "phone"
    TELEGRAM = "telegram"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    WEB = "web"


class ServiceCategory(enum.StrEnum):
    """R7.2: every piece of work is one of four categories."""

    PAID = "A"
    CONTRACT = "B"
    FREE = "C"
    INTERNAL = "D"


class Priority(enum.StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CaseSequence(Base):
    """The last case number issued per year; incremented atomically at intake."""

    __tablename__ = "case_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


# The partial indexes' predicates (below and in migration 0034).
REPAIR_NOT_ARRIVED = "kind = 'repair' AND status IN ('new', 'assigned', 'accepted', 'en_route')"
COMPLAINT_UNANSWERED = "kind = 'complaint' AND status IN ('received', 'routed')"


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_kind", "status", "kind"),
        Index("ix_cases_technician_status", "assigned_technician_id", "status"),
        # Issue 14, at a million cases: the open boards (newest first within a status), a
        # technician's month, the monthly report's range of dates.
        Index("ix_cases_status_kind_reported", "status", "kind", "reported_at"),
        Index("ix_cases_status_kind_due", "status", "kind", "sla_due_at"),
        Index("ix_cases_technician_reported", "assigned_technician_id", "reported_at"),
        Index("ix_cases_reported_at", "reported_at"),
        # The minute's tick at 100,000 open cases (README "A million cases"): each duty reads
        # the few cases whose moment has come from an index of the cases it has yet to mark,
        # not every open case. A predicate names the statuses of the duty's query (machine's
        # NOT_ARRIVED, the complaints' UNANSWERED; a test keeps them equal): PostgreSQL uses a
        # partial index only for a query whose conditions imply its predicate.
        Index(
            "ix_cases_sla_unwarned",
            "sla_due_at",
            "sla_warn_at",
            postgresql_where=text(f"sla_warned_at IS NULL AND {REPAIR_NOT_ARRIVED}"),
            sqlite_where=text(f"sla_warned_at IS NULL AND {REPAIR_NOT_ARRIVED}"),
        ),
        Index(
            "ix_cases_sla_unbreached",
            "sla_due_at",
            postgresql_where=text(f"sla_breached_at IS NULL AND {REPAIR_NOT_ARRIVED}"),
            sqlite_where=text(f"sla_breached_at IS NULL AND {REPAIR_NOT_ARRIVED}"),
        ),
        Index(
            "ix_cases_reply_unanswered",
            "reply_warn_at",
            postgresql_where=text(f"answered_at IS NULL AND {COMPLAINT_UNANSWERED}"),
            sqlite_where=text(f"answered_at IS NULL AND {COMPLAINT_UNANSWERED}"),
        ),
        Index("ix_cases_status_assigned_at", "status", "assigned_at"),
        Index("ix_cases_planned_arrival_at", "planned_arrival_at"),
        # The day's plan loads the most urgent open jobs first (dispatch/loader.py), a LIMIT
        # walked along this index instead of every open job sorted.
        Index(
            "ix_cases_plannable_due",
            "sla_due_at",
            "id",
            postgresql_where=text(REPAIR_NOT_ARRIVED),
            sqlite_where=text(REPAIR_NOT_ARRIVED),
        ),
        Index(
            "ix_cases_place_pending",
            "id",
            postgresql_where=text("place_pending IS TRUE"),
            sqlite_where=text("place_pending"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    zone: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(500))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # Issue 17: how precise lat/lon are (exact | district | zone; None: a shared location or a
    # case from before places), and whether a geocoding service is still to be asked again.
    place_precision: Mapped[str | None] = mapped_column(String(16))
    place_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    reported_at: Mapped[datetime]
    sla_due_at: Mapped[datetime | None] = mapped_column(index=True)
    sla_warn_at: Mapped[datetime | None]
    service_category: Mapped[str | None] = mapped_column(String(1))
    priority: Mapped[str] = mapped_column(String(8), default=Priority.NORMAL)
    escalated_to: Mapped[str | None] = mapped_column(String(32))
    # Complaints: topic, severity, the department it is routed to, the accountable owner (R8.7).
    topic: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(32))
    accountable_role: Mapped[str | None] = mapped_column(String(32))
    # Complaints: the answer's deadline in working hours by severity, how far the chase has gone
    # (0 none, 1 owner reminded, 2 service director, 3 vice-president), the answer, and whether
    # the customer was satisfied with it (asked once).
    reply_due_at: Mapped[datetime | None] = mapped_column(index=True)
    reply_warn_at: Mapped[datetime | None]
    reply_chased: Mapped[int] = mapped_column(default=0, server_default="0")
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    satisfied: Mapped[bool | None]
    # R2.4: the person a complaint is about (a technician or a staff member), who never sees it;
    # R2.8: the dealer or retailer it is about.
    about_technician_id: Mapped[int | None] = mapped_column(
        ForeignKey("technicians.id"), index=True
    )
    about_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    dealer: Mapped[str | None] = mapped_column(String(200))
    # R2.9: complaints of one group (model, person, dealer) linked to one formal case, which
    # carries the group's key while it is open.
    formal_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    formal_key: Mapped[str | None] = mapped_column(String(240), index=True)
    assigned_technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    assigned_at: Mapped[datetime | None]
    planned_arrival_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    charges: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    work_hours: Mapped[float | None]
    # R4.11 the current quote and the customer's answer; R7.5 the payment (backend.money).
    quote: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    payment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # R4.6: likely parts and on-site minutes from past repair cards (backend/stock/assessment.py).
    pre_assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # R7.13: unfinished at the end of a day → flagged, first in line tomorrow.
    carried_over: Mapped[bool] = mapped_column(default=False)
    rolled_over_on: Mapped[date | None]
    sla_warned_at: Mapped[datetime | None]
    sla_breached_at: Mapped[datetime | None]
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The customer's dialogue that registered it ("conversation:<id>:<run>"): unique, so a
    # confirmation sent twice at once registers one case and both answers name it (finding 6).
    intake_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    # Finding 5: a phone number typed in a chat proves nothing. Such a report is marked for staff
    # and keeps what was typed ({"name", "phone"}) here, leaving the stored customer untouched.
    identity_verified: Mapped[bool] = mapped_column(default=True, server_default=true())
    reported_as: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Returns (R3.5): the cause found at inspection, attributed to a department and optionally a
    # person (a staff user or a technician); the decision (refund, exchange, repair, rejected)
    # and, for a refusal, the rule that applies. They count in the monthly report (R2.11).
    cause_department: Mapped[str | None] = mapped_column(String(32), index=True)
    cause_technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    cause_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    return_decision: Mapped[str | None] = mapped_column(String(16))
    return_rule: Mapped[str | None] = mapped_column(String(500))
    # Issue 16 (R2.10): the arrival the customer was last told (None: a callback was promised
    # instead), and when; NULL `promised_at` means no promise was ever made (not a repair).
    promised_arrival_at: Mapped[datetime | None]
    promised_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()
    product: Mapped[Product | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    assigned_technician: Mapped[Technician | None] = relationship(
        foreign_keys=[assigned_technician_id]
    )
    cause_technician: Mapped[Technician | None] = relationship(foreign_keys=[cause_technician_id])
    cause_user: Mapped[StaffUser | None] = relationship(foreign_keys=[cause_user_id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """Append-only history: who did what, when, from which channel (R2.3)."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case_at", "case_id", "at"),  # a case's history
        # Today's calls for help (dispatch's help re-plans, each minute), not 5 N rows scanned.
        Index(
            "ix_case_events_escalations",
            "at",
            postgresql_where=text("action = 'escalate'"),
            sqlite_where=text("action = 'escalate'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # "user:3", "technician:5", "customer", "system"
    actor: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    case: Mapped[Case] = relationship(back_populates="events")
