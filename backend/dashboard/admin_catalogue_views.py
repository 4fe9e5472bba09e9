"""Administration of the catalogue (products and their parts, R4.1) and maintenance contracts
(R4.3, R7.15): the same services the API calls, from forms."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.catalog import service as catalog
from backend.dashboard import auth
from backend.dashboard.admin_forms import field, form_date, form_whole, refused, required
from backend.dashboard.i18n import gettext
from backend.errors import DomainError
from backend.people import service as people
from backend.web import db_session, now, settings

CATALOGUE = tuple(roles_for("catalogue"))
CONTRACTS = tuple(roles_for("contracts"))


def _part_from_form() -> catalog.PartInput:

    return catalog.PartInput(
        code=required("part_code", 64),
        name=required("part_name"),
        warranty_months=form_whole("part_warranty_months", 600),
        price=form_whole("part_price", settings().max_amount),
    )


def _saved_or_refused(target: str) -> ResponseReturnValue:
    db_session().commit()
    flash(gettext("Saved."), "success")
    return redirect(url_for(target))


def _refused(error: DomainError, target: str) -> ResponseReturnValue:

    db_session().rollback()
    refused(error)
    return redirect(url_for(target))


@auth.login_required(*CATALOGUE)
def products() -> ResponseReturnValue:
    return render_template(
        "dashboard/admin_products.html", products=catalog.list_products(db_session())
    )


@auth.login_required(*CATALOGUE)
def create_product() -> ResponseReturnValue:
    """A product, with a first part when its fields are filled in."""

    try:
        parts = [_part_from_form()] if field("part_code", 64) else []
        catalog.create_product(
            db_session(),
            model=required("model", 64),
            name=required("name"),
            product_line=required("product_line", 64),
            warranty_months=form_whole("warranty_months", 600),
            parts=parts,
            max_amount=settings().max_amount,
        )
    except DomainError as error:
        return _refused(error, "dashboard.admin_products")
    return _saved_or_refused("dashboard.admin_products")


@auth.login_required(*CATALOGUE)
def add_part(product_id: int) -> ResponseReturnValue:
    session = db_session()
    product = catalog.get_product(session, product_id)
    try:
        catalog.add_part(session, product, _part_from_form(), max_amount=settings().max_amount)
    except DomainError as error:
        return _refused(error, "dashboard.admin_products")
    return _saved_or_refused("dashboard.admin_products")


@auth.login_required(*CONTRACTS)
def contracts() -> ResponseReturnValue:
    return render_template(
        "dashboard/admin_contracts.html",
        contracts=catalog.list_contracts(db_session()),
        products=catalog.list_products(db_session()),
        today=calendar_for(settings()).local_date(now()),
    )


@auth.login_required(*CONTRACTS)
def create_contract() -> ResponseReturnValue:
    """A maintenance contract for a customer's unit (service category B, R4.3)."""

    session = db_session()
    try:
        customer = people.upsert_customer(
            session,
            name=required("customer_name"),
            phone=required("customer_phone", 40),
            region=settings().region,
        )
        catalog.create_contract(
            session,
            customer=customer,
            product=catalog.get_product_by_model(session, required("model", 64), field="model"),
            serial_number=required("serial_number", 64),
            starts_on=form_date("starts_on"),
            ends_on=form_date("ends_on"),
            today=calendar_for(settings()).local_date(now()),
        )
    except DomainError as error:
        return _refused(error, "dashboard.admin_contracts")
    return _saved_or_refused("dashboard.admin_contracts")


def add_routes(blueprint: Blueprint) -> None:
    product = "/admin/products/<int(max=2147483647):product_id>"
    rules = (
        ("/admin/products", "admin_products", products, "GET"),
        ("/admin/products", "admin_create_product", create_product, "POST"),
        (f"{product}/parts", "admin_add_part", add_part, "POST"),
        ("/admin/contracts", "admin_contracts", contracts, "GET"),
        ("/admin/contracts", "admin_create_contract", create_contract, "POST"),
    )
    for rule, endpoint, view, method in rules:
        blueprint.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method])
