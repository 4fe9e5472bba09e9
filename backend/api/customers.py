"""/api/v1/customers: find a customer by phone (any format) or name, and their page — the cases
the caller may see, units and contracts (the dashboard's customer page as JSON)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from backend.api.serializers import contract_json
from backend.cases.permissions import roles_for
from backend.casework import customers as records
from backend.errors import ValidationError
from backend.people.models import Customer
from backend.web import db_session, reads_only, settings
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


@blueprint.get("/customers")
@reads_only
@require_roles(*READERS)
def find_customers() -> ResponseReturnValue:
    """At most 50 customers whose phone is `q` or whose name contains it."""
    text = (request.args.get("q") or "").replace("\x00", "").strip()
    if not 2 <= len(text) <= 100:
        raise ValidationError("q: 2 to 100 characters (a phone number or a name)", field="q")
    found = records.find_customers(db_session(), text, region=settings().region, limit=LIMIT)
    return jsonify({"items": [customer_json(c) for c in found]})


@blueprint.get("/customers/<int(max=2147483647):customer_id>")
@require_roles(*READERS)
def customer_page(customer_id: int) -> ResponseReturnValue:
    """The customer, the cases the caller may see (newest first), units, contracts, calls and
    rating surveys."""
    record = records.customer_record(db_session(), current_actor(), customer_id)
    tz = settings().tz
    numbers = {c.id: c.number for c in record.cases}
    return jsonify(
        {
            **customer_json(record.customer),
            "cases": [
                {
                    "number": c.number,
                    "kind": c.kind,
                    "status": c.status,
                    "reported_at": c.reported_at.astimezone(tz).isoformat(),
                }
                for c in record.cases
            ],
            "units": [
                {"model": u.product.model, "serial_number": u.serial_number} for u in record.units
            ],
            "contracts": [contract_json(c) for c in record.contracts],
            "calls": [
                {
                    "direction": c.direction,
                    "purpose": c.purpose,
                    "outcome": c.outcome or c.status,
                    "placed_at": c.placed_at.astimezone(tz).isoformat(),
                }
                for c in record.calls
            ],
            "surveys": [
                {"case_number": numbers[s.case_id], "status": s.status, "ratings": s.ratings}
                for s in record.surveys
            ],
        }
    )
