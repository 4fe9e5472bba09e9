"""/api/v1/customers: find a customer by phone (any format) or name, and their page — the cases
the caller may see, units and contracts (the dashboard's customer page as JSON)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from backend.api.serializers import contract_json
from backend.cases.models import Case
from backend.cases.permissions import case_filter_for, roles_for
from backend.catalog.models import Contract, Unit
from backend.errors import NotFound, ValidationError
from backend.people.models import Customer
from backend.phones import normalize_phone
from backend.web import db_session, settings
from backend.web.auth import current_actor, require_roles

blueprint = Blueprint("customers", __name__, url_prefix="/api/v1")
READERS = tuple(roles_for("customers"))
LIMIT = 50


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "phone": customer.phone,
        "address": customer.address,
        "zone": customer.zone,
    }


def _matching(text: str) -> list[Customer]:
    """By phone when the text reads as one (any format), else by a part of the name."""
    session = db_session()
    try:
        phone = normalize_phone(text, region=settings().region, field="q")
    except ValidationError:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        query = select(Customer).where(Customer.name.ilike(pattern))
    else:
        query = select(Customer).where(Customer.phone == phone)
    return list(session.scalars(query.order_by(Customer.name, Customer.id).limit(LIMIT)))


@blueprint.get("/customers")
@require_roles(*READERS)
def find_customers() -> ResponseReturnValue:
    """At most 50 customers whose phone is `q` or whose name contains it."""
    text = (request.args.get("q") or "").replace("\x00", "").strip()
    if not 2 <= len(text) <= 100:
        raise ValidationError("q: 2 to 100 characters (a phone number or a name)", field="q")
    return jsonify({"items": [customer_json(c) for c in _matching(text)]})


@blueprint.get("/customers/<int(max=2147483647):customer_id>")
@require_roles(*READERS)
def customer_page(customer_id: int) -> ResponseReturnValue:
    """The customer, the cases the caller may see (newest first), units and contracts."""
    session = db_session()
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    cases = session.scalars(
        select(Case)
        .where(Case.customer_id == customer.id, case_filter_for(current_actor()))
        .order_by(Case.reported_at.desc())
        .limit(200)
    )
    units = session.scalars(select(Unit).where(Unit.customer_id == customer.id))
    contracts = session.scalars(select(Contract).where(Contract.customer_id == customer.id))
    tz = settings().tz
    return jsonify(
        {
            **customer_json(customer),
            "cases": [
                {
                    "number": c.number,
                    "kind": c.kind,
                    "status": c.status,
                    "reported_at": c.reported_at.astimezone(tz).isoformat(),
                }
                for c in cases
            ],
            "units": [{"model": u.product.model, "serial_number": u.serial_number} for u in units],
            "contracts": [contract_json(c) for c in contracts],
        }
    )
