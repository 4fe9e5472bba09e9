"""/api/v1 key customers (R9.6): the list with next visit dates, the flag, visits recorded."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field, StrictInt

from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.key_customers import service
from backend.people.models import Customer, CustomerVisit
from backend.web import db_session, now, settings
from backend.web.auth import current_user, require_roles
from backend.web.bodies import Body, parse_body

blueprint = Blueprint("key_customers", __name__, url_prefix="/api/v1")
ROLES = tuple(sorted(roles_for("key_customers")))


class KeyCustomerFlag(Body):
    """Mark a customer as key; the interval defaults to AFTERSALES_KEY_CUSTOMER_VISIT_DAYS."""

    visit_interval_days: Annotated[StrictInt, Field(ge=1, le=service.MAX_INTERVAL_DAYS)] | None = (
        None
    )


class VisitIn(Body):
    visited_on: date
    visited_by: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
    notes: Annotated[str, Field(max_length=5000)] = ""


def visit_json(visit: CustomerVisit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "visited_on": visit.visited_on.isoformat(),
        "visited_by": visit.visited_by,
        "notes": visit.notes,
    }


def key_customer_json(row: service.KeyCustomer) -> dict[str, Any]:
    customer = row.customer
    return {
        "id": customer.id,
        "name": customer.name,
        "phone": customer.phone,
        "address": customer.address,
        "key_customer": customer.key_customer,
        "key_since": customer.key_since.isoformat() if customer.key_since else None,
        "visit_interval_days": row.interval_days,
        "last_visit_on": row.last_visit_on.isoformat() if row.last_visit_on else None,
        "next_visit_due_on": row.next_visit_due_on.isoformat(),
    }


def _today() -> date:
    return calendar_for(settings()).local_date(now())


def _row(customer: Customer) -> service.KeyCustomer | None:
    rows = service.key_customers(db_session(), default_interval=settings().key_customer_visit_days)
    return next((row for row in rows if row.customer.id == customer.id), None)


def _customer_answer(customer: Customer) -> dict[str, Any]:
    row = _row(customer)
    if row is not None:
        return key_customer_json(row)
    return {"id": customer.id, "name": customer.name, "key_customer": False}


@blueprint.get("/key-customers")
@require_roles(*ROLES)
def index_key_customers() -> ResponseReturnValue:
    rows = service.key_customers(db_session(), default_interval=settings().key_customer_visit_days)
    return jsonify({"items": [key_customer_json(row) for row in rows]})


@blueprint.put("/customers/<int:customer_id>/key-customer")
@require_roles(*ROLES)
def flag_key_customer(customer_id: int) -> ResponseReturnValue:
    body = parse_body(KeyCustomerFlag, optional=True)
    session = db_session()
    customer = service.get_customer(session, customer_id)
    service.mark_key_customer(
        session,
        customer,
        interval_days=body.visit_interval_days or settings().key_customer_visit_days,
        since=_today(),
    )
    session.commit()
    return jsonify(_customer_answer(customer))


@blueprint.delete("/customers/<int:customer_id>/key-customer")
@require_roles(*ROLES)
def unflag_key_customer(customer_id: int) -> ResponseReturnValue:
    session = db_session()
    customer = service.unmark_key_customer(service.get_customer(session, customer_id))
    session.commit()
    return jsonify(_customer_answer(customer))


@blueprint.get("/customers/<int:customer_id>/visits")
@require_roles(*ROLES)
def index_visits(customer_id: int) -> ResponseReturnValue:
    session = db_session()
    customer = service.get_customer(session, customer_id)
    visits = service.visits_of(session, customer.id)
    return jsonify({"customer_id": customer.id, "items": [visit_json(v) for v in visits]})


@blueprint.post("/customers/<int:customer_id>/visits")
@require_roles(*ROLES)
def create_visit(customer_id: int) -> ResponseReturnValue:
    body = parse_body(VisitIn)
    session = db_session()
    customer = service.get_customer(session, customer_id)
    visit = service.record_visit(
        session,
        customer,
        visited_on=body.visited_on,
        visited_by=body.visited_by,
        notes=body.notes,
        recorded_by=current_user().id,
        today=_today(),
    )
    session.commit()
    return jsonify(visit_json(visit)), 201
