"""Queries and small writes on cases: numbers, lookups, listings, the history, status moves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, literal, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session, joinedload, selectinload

from backend.cases.machine import NOT_ARRIVED, TERMINAL, RepairStatus, next_status
from backend.cases.models import Case, CaseEvent, CaseKind, CaseSequence, Priority
from backend.catalog.models import Unit
from backend.db import next_in_year
from backend.errors import NotFound, ValidationError
from backend.people.models import Customer
from backend.phones import normalize_phone

CASE_PREFIX = "AS"
PAGE_SIZE = 20


def next_case_number(session: Session, year: int) -> str:
    """`AS-2026-000042`: the year's sequence (unique under concurrency)."""
    return f"{CASE_PREFIX}-{year}-{next_in_year(session, CaseSequence, year):06d}"


CASE_NUMBER = re.compile(r"AS-[0-9]{4}-[0-9]{6,}")


# One statement for the case, its people, product and history: every case page, API read and
# step starts here (issue 14). Built once; building it per request cost more than running it.
CASE_BY_NUMBER = (
    select(Case)
    .where(Case.number == bindparam("number"))
    .options(
        joinedload(Case.events),
        joinedload(Case.customer),
        joinedload(Case.assigned_technician),
        joinedload(Case.product),
        joinedload(Case.unit),
    )
)


def find_case(session: Session, number: str | None) -> Case | None:
    """The case with this number, or None (a malformed number never reaches the database)."""
    if not number or not CASE_NUMBER.fullmatch(number):  # keeps NUL away from PostgreSQL
        return None
    return session.execute(CASE_BY_NUMBER, {"number": number}).unique().scalar_one_or_none()


def get_case(session: Session, number: str) -> Case:
    case = find_case(session, number)
    if case is None:
        raise NotFound(f"no case {number!r}", field="number")
    return case


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    kind: str | None = None
    channel: str | None = None
    technician_id: int | None = None
    customer_id: int | None = None
    # number, customer name or phone (any format), serial number, words of the description
    search: str | None = None
    scope: Any = None  # a WHERE clause: the cases the reader sees (permissions.case_filter_for)
    zone: str | None = None
    category: str | None = None
    late: bool = False  # R7.14: no arrival and the deadline has passed
    at_risk: bool = False  # no arrival yet, deadline ahead but warned or planned too late
    unassigned: bool = False  # a repair job no technician holds
    awaiting_acceptance: bool = False
    overdue_complaint: bool = False  # an open complaint older than COMPLAINT_OVERDUE
    mine: Any = None  # a WHERE clause: the reader's own cases (the dashboard builds it)
    reported_from: datetime | None = None
    reported_before: datetime | None = None
    now: datetime | None = None  # the moment "late" and "at risk" are judged at


@dataclass(frozen=True)
class Page:
    items: list[Case]
    page: int
    pages: int
    total: int


SORTS = ("newest", "deadline", "priority", "age")
COMPLAINT_OVERDUE = timedelta(days=2)


def _order(sort: str) -> list[Any]:
    """ORDER BY for a list sort: soonest deadline, most urgent, oldest, or newest first."""
    if sort == "deadline":
        return [Case.sla_due_at.is_(None), Case.sla_due_at, Case.id]
    if sort == "priority":
        rank = sql_case(
            (Case.priority == Priority.URGENT, 0), (Case.priority == Priority.HIGH, 1), else_=2
        )
        return [rank, Case.sla_due_at.is_(None), Case.sla_due_at, Case.id]
    if sort == "age":
        return [Case.reported_at, Case.id]
    return [Case.reported_at.desc(), Case.id.desc()]


def _clock_conditions(case_filter: CaseFilter) -> list[Any]:
    """The conditions judged at `case_filter.now`: late, at risk, overdue."""
    now = case_filter.now
    if now is None:
        return []
    conditions: list[Any] = []
    waiting = and_(Case.kind == CaseKind.REPAIR, Case.status.in_(list(NOT_ARRIVED)))
    if case_filter.late:
        conditions.append(and_(waiting, Case.sla_due_at <= now))
    if case_filter.at_risk:
        conditions.append(
            and_(
                waiting,
                Case.sla_due_at > now,
                or_(Case.sla_warn_at <= now, Case.planned_arrival_at > Case.sla_due_at),
            )
        )
    if case_filter.overdue_complaint:
        conditions.append(
            and_(
                Case.kind == CaseKind.COMPLAINT,
                Case.status.not_in(list(TERMINAL)),
                Case.reported_at <= now - COMPLAINT_OVERDUE,
            )
        )
    return conditions


def _conditions(case_filter: CaseFilter) -> list[Any]:
    """The WHERE clauses of `case_filter`."""
    f = case_filter
    equal = {
        Case.status: f.status,
        Case.kind: f.kind,
        Case.channel: f.channel,
        Case.zone: f.zone,
        Case.service_category: f.category,
        Case.assigned_technician_id: f.technician_id,
        Case.customer_id: f.customer_id,
    }
    conditions: list[Any] = [
        column == value for column, value in equal.items() if value is not None
    ]
    if f.search:
        conditions.append(_matches_search(f.search))
    if f.unassigned:
        conditions.append(and_(Case.kind == CaseKind.REPAIR, Case.status == RepairStatus.NEW))
    if f.awaiting_acceptance:
        conditions.append(and_(Case.kind == CaseKind.REPAIR, Case.status == RepairStatus.ASSIGNED))
    if f.reported_from is not None:
        conditions.append(Case.reported_at >= f.reported_from)
    if f.reported_before is not None:
        conditions.append(Case.reported_at < f.reported_before)
    conditions += _clock_conditions(f)
    conditions += [clause for clause in (f.mine, f.scope) if clause is not None]
    return conditions


def count_cases(session: Session, case_filter: CaseFilter) -> int:
    """How many cases match `case_filter` (the home page's counters)."""
    return session.scalar(select(func.count(Case.id)).where(*_conditions(case_filter))) or 0


def list_cases(
    session: Session,
    case_filter: CaseFilter,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    sort: str = "newest",
) -> Page:
    """A page of cases matching `case_filter`, newest first unless `sort` says otherwise."""
    conditions = _conditions(case_filter)
    total = session.scalar(select(func.count(Case.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    items = session.scalars(
        select(Case)
        .where(*conditions)
        .order_by(*_order(sort))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(
            # One query per relation for the whole page, not one per row (issue 14).
            selectinload(Case.events),
            joinedload(Case.customer),  # one each: joined to the page's own rows
            joinedload(Case.assigned_technician),
            joinedload(Case.product),
            joinedload(Case.unit),
        )
    ).all()
    return Page(list(items), page, pages, total)


def _phone_or_none(text: str) -> str | None:
    try:
        return normalize_phone(text)
    except ValidationError:
        return None


def _matches_search(text: str) -> Any:
    """Case number, customer name, phone in any format, serial number or every word of the
    description (LIKE wildcards in the text are taken literally)."""

    def like(part: str) -> str:
        escaped = part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    pattern = like(text)
    names = select(Customer.id).where(Customer.name.ilike(pattern, escape="\\"))
    serials = select(Unit.id).where(Unit.serial_number.ilike(pattern, escape="\\"))
    words = [like(word) for word in text.split()[:8]]
    matches = [
        Case.number.ilike(pattern, escape="\\"),
        Case.customer_id.in_(names),
        Case.unit_id.in_(serials),
        and_(*(Case.description.ilike(word, escape="\\") for word in words)),
    ]
    phone = _phone_or_none(text) if sum(c.isdigit() for c in text) >= 7 else None
    if phone is not None:
        matches.append(Case.customer_id.in_(select(Customer.id).where(Customer.phone == phone)))
    return or_(*matches)


def record_event(
    session: Session,
    case: Case,
    *,
    actor: str,
    action: str,
    at: datetime,
    channel: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append one entry to the case history (R2.3); entries are never changed afterwards."""
    event = CaseEvent(
        case=case,
        actor=actor,
        action=action,
        at=at,
        channel=channel,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
    )
    session.add(event)
    return event


def record_events(
    session: Session, case_ids: Sequence[int], *, actor: str, action: str, at: datetime, note: str
) -> None:
    """`record_event` for many cases at once, in one statement (a duty's batch of hundreds)."""
    columns = select(
        Case.id,
        literal(actor, CaseEvent.actor.type),
        literal(action, CaseEvent.action.type),
        literal(at, CaseEvent.at.type),
        literal(note, CaseEvent.note.type),
    ).where(Case.id.in_(case_ids))
    session.execute(
        insert(CaseEvent).from_select(["case_id", "actor", "action", "at", "note"], columns)
    )


def apply_transition(
    session: Session,
    case: Case,
    action: str,
    *,
    actor: str,
    at: datetime,
    channel: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    by_system: bool = False,
) -> CaseEvent:
    """Move `case` by `action` as its machine says and record the move (from → to) in the history.

    The one place a case's status changes; TransitionNotAllowed when the status forbids `action`.
    `by_system` also allows the moves only duties make (machine.SYSTEM_TRANSITIONS)."""
    previous = case.status
    case.status = next_status(case.kind, previous, action, by_system=by_system)
    return record_event(
        session,
        case,
        actor=actor,
        action=action,
        at=at,
        channel=channel,
        from_status=previous,
        to_status=case.status,
        note=note,
        data=data,
    )


def open_cases_of_customer(session: Session, customer_id: int) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .where(Case.customer_id == customer_id, Case.status.not_in(TERMINAL))
            .order_by(Case.reported_at.desc())
        )
    )
