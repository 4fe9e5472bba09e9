"""A customer's page: who they are and everything the reader may see of their dealings with us —
cases, units, contracts, calls and rating surveys. One answer for the API and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.calls.models import PhoneCall
from backend.cases.models import Case
from backend.cases.permissions import case_filter_for
from backend.catalog.models import Contract, Unit
from backend.errors import NotFound, ValidationError
from backend.people.models import Customer
from backend.phones import normalize_phone
from backend.surveys.models import Survey

CASES_SHOWN = 200
CALLS_SHOWN = 50


@dataclass(frozen=True)
class CustomerRecord:
    customer: Customer
    cases: list[Case]  # the ones the reader may see, newest first
    units: list[Unit]
    contracts: list[Contract]
    calls: list[PhoneCall]  # about those cases, or about no case; newest first
    surveys: list[Survey]  # of those cases


def find_customers(session: Session, text: str, *, region: str, limit: int = 50) -> list[Customer]:
    """Customers whose phone is `text` when it reads as a number (any format), else whose name
    contains it; by name."""
    try:
        phone = normalize_phone(text, region=region, field="q")
    except ValidationError:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        query = select(Customer).where(Customer.name.ilike(pattern))
    else:
        query = select(Customer).where(Customer.phone == phone)
    return list(session.scalars(query.order_by(Customer.name, Customer.id).limit(limit)))


def customer_record(session: Session, actor: Actor, customer_id: int) -> CustomerRecord:
    """The customer `customer_id` as `actor` may see them; NotFound when there is none."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    cases = list(
        session.scalars(
            select(Case)
            .where(Case.customer_id == customer.id, case_filter_for(actor))
            .order_by(Case.reported_at.desc(), Case.id.desc())
            .limit(CASES_SHOWN)
        )
    )
    case_ids = [c.id for c in cases]
    calls = list(
        session.scalars(
            select(PhoneCall)
            .where(
                PhoneCall.customer_id == customer.id,
                or_(PhoneCall.case_id.is_(None), PhoneCall.case_id.in_(case_ids)),
            )
            .order_by(PhoneCall.placed_at.desc(), PhoneCall.id.desc())
            .limit(CALLS_SHOWN)
        )
    )
    surveys = list(
        session.scalars(select(Survey).where(Survey.case_id.in_(case_ids)).order_by(Survey.due_at))
    )
    units = list(session.scalars(select(Unit).where(Unit.customer_id == customer.id)))
    contracts = list(
        session.scalars(
            select(Contract).where(Contract.customer_id == customer.id).order_by(Contract.starts_on)
        )
    )
    return CustomerRecord(customer, cases, units, contracts, calls, surveys)
