"""The tools pages (R5.5–R5.7): the register with its handovers, loss and damage reports and
compensation decisions; purchase requests with finance's decision and the purchase. Each form
is offered only to the roles the matrix lets, and each step goes through backend.tools.flows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from backend.actors import Actor
from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.dashboard import auth, forms
from backend.dashboard.i18n import gettext
from backend.errors import DomainError, ValidationError
from backend.people.models import Role, Technician
from backend.people.service import technician_for_user
from backend.tools import flows
from backend.tools.models import Compensation, IncidentKind, ToolKind
from backend.tools.service import (
    get_handover,
    get_incident,
    get_purchase_request,
    get_tool,
    list_purchase_requests,
    list_tools,
    open_incidents,
    pending_handovers,
    register_tool,
)
from backend.web import db_session, now, settings

READERS = (*sorted(roles_for("tools")), Role.TECHNICIAN)
KIND_NAMES = {ToolKind.TOOL: "Tool", ToolKind.TEST_EQUIPMENT: "Test equipment"}
DECISION_NAMES = {
    Compensation.CHARGED: "Compensation charged",
    Compensation.NORMAL_WEAR: "Normal wear: no compensation",
    Compensation.WAIVED: "Waived",
}
STATUS_NAMES = {
    "in_service": "in service",
    "lost": "reported lost",
    "damaged": "reported damaged",
    "retired": "retired",
    "requested": "Requested",
    "approved": "Approved",
    "rejected": "Rejected",
    "purchased": "Purchased",
}


def _actor() -> Actor:
    user = auth.signed_in_user()
    technician = technician_for_user(db_session(), user) if user.role == Role.TECHNICIAN else None
    return Actor(
        "user",
        id=user.id,
        role=user.role,
        channel="web",
        technician_id=technician.id if technician else None,
    )


def _today() -> date:
    return calendar_for(settings()).local_date(now())


def _whole(data: MultiDict[str, str], name: str, *, maximum: int = 100_000_000) -> int:
    text = (data.get(name) or "").strip().replace(",", "")
    if not (text.isascii() and text.isdecimal()) or len(text) > 9 or int(text) > maximum:
        raise ValidationError(f"{name} must be a whole number", field=name)
    return int(text)


def _day(data: MultiDict[str, str], name: str) -> date:
    try:
        return date.fromisoformat((data.get(name) or "").strip())
    except ValueError as error:
        raise ValidationError("a date like 2026-01-31", field=name) from error


def _kind(data: MultiDict[str, str]) -> str:
    kind = data.get("kind") or ""
    return kind if kind in set(ToolKind) else ToolKind.TOOL


def _technician_id(data: MultiDict[str, str], name: str) -> int | None:
    return forms.query_number(data.get(name), maximum=2**31 - 1)


def _text(data: MultiDict[str, str], name: str, limit: int, *, required: bool = True) -> str:
    value = forms.Form().text(data, name, limit=limit)
    if required and not value:
        raise ValidationError(f"{name} is required", field=name)
    return value


def _saved(step: Callable[[], object], page: str) -> ResponseReturnValue:
    """Run one step from a form: committed and "Saved.", or the refusal shown and nothing kept."""
    session = db_session()
    try:
        step()
    except DomainError as error:
        session.rollback()
        flash(gettext("Not saved: {reason}", reason=error.message), "error")
        return redirect(url_for(page))
    session.commit()
    flash(gettext("Saved."), "success")
    return redirect(url_for(page))


def _row(value: int) -> int:
    if value > 2**31 - 1:
        abort(404)
    return value


@auth.login_required(*READERS)
def tools_page() -> ResponseReturnValue:
    """The register (a technician: their own tools), handovers waiting, loss and damage."""
    actor = _actor()
    session = db_session()
    own = actor.role == Role.TECHNICIAN
    holder = (actor.technician_id or 0) if own else None
    technicians = list(
        session.scalars(select(Technician).where(Technician.active).order_by(Technician.name))
    )
    handovers = pending_handovers(session, technician_id=holder)
    return render_template(
        "dashboard/tools.html",
        tools=list_tools(session, holder_id=holder),
        handovers=handovers,
        may_confirm={
            (h.id, side): flows.may_confirm(h, side, actor)
            for h in handovers
            for side in (flows.GIVE, flows.TAKE)
        },
        incidents=[] if own else open_incidents(session),
        technicians=technicians,
        names={t.id: t.name for t in technicians},
        kinds=KIND_NAMES,
        statuses=STATUS_NAMES,
        decisions=DECISION_NAMES,
        incident_kinds=list(IncidentKind),
        may_register=actor.role in roles_for("tool_register"),
        may_transfer=actor.role in roles_for("tool_transfers"),
        may_report=actor.role in roles_for("tool_incidents"),
        may_decide=actor.role in roles_for("tool_compensation"),
    )


@auth.login_required(*roles_for("tool_register"))
def tools_register() -> ResponseReturnValue:
    data = request.form
    return _saved(
        lambda: register_tool(
            db_session(),
            serial_number=_text(data, "serial_number", 64),
            name=_text(data, "name", 200),
            kind=_kind(data),
            value=_whole(data, "value"),
            purchased_on=_day(data, "purchased_on"),
            holder_id=_technician_id(data, "holder_id"),
            today=_today(),
            now=now(),
        ),
        "dashboard.tools_page",
    )


@auth.login_required(*roles_for("tool_transfers"))
def tools_transfer(tool_id: int) -> ResponseReturnValue:
    session = db_session()
    return _saved(
        lambda: flows.start_handover(
            session,
            get_tool(session, _row(tool_id)),
            to_technician_id=_technician_id(request.form, "to_technician_id"),
            actor=_actor(),
            now=now(),
        ),
        "dashboard.tools_page",
    )


@auth.login_required(*roles_for("tool_store"), Role.TECHNICIAN)
def tools_confirm(handover_id: int) -> ResponseReturnValue:
    session = db_session()
    return _saved(
        lambda: flows.confirm_handover(
            session,
            get_handover(session, _row(handover_id)),
            side=request.form.get("side") or "",
            actor=_actor(),
            now=now(),
        ),
        "dashboard.tools_page",
    )


@auth.login_required(*roles_for("tool_transfers"))
def tools_cancel(handover_id: int) -> ResponseReturnValue:
    session = db_session()
    return _saved(
        lambda: flows.cancel_handover(get_handover(session, _row(handover_id))),
        "dashboard.tools_page",
    )


@auth.login_required(*roles_for("tool_incidents"))
def tools_incident(tool_id: int) -> ResponseReturnValue:
    session = db_session()
    kind = request.form.get("kind") or ""
    return _saved(
        lambda: flows.report_incident(
            session,
            get_tool(session, _row(tool_id)),
            kind=kind if kind in set(IncidentKind) else IncidentKind.DAMAGED,
            description=_text(request.form, "description", 2000),
            actor=_actor(),
            now=now(),
        ),
        "dashboard.tools_page",
    )


@auth.login_required(*roles_for("tool_compensation"))
def tools_decision(incident_id: int) -> ResponseReturnValue:
    session = db_session()
    data = request.form
    decision = data.get("decision") or ""
    if decision not in set(Compensation):
        decision = Compensation.CHARGED
    return _saved(
        lambda: flows.decide_compensation(
            session,
            get_incident(session, _row(incident_id)),
            decision=decision,
            amount=_whole(data, "amount") if (data.get("amount") or "").strip() else 0,
            note=_text(data, "note", 2000, required=False) or None,
            actor=_actor(),
            now=now(),
        ),
        "dashboard.tools_page",
    )


@auth.login_required(*roles_for("purchase_requests"))
def purchase_requests_page() -> ResponseReturnValue:
    """Purchase requests: raise one, finance decides, purchasing records the purchase."""
    session = db_session()
    role = auth.signed_in_user().role
    technicians = list(
        session.scalars(select(Technician).where(Technician.active).order_by(Technician.name))
    )
    return render_template(
        "dashboard/purchase_requests.html",
        requests=list_purchase_requests(session),
        technicians=technicians,
        names={t.id: t.name for t in technicians},
        kinds=KIND_NAMES,
        statuses=STATUS_NAMES,
        may_raise=role in roles_for("purchase_request_raise"),
        may_approve=role in roles_for("purchase_approval"),
        may_purchase=role in roles_for("purchasing"),
    )


@auth.login_required(*roles_for("purchase_request_raise"))
def purchase_requests_new() -> ResponseReturnValue:
    data = request.form
    kind = _kind(data)
    return _saved(
        lambda: flows.request_purchase(
            db_session(),
            item=_text(data, "item", 200),
            kind=kind,
            reason=_text(data, "reason", 2000),
            estimated_cost=_whole(data, "estimated_cost"),
            for_technician_id=_technician_id(data, "for_technician_id"),
            actor=_actor(),
            now=now(),
        ),
        "dashboard.purchase_requests_page",
    )


@auth.login_required(*roles_for("purchase_approval"))
def purchase_requests_decide(request_id: int) -> ResponseReturnValue:
    session = db_session()
    return _saved(
        lambda: flows.decide_purchase(
            get_purchase_request(session, _row(request_id)),
            approved=request.form.get("approved") == "yes",
            note=_text(request.form, "note", 2000, required=False) or None,
            actor=_actor(),
            now=now(),
        ),
        "dashboard.purchase_requests_page",
    )


@auth.login_required(*roles_for("purchasing"))
def purchase_requests_purchase(request_id: int) -> ResponseReturnValue:
    session = db_session()
    data = request.form
    return _saved(
        lambda: flows.record_purchase(
            session,
            get_purchase_request(session, _row(request_id)),
            serial_number=_text(data, "serial_number", 64),
            value=_whole(data, "value"),
            purchased_on=_day(data, "purchased_on"),
            actor=_actor(),
            today=_today(),
            now=now(),
        ),
        "dashboard.purchase_requests_page",
    )


def add_routes(blueprint: Blueprint) -> None:
    """The tools and purchase-request pages and their forms, on the dashboard's blueprint."""
    rules: list[tuple[str, Callable[..., ResponseReturnValue], str]] = [
        ("/tools", tools_page, "GET"),
        ("/tools", tools_register, "POST"),
        ("/tools/<int:tool_id>/handovers", tools_transfer, "POST"),
        ("/tools/handovers/<int:handover_id>/confirm", tools_confirm, "POST"),
        ("/tools/handovers/<int:handover_id>/cancel", tools_cancel, "POST"),
        ("/tools/<int:tool_id>/incidents", tools_incident, "POST"),
        ("/tools/incidents/<int:incident_id>/decision", tools_decision, "POST"),
        ("/purchase-requests", purchase_requests_page, "GET"),
        ("/purchase-requests", purchase_requests_new, "POST"),
        ("/purchase-requests/<int:request_id>/decision", purchase_requests_decide, "POST"),
        ("/purchase-requests/<int:request_id>/purchase", purchase_requests_purchase, "POST"),
    ]
    for rule, view, method in rules:
        blueprint.add_url_rule(rule, view_func=view, methods=[method])
