"""Case pages: the list with filters, one case with its history and action forms, staff intake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from backend.actors import Actor
from backend.api.serializers import case_json
from backend.calendar import calendar_for
from backend.calls.proactive import REQUESTS, VoiceDisabled, request_case_call
from backend.cases.access import CaseNotVisible, hidden_parts, keeps_notes, visible_case
from backend.cases.machine import ALL_ACTIONS, allowed_actions
from backend.cases.models import Case, CaseKind, Channel
from backend.cases.notes import add_note, case_notes
from backend.cases.permissions import Hide, can, permitted_actions, roles_for
from backend.cases.quotes import CONSENT_CHANNELS
from backend.casework.flows import intake_case, perform_action
from backend.casework.intake import promised_arrival
from backend.catalog.service import list_products
from backend.complaints.routing import DepartmentCode, Severity, Topic
from backend.dashboard import auth, customer_views, forms
from backend.dashboard.i18n import current_language, gettext, label, moment
from backend.dashboard.present import event_views, sla_view
from backend.dispatch.flows import assignment_options, relocate_case
from backend.errors import DomainError, NotFound
from backend.inbox.views import MEDIA_ROLES, send_case_media
from backend.money.links import invoice_url
from backend.money.models import PaymentMethod
from backend.people.models import StaffUser, Technician
from backend.web import db_session, now, settings
from backend.workshop.history import sees_unit_history

PLACE_EDITORS = roles_for("places")  # issue 17: who corrects a case's place


def _visible_case(number: str) -> Case:
    try:
        return visible_case(db_session(), auth.current_actor(), number[:40])
    except CaseNotVisible:
        abort(404)  # R6.5: someone else's job does not exist for this technician


def _permitted_actions(case: Case, actor: Actor) -> list[str]:
    """The actions the status allows now (machine.py) that this user may take (the matrix)."""
    return permitted_actions(actor, case, allowed_actions(case.kind, case.status))


@dataclass(frozen=True)
class Choice:
    """A technician in the assignment picker: predicted arrival, lateness, current, best."""

    technician: Technician
    arrival: datetime | None
    late_minutes: float
    best: bool
    current: bool
    later: bool  # arrives later than the job's current plan (or the planner's choice)


def _assignment_choices(case: Case) -> list[Choice]:
    """The planner's options for this job (R4.6 online insertion), current technician marked."""
    calendar, moment = calendar_for(settings()), now()
    options = assignment_options(db_session(), case, calendar=calendar, now=moment)
    benchmark = case.planned_arrival_at or (options[0].arrival if options else None)
    choices = [
        Choice(
            o.technician,
            o.arrival,
            o.late_minutes,
            o.best,
            o.technician.id == case.assigned_technician_id,
            benchmark is not None and o.arrival > benchmark + LATER_MARGIN,
        )
        for o in options
    ]
    held = case.assigned_technician
    if held is not None and all(not c.current for c in choices):
        choices.append(Choice(held, case.planned_arrival_at, 0.0, False, True, False))
    return choices


LATER_MARGIN = timedelta(minutes=1)


def _check_assignment(case: Case, form: forms.Form, body: dict[str, Any]) -> None:
    """A manual choice needs a reason; one that arrives later than now planned needs a tick."""
    technician_id = body.get("technician_id")
    if technician_id is None:
        return
    if not body.get("note"):
        form.fail("note", "Give the reason for choosing this technician.")
    chosen = next((c for c in _assignment_choices(case) if c.technician.id == technician_id), None)
    if chosen is not None and chosen.later and request.form.get("accept_later") != "on":
        form.fail(
            "accept_later",
            "This technician arrives later than the current plan. Tick the box to confirm.",
        )


def _case_page(
    case: Case,
    *,
    failed_action: str | None = None,
    form: forms.Form | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = db_session()
    calendar, moment = calendar_for(settings()), now()
    actor = auth.current_actor()
    hidden = hidden_parts(actor, case)
    return render_template(
        "dashboard/case.html",
        case=case,
        data=case_json(session, case, settings().tz, hidden),
        events=event_views(
            session, case, with_text=Hide.TEXT not in hidden, language=current_language()
        ),
        sla=sla_view(case, moment, calendar),
        actions=_permitted_actions(case, actor),
        requirements={
            action: can(actor, action, case).requires
            for action in allowed_actions(case.kind, case.status)
        },
        technician_choices=_assignment_choices(case)
        if case.kind == CaseKind.REPAIR and "assign" in _permitted_actions(case, actor)
        else [],
        departments=list(DepartmentCode),
        failed_action=failed_action,
        form=form or forms.Form(),
        sees_media=auth.signed_in_user().role in MEDIA_ROLES
        and not hidden & {Hide.MEDIA, Hide.TEXT},
        call_purposes=list(REQUESTS),
        now_moment=moment,
        cause_people=_cause_people() if case.kind == CaseKind.RETURN else [],
        notes=case_notes(session, case) if keeps_notes(actor, case) else None,
        customer_page=case.customer_id
        if auth.signed_in_user().role in customer_views.READERS and Hide.CUSTOMER not in hidden
        else None,
        consent_channels=[c for c in CONSENT_CHANNELS if c != "telegram"],
        payment_methods=list(PaymentMethod),
        invoice_links=_invoice_links(data_payment=case.payment),
        sees_unit_history=case.unit is not None
        and sees_unit_history(session, actor, case.unit.serial_number),
        corrects_place=auth.signed_in_user().role in PLACE_EDITORS,
    ), status


def _invoice_links(data_payment: dict[str, Any] | None) -> dict[str, str] | None:
    """R7.5: the receipt or invoice as accounting opens it, and the customer's signed link (the
    one the SMS carries); None before any payment."""
    if not data_payment or not data_payment.get("invoice_number"):
        return None
    number = str(data_payment["invoice_number"])
    links = {"customer": invoice_url(settings(), number)}
    if auth.signed_in_user().role in roles_for("accounting"):
        links["pdf"] = url_for("dashboard.invoice_document", invoice_number=number)
    return links


def _cause_people() -> list[tuple[str, str]]:
    """R3.5: the people a return's cause may be attributed to (technicians, staff)."""
    session = db_session()
    technicians = session.scalars(select(Technician).order_by(Technician.name)).all()
    users = session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)
    ).all()
    return [(f"technician:{t.id}", f"{t.name} ({label('technician')})") for t in technicians] + [
        (f"user:{u.id}", f"{u.name or u.email} ({label(u.role)})") for u in users
    ]


@auth.login_required()
def case_status(number: str) -> ResponseReturnValue:
    """The case's status alone: the page asks again to show a change without a reload."""
    return label(_visible_case(number).status)


@auth.login_required()
def case_history(number: str) -> ResponseReturnValue:
    """The history section alone, for the same live refresh."""
    session = db_session()
    case = _visible_case(number)
    hidden = hidden_parts(auth.current_actor(), case)
    events = event_views(
        session, case, with_text=Hide.TEXT not in hidden, language=current_language()
    )
    return render_template("dashboard/case_history.html", events=events)


@auth.login_required()
def add_case_note(number: str) -> ResponseReturnValue:
    """An internal note (author and time kept); never sent to the customer."""
    session = db_session()
    case = _visible_case(number)
    if not keeps_notes(auth.current_actor(), case):
        abort(403)
    user = auth.signed_in_user()
    try:
        add_note(
            session,
            case,
            author_id=user.id,
            author_name=user.name or user.email,
            text=request.form.get("text", "")[:10_000],
            now=now(),
        )
        session.commit()
    except DomainError as error:
        session.rollback()
        flash(gettext(error.message), "error")
    else:
        flash(gettext("Note added."), "success")
    return redirect(url_for("dashboard.case_page", number=case.number) + "#notes")


@auth.login_required()
def correct_place(number: str) -> ResponseReturnValue:
    """Staff put the case where it really is (issue 17); its day is re-planned."""
    if auth.signed_in_user().role not in PLACE_EDITORS:
        abort(403)
    session = db_session()
    case = _visible_case(number)
    form = forms.Form()
    point = {name: _coordinate(form, name) for name in ("lat", "lon")}
    lat, lon = point["lat"], point["lon"]
    if lat is None or lon is None:
        return _case_page(case, form=form, status=422)
    relocate_case(
        session, case, lat=lat, lon=lon, settings=settings(), now=now(), actor=auth.current_actor()
    )
    session.commit()
    flash(gettext("The place is corrected; the day is planned again."), "success")
    return redirect(url_for("dashboard.case_page", number=case.number))


def _coordinate(form: forms.Form, name: str) -> float | None:
    """A latitude or longitude within South Korea, as typed."""
    text = form.text(request.form, name, limit=20)
    low, high = (33.0, 38.7) if name == "lat" else (124.5, 132.0)
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        form.fail(name, gettext("Give a number from {low} to {high}.", low=low, high=high))
        return None
    return value


@auth.login_required()
def case_page(number: str) -> ResponseReturnValue:
    return _case_page(_visible_case(number))


@auth.login_required()
def case_action(number: str, action: str) -> ResponseReturnValue:
    """One step of the case's life through perform_action, exactly as the API takes it."""
    if action not in ALL_ACTIONS:
        abort(404)
    session = db_session()
    case = _visible_case(number)
    form, body = forms.parse_action(action, request.form, case.product)
    if body is not None and action == "assign":
        _check_assignment(case, form, body)
        body = None if form.errors else body
    if body is None:
        return _case_page(case, failed_action=action, form=form, status=422)
    try:
        perform_action(
            session,
            case,
            action,
            actor=auth.current_actor(),
            body=body,
            settings=settings(),
            now=now(),
        )
        session.commit()
    except DomainError as error:
        session.rollback()
        form.fail(
            error.field if error.field not in (None, "action", "number") else "form", error.message
        )
        return _case_page(
            _visible_case(number), failed_action=action, form=form, status=error.status
        )
    flash(gettext("Done: {action}.", action=label(action)), "success")
    return redirect(url_for("dashboard.case_page", number=case.number))


@auth.login_required(*MEDIA_ROLES)
def case_media(number: str, n: int) -> ResponseReturnValue:
    """A photo the customer sent, served as the API serves it (R6.5: not to the warehouse)."""
    case = _visible_case(number)
    try:
        if hidden_parts(auth.current_actor(), case) & {Hide.MEDIA, Hide.TEXT}:
            abort(404)
        return send_case_media(case, n)
    except NotFound:
        abort(404)


@auth.login_required(*auth.MANAGERS)
def request_call(number: str) -> ResponseReturnValue:
    """A manager asks for an opinion call (R9.5) or a mystery-customer check (R9.7)."""
    session = db_session()
    case = _visible_case(number)
    if hidden_parts(auth.current_actor(), case) & {Hide.CUSTOMER, Hide.CONTACT}:
        abort(403)  # R9.4: the customer of a complaint about after-sales is not theirs to call
    try:
        call = request_case_call(
            session,
            settings(),
            case,
            purpose=request.form.get("purpose", "")[:40],
            actor=auth.current_actor(),
            now=now(),
        )
        session.commit()
    except DomainError as error:
        session.rollback()
        flash(_call_error(error), "error")
    else:
        flash(
            gettext(
                "{purpose} queued for {moment}.",
                purpose=label(call.data["requested"]),
                moment=moment(call.placed_at),
            ),
            "success",
        )
    return redirect(url_for("dashboard.case_page", number=case.number))


def _call_error(error: DomainError) -> str:
    if isinstance(error, VoiceDisabled):
        return gettext("Calls cannot be placed: voice is not configured.")
    if error.field == "purpose" and error.code == "conflict":
        return gettext("A call with this purpose is already queued for this case that day.")
    return gettext(error.message)


def people_to_name(session: Session) -> list[tuple[str, str]]:
    """R2.4: whom a complaint may be about — ("technician:<id>" | "staff:<id>", name)."""
    technicians = session.scalars(
        select(Technician).where(Technician.active.is_(True)).order_by(Technician.name)
    ).all()
    staff = session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)
    ).all()
    return [(f"technician:{t.id}", t.name) for t in technicians] + [
        (f"staff:{u.id}", u.name or u.email) for u in staff
    ]


def _intake_page(form: forms.Form, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "dashboard/intake.html",
        form=form,
        products=list_products(db_session()),
        kinds=list(CaseKind),
        channels=[c for c in Channel if c != Channel.TELEGRAM],
        topics=list(Topic),
        severities=list(Severity),
        people=people_to_name(db_session()),
        promise=_promise_text(form.values.get("customer.zone"), form.values.get("reported_at")),
    ), status


@auth.login_required(*auth.INTAKE_ROLES)
def new_case() -> ResponseReturnValue:
    kind = request.args.get("kind")
    form = forms.Form(
        values={"kind": kind if kind in set(CaseKind) else "repair", "channel": "phone"}
    )
    return _intake_page(form)


@auth.login_required(*auth.INTAKE_ROLES)
def create_case() -> ResponseReturnValue:
    """Staff entry of a contact (R2.3, R4.5): the intake every channel uses."""
    form, intake = forms.parse_intake(request.form, settings().tz)
    if intake is None:
        return _intake_page(form, 422)
    session = db_session()
    try:
        case = intake_case(
            session, intake, settings=settings(), now=now(), actor=auth.current_actor()
        )
        session.commit()
    except DomainError as error:
        session.rollback()
        form.fail(forms.intake_field(error.field), error.message)
        return _intake_page(form, error.status)
    flash(gettext("Case {number} registered.", number=case.number), "success")
    return redirect(url_for("dashboard.case_page", number=case.number))


@auth.login_required(*auth.INTAKE_ROLES)
def promise_preview() -> ResponseReturnValue:
    """The arrival time a repair would be promised, before saving (zone + when it came in)."""
    return _promise_text(request.args.get("zone"), request.args.get("reported_at"))


def _promise_text(zone: str | None, reported_at: str | None) -> str:
    if zone not in ("city", "suburb"):
        return gettext("Choose the zone to see the promised arrival time.")
    form = forms.Form()
    data = MultiDict({"reported_at": reported_at or ""})
    reported = forms.local_moment(form, data, "reported_at", settings().tz)
    due = promised_arrival(settings(), zone, reported or now())
    return gettext("Promised arrival by {moment}", moment=moment(due))


def add_routes(blueprint: Blueprint) -> None:
    """The case pages (detail, actions, media, calls, intake) on the dashboard."""
    blueprint.add_url_rule("/cases/<number>", view_func=case_page, methods=["GET"])
    blueprint.add_url_rule(
        "/cases/<number>/actions/<action>", view_func=case_action, methods=["POST"]
    )
    blueprint.add_url_rule("/cases/<number>/media/<int:n>", view_func=case_media, methods=["GET"])
    blueprint.add_url_rule("/cases/<number>/calls", view_func=request_call, methods=["POST"])
    blueprint.add_url_rule("/cases/<number>/notes", view_func=add_case_note, methods=["POST"])
    blueprint.add_url_rule("/cases/<number>/place", view_func=correct_place, methods=["POST"])
    blueprint.add_url_rule("/cases/<number>/status", view_func=case_status, methods=["GET"])
    blueprint.add_url_rule("/cases/<number>/history", view_func=case_history, methods=["GET"])
    blueprint.add_url_rule("/cases/new", view_func=new_case, methods=["GET"])
    blueprint.add_url_rule("/cases/new/promise", view_func=promise_preview, methods=["GET"])
    blueprint.add_url_rule("/cases/new", view_func=create_case, methods=["POST"])
