"""Key customers (R9.6): who they are, when each is next due a visit, the visits made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.errors import NotFound, ValidationError
from backend.people.models import Customer, CustomerVisit

MAX_INTERVAL_DAYS = 3650


@dataclass(frozen=True)
class KeyCustomer:
    """A key customer with the date of their last visit and of the next one due."""

    customer: Customer
    interval_days: int
    last_visit_on: date | None
    next_visit_due_on: date


def get_customer(session: Session, customer_id: int) -> Customer:
    # Row ids are 32-bit on PostgreSQL: a larger number names no customer (and no 500).
    customer = session.get(Customer, customer_id) if 1 <= customer_id < 2**31 else None
    if customer is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    return customer


def mark_key_customer(
    session: Session, customer: Customer, *, interval_days: int, since: date
) -> Customer:
    """Flag the customer as key, visited every `interval_days` counted from `since`."""
    if not 1 <= interval_days <= MAX_INTERVAL_DAYS:
        raise ValidationError(
            f"visit_interval_days must be 1–{MAX_INTERVAL_DAYS}", field="visit_interval_days"
        )
    if not customer.key_customer:
        customer.key_since = since
    customer.key_customer = True
    customer.visit_interval_days = interval_days
    return customer


def unmark_key_customer(customer: Customer) -> Customer:
    customer.key_customer = False
    return customer


def record_visit(
    session: Session,
    customer: Customer,
    *,
    visited_on: date,
    visited_by: str,
    notes: str,
    recorded_by: int | None,
    today: date,
) -> CustomerVisit:
    """A visit made (who, when, what was said); it restarts the interval to the next one."""
    if visited_on > today:
        raise ValidationError("visited_on is in the future", field="visited_on")
    if not visited_by.strip():
        raise ValidationError("say who visited", field="visited_by")
    visit = CustomerVisit(
        customer_id=customer.id,
        visited_on=visited_on,
        visited_by=visited_by.strip()[:200],
        notes=notes.strip()[:5000],
        recorded_by=recorded_by,
    )
    session.add(visit)
    session.flush()
    return visit


def visits_of(session: Session, customer_id: int) -> list[CustomerVisit]:
    return list(
        session.scalars(
            select(CustomerVisit)
            .where(CustomerVisit.customer_id == customer_id)
            .order_by(CustomerVisit.visited_on.desc(), CustomerVisit.id.desc())
        )
    )


def key_customers(session: Session, *, default_interval: int) -> list[KeyCustomer]:
    """Every key customer, the next visit due first."""
    last_visits = (
        select(CustomerVisit.customer_id, func.max(CustomerVisit.visited_on).label("last"))
        .group_by(CustomerVisit.customer_id)
        .subquery()
    )
    rows = session.execute(
        select(Customer, last_visits.c.last)
        .outerjoin(last_visits, last_visits.c.customer_id == Customer.id)
        .where(Customer.key_customer.is_(True))
    ).all()
    listed = [_key_customer(customer, last, default_interval) for customer, last in rows]
    return sorted(listed, key=lambda row: (row.next_visit_due_on, row.customer.name))


def _key_customer(customer: Customer, last: date | None, default_interval: int) -> KeyCustomer:
    interval = customer.visit_interval_days or default_interval
    start = last or customer.key_since or customer.created_at.date()
    return KeyCustomer(customer, interval, last, start + timedelta(days=interval))
