"""/api/v1/tools, /tool-handovers, /tool-incidents, /purchase-requests (R5.5–R5.7)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.errors import NotFound, ValidationError
from backend.people.models import Role
from backend.tools import flows
from backend.tools.schemas import (
    CompensationIn,
    HandoverConfirmIn,
    HandoverIn,
    IncidentIn,
    PurchaseDecisionIn,
    PurchaseIn,
    PurchaseRequestIn,
    ToolIn,
)
from backend.tools.service import (
    get_handover,
    get_incident,
    get_purchase_request,
    get_tool,
    handover_json,
    incident_json,
    list_purchase_requests,
    list_tools,
    open_incidents,
    pending_handovers,
    purchase_request_json,
    register_tool,
    tool_json,
)
from backend.web import db_session, now, settings
from backend.web.auth import current_actor, require_roles
from backend.web.bodies import parse_body

blueprint = Blueprint("tools", __name__, url_prefix="/api/v1")

READERS = (*sorted(roles_for("tools")), Role.TECHNICIAN)  # a technician: their own tools
CONFIRMERS = (*sorted(roles_for("tool_store")), Role.TECHNICIAN)


def _row_id(value: int, field: str) -> int:
    if value > 2**31 - 1:
        raise NotFound(f"no such {field.removesuffix('_id')}", field=field)
    return value


def _own_technician() -> int | None:
    """The technician a technician's login is linked to; None for other roles."""
    actor = current_actor()
    if actor.role != Role.TECHNICIAN:
        return None
    return actor.technician_id or 0  # 0: a login linked to nobody holds nothing


@blueprint.get("/tools")
@require_roles(*READERS)
def list_tools_route() -> ResponseReturnValue:
    """The tools register; a technician sees the tools they hold."""
    holder = _own_technician()
    raw = request.args.get("holder_id")
    if holder is None and raw:
        if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= 2**31 - 1:
            raise ValidationError("holder_id must be a technician id", field="holder_id")
        holder = int(raw)
    tools = list_tools(db_session(), holder_id=holder)
    return jsonify({"items": [tool_json(tool) for tool in tools]})


@blueprint.post("/tools")
@require_roles(*roles_for("tool_register"))
def register_tool_route() -> ResponseReturnValue:
    """Register a tool (R5.5): 201; 409 for a serial number registered already."""
    body = parse_body(ToolIn)
    session = db_session()
    tool = register_tool(
        session,
        serial_number=body.serial_number,
        name=body.name,
        kind=body.kind,
        value=body.value,
        purchased_on=body.purchased_on,
        holder_id=body.holder_id,
        today=calendar_for(settings()).local_date(now()),
        now=now(),
    )
    session.commit()
    return jsonify(tool_json(tool)), 201


@blueprint.get("/tools/<int:tool_id>")
@require_roles(*READERS)
def get_tool_route(tool_id: int) -> ResponseReturnValue:
    """One tool; a technician's view stops at their own (404 for others)."""
    tool = get_tool(db_session(), _row_id(tool_id, "tool_id"))
    holder = _own_technician()
    if holder is not None and tool.holder_id != holder:
        raise NotFound(f"no tool {tool_id}", field="tool_id")
    return jsonify(tool_json(tool))


@blueprint.post("/tools/<int:tool_id>/handovers")
@require_roles(*roles_for("tool_transfers"))
def start_handover_route(tool_id: int) -> ResponseReturnValue:
    """Open a handover (R5.6): both sides confirm before the tool changes holder."""
    body = parse_body(HandoverIn)
    session = db_session()
    tool = get_tool(session, _row_id(tool_id, "tool_id"))
    handover = flows.start_handover(
        session, tool, to_technician_id=body.to_technician_id, actor=current_actor(), now=now()
    )
    session.commit()
    return jsonify(handover_json(handover)), 201


@blueprint.get("/tool-handovers")
@require_roles(*READERS)
def list_handovers_route() -> ResponseReturnValue:
    """Handovers waiting for a confirmation (a technician: their own)."""
    holder = _own_technician()
    handovers = pending_handovers(db_session(), technician_id=holder)
    return jsonify({"items": [handover_json(h) for h in handovers]})


@blueprint.post("/tool-handovers/<int:handover_id>/confirm")
@require_roles(*CONFIRMERS)
def confirm_handover_route(handover_id: int) -> ResponseReturnValue:
    """One side confirms: the technician on it, or the store's staff (403 for anyone else)."""
    body = parse_body(HandoverConfirmIn)
    session = db_session()
    handover = get_handover(session, _row_id(handover_id, "handover_id"))
    flows.confirm_handover(session, handover, side=body.side, actor=current_actor(), now=now())
    session.commit()
    return jsonify(handover_json(handover))


@blueprint.post("/tool-handovers/<int:handover_id>/cancel")
@require_roles(*roles_for("tool_transfers"))
def cancel_handover_route(handover_id: int) -> ResponseReturnValue:
    """Call off a handover still waiting (the tool stays where it is); 409 once done."""
    session = db_session()
    handover = flows.cancel_handover(get_handover(session, _row_id(handover_id, "handover_id")))
    session.commit()
    return jsonify(handover_json(handover))


@blueprint.post("/tools/<int:tool_id>/incidents")
@require_roles(*roles_for("tool_incidents"))
def report_incident_route(tool_id: int) -> ResponseReturnValue:
    """A tool lost or damaged (a technician: one they hold); a decision task opens."""
    body = parse_body(IncidentIn)
    session = db_session()
    tool = get_tool(session, _row_id(tool_id, "tool_id"))
    incident = flows.report_incident(
        session,
        tool,
        kind=body.kind,
        description=body.description,
        actor=current_actor(),
        now=now(),
    )
    session.commit()
    return jsonify(incident_json(incident)), 201


@blueprint.get("/tool-incidents")
@require_roles(*roles_for("tools"))
def list_incidents_route() -> ResponseReturnValue:
    """Loss and damage reports, undecided first."""
    return jsonify({"items": [incident_json(i) for i in open_incidents(db_session())]})


@blueprint.post("/tool-incidents/<int:incident_id>/decision")
@require_roles(*roles_for("tool_compensation"))
def decide_incident_route(incident_id: int) -> ResponseReturnValue:
    """R5.7: compensation, normal wear or a waiver; once."""
    body = parse_body(CompensationIn)
    session = db_session()
    incident = get_incident(session, _row_id(incident_id, "incident_id"))
    flows.decide_compensation(
        session,
        incident,
        decision=body.decision,
        amount=body.amount,
        note=body.note,
        actor=current_actor(),
        now=now(),
    )
    session.commit()
    return jsonify(incident_json(incident))


@blueprint.get("/purchase-requests")
@require_roles(*roles_for("purchase_requests"))
def list_purchase_requests_route() -> ResponseReturnValue:
    """Tool purchase requests, newest first."""
    requests = list_purchase_requests(db_session())
    return jsonify({"items": [purchase_request_json(r) for r in requests]})


@blueprint.post("/purchase-requests")
@require_roles(*roles_for("purchase_request_raise"))
def request_purchase_route() -> ResponseReturnValue:
    """Ask for a tool to be bought: it waits for finance (R5.7)."""
    body = parse_body(PurchaseRequestIn)
    session = db_session()
    purchase = flows.request_purchase(
        session,
        item=body.item,
        kind=body.kind,
        reason=body.reason,
        estimated_cost=body.estimated_cost,
        for_technician_id=body.for_technician_id,
        actor=current_actor(),
        now=now(),
    )
    session.commit()
    return jsonify(purchase_request_json(purchase)), 201


@blueprint.post("/purchase-requests/<int:request_id>/decision")
@require_roles(*roles_for("purchase_approval"))
def decide_purchase_route(request_id: int) -> ResponseReturnValue:
    """Finance approves or rejects (R5.7); once."""
    body = parse_body(PurchaseDecisionIn)
    session = db_session()
    purchase = get_purchase_request(session, _row_id(request_id, "request_id"))
    flows.decide_purchase(
        purchase, approved=body.approved, note=body.note, actor=current_actor(), now=now()
    )
    session.commit()
    return jsonify(purchase_request_json(purchase))


@blueprint.post("/purchase-requests/<int:request_id>/purchase")
@require_roles(*roles_for("purchasing"))
def record_purchase_route(request_id: int) -> ResponseReturnValue:
    """Purchasing records what it bought: only after finance approved (409 before)."""
    body = parse_body(PurchaseIn)
    session = db_session()
    purchase = get_purchase_request(session, _row_id(request_id, "request_id"))
    tool = flows.record_purchase(
        session,
        purchase,
        serial_number=body.serial_number,
        value=body.value,
        purchased_on=body.purchased_on,
        actor=current_actor(),
        today=calendar_for(settings()).local_date(now()),
        now=now(),
    )
    session.commit()
    return jsonify(tool_json(tool)), 201
