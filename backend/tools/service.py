"""Queries and rows of the tools register (keyword-only, taking a session)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.errors import Conflict, NotFound, ValidationError
from backend.people.models import Technician
from backend.tools.models import (
    HandoverStatus,
    PurchaseRequest,
    Tool,
    ToolHandover,
    ToolIncident,
    ToolKind,
    ToolStatus,
)


def get_tool(session: Session, tool_id: int) -> Tool:
    tool = session.get(Tool, tool_id)
    if tool is None:
        raise NotFound(f"no tool {tool_id}", field="tool_id")
    return tool


def get_handover(session: Session, handover_id: int) -> ToolHandover:
    handover = session.get(ToolHandover, handover_id)
    if handover is None:
        raise NotFound(f"no handover {handover_id}", field="handover_id")
    return handover


def get_incident(session: Session, incident_id: int) -> ToolIncident:
    incident = session.get(ToolIncident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}", field="incident_id")
    return incident


def get_purchase_request(session: Session, request_id: int) -> PurchaseRequest:
    request = session.get(PurchaseRequest, request_id)
    if request is None:
        raise NotFound(f"no purchase request {request_id}", field="request_id")
    return request


def technician_or_422(session: Session, technician_id: int | None, *, field: str) -> None:
    """A named technician must exist (and be active to receive anything)."""
    if technician_id is None:
        return
    technician = session.get(Technician, technician_id)
    if technician is None or not technician.active:
        raise ValidationError("no such active technician", field=field)


def list_tools(session: Session, *, holder_id: int | None = None) -> list[Tool]:
    query = select(Tool).order_by(Tool.name, Tool.serial_number)
    if holder_id is not None:
        query = query.where(Tool.holder_id == holder_id)
    return list(session.scalars(query))


def pending_handovers(session: Session, *, technician_id: int | None = None) -> list[ToolHandover]:
    """Handovers waiting for a confirmation; with `technician_id`, those that involve them."""
    query = select(ToolHandover).where(ToolHandover.status == HandoverStatus.PENDING)
    if technician_id is not None:
        query = query.where(
            or_(
                ToolHandover.from_technician_id == technician_id,
                ToolHandover.to_technician_id == technician_id,
            )
        )
    return list(session.scalars(query.order_by(ToolHandover.id)))


def open_incidents(session: Session) -> list[ToolIncident]:
    return list(
        session.scalars(
            select(ToolIncident).order_by(ToolIncident.decided_at.is_not(None), ToolIncident.id)
        )
    )


def list_purchase_requests(session: Session) -> list[PurchaseRequest]:
    return list(session.scalars(select(PurchaseRequest).order_by(PurchaseRequest.id.desc())))


def register_tool(
    session: Session,
    *,
    serial_number: str,
    name: str,
    kind: str,
    value: int,
    purchased_on: date,
    holder_id: int | None,
    today: date,
    now: datetime,
) -> Tool:
    """A tool in the register (R5.5); a serial number is registered once (409)."""
    if purchased_on > today:
        raise ValidationError("the purchase date is in the future", field="purchased_on")
    if session.scalar(select(Tool.id).where(Tool.serial_number == serial_number)) is not None:
        raise Conflict(
            f"serial number {serial_number} is registered already", field="serial_number"
        )
    technician_or_422(session, holder_id, field="holder_id")
    tool = Tool(
        serial_number=serial_number,
        name=name,
        kind=ToolKind(kind),
        value=value,
        purchased_on=purchased_on,
        holder_id=holder_id,
        status=ToolStatus.IN_SERVICE,
        created_at=now,
    )
    session.add(tool)
    session.flush()
    return tool


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def handover_json(handover: ToolHandover) -> dict[str, Any]:
    return {
        "id": handover.id,
        "tool_id": handover.tool_id,
        "from_technician_id": handover.from_technician_id,
        "to_technician_id": handover.to_technician_id,
        "status": handover.status,
        "requested_by": handover.requested_by,
        "requested_at": _moment(handover.requested_at),
        "given_by": handover.given_by,
        "given_at": _moment(handover.given_at),
        "received_by": handover.received_by,
        "received_at": _moment(handover.received_at),
        "done_at": _moment(handover.done_at),
    }


def tool_json(tool: Tool) -> dict[str, Any]:
    return {
        "id": tool.id,
        "serial_number": tool.serial_number,
        "name": tool.name,
        "kind": tool.kind,
        "value": tool.value,
        "purchased_on": tool.purchased_on.isoformat(),
        "holder": None if tool.holder is None else {"id": tool.holder.id, "name": tool.holder.name},
        "status": tool.status,
    }


def incident_json(incident: ToolIncident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "tool_id": incident.tool_id,
        "kind": incident.kind,
        "technician_id": incident.technician_id,
        "description": incident.description,
        "reported_by": incident.reported_by,
        "reported_at": _moment(incident.reported_at),
        "decision": incident.decision,
        "amount": incident.amount,
        "note": incident.note,
        "decided_by": incident.decided_by,
        "decided_at": _moment(incident.decided_at),
    }


def purchase_request_json(request: PurchaseRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "item": request.item,
        "kind": request.kind,
        "reason": request.reason,
        "estimated_cost": request.estimated_cost,
        "for_technician_id": request.for_technician_id,
        "status": request.status,
        "requested_by": request.requested_by,
        "requested_at": _moment(request.requested_at),
        "decided_by": request.decided_by,
        "decided_at": _moment(request.decided_at),
        "decision_note": request.decision_note,
        "purchased_by": request.purchased_by,
        "purchased_at": _moment(request.purchased_at),
        "tool_id": request.tool_id,
    }
