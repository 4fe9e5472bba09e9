"""The partners page (R1.4): partner repair shops with their contracts and staff, adding a shop and
a contract, the dispute flag, and the month's partner jobs with the amounts owed (and its CSV)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.catalog.service import product_lines
from backend.dashboard import auth, forms
from backend.dashboard.i18n import gettext
from backend.errors import DomainError, ValidationError
from backend.partners.service import (
    Statement,
    add_contract,
    create_partner,
    get_partner,
    list_partners,
    monthly_statement,
    parse_month,
    partner_staff,
    set_dispute,
    statement_csv,
)
from backend.people import service as people
from backend.people.models import Zone
from backend.web import db_session, now, settings

MANAGERS = tuple(roles_for("partners"))
ACCOUNTING = tuple(roles_for("accounting"))
READERS = tuple(sorted(set(MANAGERS) | set(ACCOUNTING)))


def _today() -> date:
    return calendar_for(settings()).local_date(now())


def _statement(month: str | None) -> Statement:
    try:
        first, following = parse_month(month, _today())
    except ValidationError:
        first, following = parse_month(None, _today())
    return monthly_statement(db_session(), first, following, settings().tz)


@auth.login_required(*READERS)
def partners() -> ResponseReturnValue:
    session = db_session()
    role = auth.signed_in_user().role
    found = list_partners(session)
    return render_template(
        "dashboard/partners.html",
        partners=found,
        staff={p.id: partner_staff(session, p) for p in found},
        statement=_statement(forms.query_text(request.args.get("month"), 7) or None)
        if role in ACCOUNTING
        else None,
        may_manage=role in MANAGERS,
        zones=list(Zone),
        lines=sorted(product_lines(session)),
        today=_today(),
    )


@auth.login_required(*ACCOUNTING)
def partner_statement_csv() -> ResponseReturnValue:
    found = _statement(forms.query_text(request.args.get("month"), 7) or None)
    response = Response(statement_csv(found, settings().tz), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="partner-statement-{found.month}.csv"'
    )
    return response


def _done(message: str) -> ResponseReturnValue:
    db_session().commit()
    flash(gettext(message), "success")
    return redirect(url_for("dashboard.partners"))


def _refused(error: DomainError) -> ResponseReturnValue:
    db_session().rollback()
    flash(gettext("Not recorded: {reason}", reason=error.message), "error")
    return redirect(url_for("dashboard.partners"))


@auth.login_required(*MANAGERS)
def add_partner() -> ResponseReturnValue:
    name = forms.query_text(request.form.get("name"), 200)
    try:
        if not name:
            raise ValidationError("a name is needed", field="name")
        create_partner(
            db_session(), name=name, phone=forms.query_text(request.form.get("phone"), 32) or None
        )
    except DomainError as error:
        return _refused(error)
    return _done("Partner added.")


def _date(name: str) -> date:
    try:
        return date.fromisoformat(forms.query_text(request.form.get(name), 10))
    except ValueError as error:
        raise ValidationError(f"{name} must look like 2026-11-27", field=name) from error


@auth.login_required(*MANAGERS)
def add_partner_contract(partner_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        partner = get_partner(session, partner_id)
        zones = [z for z in request.form.getlist("zones") if z in set(Zone)]
        lines = [forms.query_text(line, 64) for line in request.form.getlist("product_lines")]
        if not zones:
            raise ValidationError("choose at least one zone", field="zones")
        if not lines:
            raise ValidationError("choose at least one product line", field="product_lines")
        add_contract(
            session,
            partner,
            zones=zones,
            product_lines=lines,
            starts_on=_date("starts_on"),
            ends_on=_date("ends_on"),
            call_out_rate=forms.query_number(request.form.get("call_out_rate")) or 0,
            hourly_rate=forms.query_number(request.form.get("hourly_rate")) or 0,
            signed_on=_today(),
            known_lines=product_lines(session),
        )
    except DomainError as error:
        return _refused(error)
    return _done("Contract recorded.")


@auth.login_required(*MANAGERS)
def partner_dispute(partner_id: int) -> ResponseReturnValue:
    """Flag or clear a dispute; the partner's jobs not yet reached move on at the next tick."""
    session = db_session()
    try:
        partner = get_partner(session, partner_id)
        set_dispute(
            partner,
            disputed=request.form.get("disputed") == "on",
            note=forms.query_text(request.form.get("note"), 500) or None,
        )
    except DomainError as error:
        return _refused(error)
    return _done("Dispute flag saved.")


@auth.login_required(*MANAGERS)
def add_partner_staff(partner_id: int) -> ResponseReturnValue:
    """A member of the partner's staff: a technician with the partner's id; they link their
    Telegram with a link code from their technician page, like ours."""
    session = db_session()
    try:
        partner = get_partner(session, partner_id)
        zone = forms.query_text(request.form.get("zone"), 16)
        if zone not in set(Zone):
            raise ValidationError("city or suburb", field="zone")
        technician = people.create_technician(
            session,
            name=forms.query_text(request.form.get("name"), 200) or "-",
            phone=forms.query_text(request.form.get("phone"), 40),
            zone=zone,
            region=settings().region,
            certifications=[],
        )
        technician.partner_id = partner.id
    except DomainError as error:
        return _refused(error)
    return _done("Staff member added.")


def add_routes(blueprint: Blueprint) -> None:
    """The partners page and its forms, on the dashboard's blueprint."""
    blueprint.add_url_rule("/partners", view_func=partners, methods=["GET"])
    blueprint.add_url_rule("/partners", view_func=add_partner, methods=["POST"])
    blueprint.add_url_rule(
        "/partners/statement.csv", view_func=partner_statement_csv, methods=["GET"]
    )
    blueprint.add_url_rule(
        "/partners/<int:partner_id>/contracts", view_func=add_partner_contract, methods=["POST"]
    )
    blueprint.add_url_rule(
        "/partners/<int:partner_id>/dispute", view_func=partner_dispute, methods=["POST"]
    )
    blueprint.add_url_rule(
        "/partners/<int:partner_id>/technicians", view_func=add_partner_staff, methods=["POST"]
    )
