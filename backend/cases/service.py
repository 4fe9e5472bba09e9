"""Queries and small writes on cases: numbers, lookups, listings, the history, status moves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from backend.cases.machine import TERMINAL, next_status
from backend.cases.models import Case, CaseEvent, CaseSequence
from backend.errors import NotFound
from backend.people.models import Customer

CASE_PREFIX = "AS"
PAGE_SIZE = 20


def next_case_number(session: Session, year: int) -> str:
    """`AS-2026-000042`: the year's sequence, incremented atomically (unique under concurrency)."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module: Any = postgresql if dialect == "postgresql" else sqlite
        session.execute(
            module.insert(CaseSequence)
            .values(year=year, last=0)
            .on_conflict_do_nothing(index_elements=["year"])
        )
    elif session.get(CaseSequence, year) is None:  # pragma: no cover - other databases
        session.execute(insert(CaseSequence).values(year=year, last=0))
    # One UPDATE … RETURNING: the row lock serialises concurrent intakes on PostgreSQL, and
    # SQLite runs one writer at a time, so no two cases can read the same value.
    last = session.execute(
        update(CaseSequence)
        .where(CaseSequence.year == year)
        .values(last=CaseSequence.last + 1)
        .returning(CaseSequence.last)
    ).scalar_one()
    return f"{CASE_PREFIX}-{year}-{last:06d}"


CASE_NUMBER = re.compile(r"AS-[0-9]{4}-[0-9]{6,}")


def find_case(session: Session, number: str | None) -> Case | None:
    """The case with this number, or None (a malformed number never reaches the database)."""
    if not number or not CASE_NUMBER.fullmatch(number):  # keeps NUL away from PostgreSQL
        return None
    return session.scalar(
        select(Case).where(Case.number == number).options(selectinload(Case.events))
    )


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
    search: str | None = None  # part of the case number or of the customer's name
    scope: Any = None  # a WHERE clause: the cases the reader sees (permissions.case_filter_for)


@dataclass(frozen=True)
class Page:
    items: list[Case]
    page: int
    pages: int
    total: int


def list_cases(
    session: Session, case_filter: CaseFilter, *, page: int = 1, per_page: int = PAGE_SIZE
) -> Page:
    """A page of cases matching `case_filter`, newest first."""
    conditions = []
    if case_filter.status:
        conditions.append(Case.status == case_filter.status)
    if case_filter.kind:
        conditions.append(Case.kind == case_filter.kind)
    if case_filter.channel:
        conditions.append(Case.channel == case_filter.channel)
    if case_filter.technician_id is not None:
        conditions.append(Case.assigned_technician_id == case_filter.technician_id)
    if case_filter.customer_id is not None:
        conditions.append(Case.customer_id == case_filter.customer_id)
    if case_filter.search:
        conditions.append(_matches_search(case_filter.search))
    if case_filter.scope is not None:
        conditions.append(case_filter.scope)
    total = session.scalar(select(func.count(Case.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    items = session.scalars(
        select(Case)
        .where(*conditions)
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(Case.events))
    ).all()
    return Page(list(items), page, pages, total)


def _matches_search(text: str) -> Any:
    """Case number or customer name containing `text` (LIKE wildcards in it are taken literally)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    names = select(Customer.id).where(Customer.name.ilike(pattern, escape="\\"))
    return or_(Case.number.ilike(pattern, escape="\\"), Case.customer_id.in_(names))


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
