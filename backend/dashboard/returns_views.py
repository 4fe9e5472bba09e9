"""Returns (R3) and key customers (R9.6): the returns list, the key-customer list with each
next visit, the forms that flag a customer and record a visit (the API's own services)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.cases.access import visible_cases
from backend.cases.models import CaseKind
from backend.cases.permissions import roles_for
from backend.cases.service import CaseFilter
from backend.dashboard import auth, forms
from backend.dashboard.i18n import gettext
from backend.errors import DomainError
from backend.key_customers import service as key_customers
from backend.people.service import get_customer_by_phone
from backend.phones import normalize_phone
from backend.web import db_session, now, settings

KEY_CUSTOMER_ROLES = tuple(sorted(roles_for("key_customers")))


@auth.login_required()
def returns() -> ResponseReturnValue:
    """The returns this user sees (the matrix's scope), newest first, with cause and decision."""
    page_number = forms.query_number(request.args.get("page"), maximum=100_000) or 1
    status = forms.query_text(request.args.get("status"), 24) or None
    page = visible_cases(
        db_session(),
        auth.current_actor(),
        CaseFilter(kind=CaseKind.RETURN, status=status),
        page=page_number,
    )
    return render_template("dashboard/returns.html", page=page, status=status)


def _today() -> date:
    return calendar_for(settings()).local_date(now())


def _key_customers_page(form: forms.Form, status: int = 200) -> ResponseReturnValue:
    rows = key_customers.key_customers(
        db_session(), default_interval=settings().key_customer_visit_days
    )
    return render_template(
        "dashboard/key_customers.html",
        rows=rows,
        form=form,
        today=_today(),
        default_interval=settings().key_customer_visit_days,
    ), status


@auth.login_required(*KEY_CUSTOMER_ROLES)
def key_customer_list() -> ResponseReturnValue:
    return _key_customers_page(forms.Form())


@auth.login_required(*KEY_CUSTOMER_ROLES)
def flag_key_customer() -> ResponseReturnValue:
    """Mark a customer (found by phone number) as key, with a visit interval."""
    form = forms.Form()
    phone = form.text(request.form, "phone", limit=40)
    interval = forms.query_number(form.text(request.form, "visit_interval_days", limit=5))
    session = db_session()
    try:
        customer = get_customer_by_phone(
            session, normalize_phone(phone, region=settings().region, field="phone")
        )
        if customer is None:
            form.fail("phone", "No customer has this phone number.")
            return _key_customers_page(form, 422)
        key_customers.mark_key_customer(
            session,
            customer,
            interval_days=interval or settings().key_customer_visit_days,
            since=_today(),
        )
        session.commit()
    except DomainError as error:
        session.rollback()
        form.fail(error.field or "phone", error.message)
        return _key_customers_page(form, error.status)
    flash(gettext("{name} is a key customer.", name=customer.name), "success")
    return redirect(url_for("dashboard.key_customer_list"))


@auth.login_required(*KEY_CUSTOMER_ROLES)
def record_visit(customer_id: int) -> ResponseReturnValue:
    """A visit made to a key customer: who went, when, what was said."""
    form = forms.Form()
    session = db_session()
    visited_by = form.text(request.form, "visited_by")
    notes = form.text(request.form, "notes", limit=5000)
    try:
        visited_on = date.fromisoformat(form.text(request.form, "visited_on", limit=20))
    except ValueError:
        form.fail("visited_on", "a date like 2026-01-31")
        return _key_customers_page(form, 422)
    try:
        customer = key_customers.get_customer(session, customer_id)
        key_customers.record_visit(
            session,
            customer,
            visited_on=visited_on,
            visited_by=visited_by,
            notes=notes,
            recorded_by=auth.signed_in_user().id,
            today=_today(),
        )
        session.commit()
    except DomainError as error:
        session.rollback()
        form.fail(error.field or "form", error.message)
        return _key_customers_page(form, error.status)
    flash(gettext("Visit recorded."), "success")
    return redirect(url_for("dashboard.key_customer_list"))


def add_routes(blueprint: Blueprint) -> None:
    """The returns list and the key-customer pages on the dashboard."""
    blueprint.add_url_rule("/returns", view_func=returns, methods=["GET"])
    blueprint.add_url_rule("/key-customers", view_func=key_customer_list, methods=["GET"])
    blueprint.add_url_rule("/key-customers", view_func=flag_key_customer, methods=["POST"])
    blueprint.add_url_rule(
        "/key-customers/<int:customer_id>/visits", view_func=record_visit, methods=["POST"]
    )
