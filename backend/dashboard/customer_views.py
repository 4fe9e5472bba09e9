"""The customer's page: contact, cases, units, contracts, calls and ratings on one screen, and a
search by phone (any format) or name that leads to it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from backend.cases.permissions import roles_for
from backend.casework.customers import customer_record, find_customers
from backend.dashboard import auth
from backend.people.models import Customer
from backend.web import db_session, settings

READERS = tuple(roles_for("customers"))
FOUND_LIMIT = 50


@auth.login_required(*READERS)
def customers() -> ResponseReturnValue:
    """Find a customer by phone number (any format) or a part of the name."""
    text = (request.args.get("q") or "").replace("\x00", "").strip()[:100]
    found: list[Customer] = []
    error = None
    if text:
        if len(text) < 2:
            error = "Type at least two characters."
        else:
            found = find_customers(db_session(), text, region=settings().region, limit=FOUND_LIMIT)
    return render_template("dashboard/customers.html", q=text, found=found, error=error)


@auth.login_required(*READERS)
def customer_page(customer_id: int) -> ResponseReturnValue:
    """Everything the reader may see of one customer."""
    record = customer_record(db_session(), auth.current_actor(), customer_id)
    numbers = {c.id: c.number for c in record.cases}
    return render_template("dashboard/customer.html", record=record, numbers=numbers)


def add_routes(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/customers", view_func=customers, methods=["GET"])
    blueprint.add_url_rule(
        "/customers/<int(max=2147483647):customer_id>", view_func=customer_page, methods=["GET"]
    )
