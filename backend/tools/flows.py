"""A tool's life (R5.5–R5.7): handover with both people confirming, loss or damage with a
compensation decision (normal wear excepted), purchase only after finance approves."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.cases.permissions import roles_for
from backend.errors import Conflict, DomainError, Forbidden, ValidationError
from backend.i18n import translate
from backend.outbox.service import message_technician
from backend.people.models import Role, Technician
from backend.tasks.service import open_task
from backend.tools.models import (
    Compensation,
    HandoverStatus,
    IncidentKind,
    PurchaseRequest,
    PurchaseStatus,
    Tool,
    ToolHandover,
    ToolIncident,
    ToolStatus,
)
from backend.tools.service import (
    list_tools,
    pending_handovers,
    register_tool,
    technician_or_422,
)

logger = logging.getLogger(__name__)

GIVE, TAKE = "give", "take"  # the two sides of a handover; Telegram buttons `tool:<side>:<id>`
CALLBACK = "tool"


# handovers ---------------------------------------------------------------------------------
def start_handover(
    session: Session, tool: Tool, *, to_technician_id: int | None, actor: Actor, now: datetime
) -> ToolHandover:
    """R5.6: a transfer opens a handover; the tool moves only when both sides confirmed."""
    if tool.status != ToolStatus.IN_SERVICE:
        raise Conflict(f"the tool is {tool.status}", field="tool_id")
    if to_technician_id == tool.holder_id:
        raise ValidationError("the tool is with them already", field="to_technician_id")
    technician_or_422(session, to_technician_id, field="to_technician_id")
    if any(h.tool_id == tool.id for h in pending_handovers(session)):
        raise Conflict("a handover of this tool is waiting already", field="tool_id")
    handover = ToolHandover(
        tool_id=tool.id,
        from_technician_id=tool.holder_id,
        to_technician_id=to_technician_id,
        status=HandoverStatus.PENDING,
        requested_by=actor.label,
        requested_at=now,
    )
    session.add(handover)
    session.flush()
    _ask_technicians(session, handover, now)
    return handover


def _side_name(session: Session, technician_id: int | None, language: str) -> str:
    if technician_id is None:
        return translate(language, "the store")
    technician = session.get(Technician, technician_id)
    return technician.name if technician is not None else "-"


def _ask_technicians(session: Session, handover: ToolHandover, now: datetime) -> None:
    """Each technician party gets a message with their confirmation button."""
    tool = handover.tool
    for side, technician_id, other_id, text, label in (
        (
            GIVE,
            handover.from_technician_id,
            handover.to_technician_id,
            "Hand over {tool} ({serial}) to {other}: confirm when you have handed it over.",
            "✅ I handed it over",
        ),
        (
            TAKE,
            handover.to_technician_id,
            handover.from_technician_id,
            "You receive {tool} ({serial}) from {other}: confirm when you have it.",
            "✅ I received it",
        ),
    ):
        technician = session.get(Technician, technician_id) if technician_id else None
        if technician is None:
            continue
        language = technician.language
        message_technician(
            session,
            technician,
            translate(
                language,
                text,
                tool=tool.name,
                serial=tool.serial_number,
                other=_side_name(session, other_id, language),
            ),
            purpose="tool_handover",
            reply_markup={
                "inline_keyboard": [
                    [
                        {
                            "text": translate(language, label),
                            "callback_data": f"{CALLBACK}:{side}:{handover.id}",
                        }
                    ]
                ]
            },
            now=now,
        )


def may_confirm(handover: ToolHandover, side: str, actor: Actor) -> bool:
    """Each side is one person's: the technician handing over or receiving, or for the store
    its staff (R5.6: both people confirm; nobody confirms for someone else)."""
    technician_id = handover.from_technician_id if side == GIVE else handover.to_technician_id
    if technician_id is not None:
        return actor.technician_id is not None and actor.technician_id == technician_id
    return actor.kind == "user" and actor.role in roles_for("tool_store")


def confirm_handover(
    session: Session, handover: ToolHandover, *, side: str, actor: Actor, now: datetime
) -> ToolHandover:
    """One side's confirmation; with both, the tool changes holder (R5.6)."""
    if side not in (GIVE, TAKE):
        raise ValidationError("side is give or take", field="side")
    if handover.status != HandoverStatus.PENDING:
        raise Conflict(f"the handover is {handover.status}", field="handover_id")
    if not may_confirm(handover, side, actor):
        raise Forbidden("only the person on that side of the handover confirms it", field="side")
    if side == GIVE:
        if handover.given_at is not None:
            raise Conflict("handing over is confirmed already", field="side")
        handover.given_by, handover.given_at = actor.label, now
    else:
        if handover.received_at is not None:
            raise Conflict("receiving is confirmed already", field="side")
        handover.received_by, handover.received_at = actor.label, now
    if handover.given_at is not None and handover.received_at is not None:
        handover.status, handover.done_at = HandoverStatus.DONE, now
        handover.tool.holder_id = handover.to_technician_id
        _tell_done(session, handover, now, except_id=actor.technician_id)
        logger.info("tool %s handed over (handover %s)", handover.tool_id, handover.id)
    return handover


def cancel_handover(handover: ToolHandover) -> ToolHandover:
    """A handover nobody will finish (a technician left, a mistake): the tool stays put."""
    if handover.status != HandoverStatus.PENDING:
        raise Conflict(f"the handover is {handover.status}", field="handover_id")
    handover.status = HandoverStatus.CANCELLED
    return handover


# loss and damage ---------------------------------------------------------------------------
def report_incident(
    session: Session,
    tool: Tool,
    *,
    kind: str,
    description: str,
    actor: Actor,
    now: datetime,
) -> ToolIncident:
    """A tool lost or damaged: out of service, and a compensation decision for the director."""
    if tool.status != ToolStatus.IN_SERVICE:
        raise Conflict(f"the tool is {tool.status}", field="tool_id")
    if actor.role == Role.TECHNICIAN and actor.technician_id != tool.holder_id:
        raise Forbidden("a technician reports only the tools they hold", field="tool_id")
    incident = ToolIncident(
        tool_id=tool.id,
        kind=IncidentKind(kind),
        technician_id=tool.holder_id,
        description=description,
        reported_by=actor.label,
        reported_at=now,
    )
    tool.status = ToolStatus.LOST if kind == IncidentKind.LOST else ToolStatus.DAMAGED
    session.add(incident)
    session.flush()
    open_task(
        session,
        kind="tool_compensation",
        role=Role.SERVICE_DIRECTOR,
        title="Decide the compensation for a lost or damaged tool",
        detail=f"{tool.name} {tool.serial_number}",
        data={"incident_id": incident.id},
        dedupe_key=f"tool_incident:{incident.id}",
    )
    return incident


def decide_compensation(
    session: Session,
    incident: ToolIncident,
    *,
    decision: str,
    amount: int,
    note: str | None,
    actor: Actor,
    now: datetime,
) -> ToolIncident:
    """R5.7: the holder compensates a lost or damaged tool, up to its value, except for normal
    wear (a damaged tool only: a lost one is never worn out) or a waiver with its reason."""
    if incident.decided_at is not None:
        raise Conflict("the compensation is decided already", field="incident_id")
    choice = Compensation(decision)
    if choice is Compensation.NORMAL_WEAR and incident.kind == IncidentKind.LOST:
        raise ValidationError("a lost tool is not normal wear", field="decision")
    if choice is Compensation.CHARGED:
        if not 1 <= amount <= incident.tool.value:
            raise ValidationError(
                f"the amount is 1 to the tool's value ({incident.tool.value})", field="amount"
            )
    elif amount != 0:
        raise ValidationError("no amount without a charge", field="amount")
    if choice is Compensation.WAIVED and not (note or "").strip():
        raise ValidationError("a waiver needs its reason", field="note")
    incident.decision, incident.amount, incident.note = choice, amount, note
    incident.decided_by, incident.decided_at = actor.label, now
    _tell_compensation(session, incident, now)
    return incident


def _tell_compensation(session: Session, incident: ToolIncident, now: datetime) -> None:
    technician = session.get(Technician, incident.technician_id) if incident.technician_id else None
    if technician is None:
        return
    language = technician.language
    tool = incident.tool
    if incident.decision == Compensation.CHARGED:
        text = translate(
            language,
            "{tool} ({serial}): you compensate {amount} KRW.",
            tool=tool.name,
            serial=tool.serial_number,
            amount=f"{incident.amount:,}",
        )
    else:
        text = translate(
            language,
            "{tool} ({serial}): no compensation is charged.",
            tool=tool.name,
            serial=tool.serial_number,
        )
    message_technician(session, technician, text, purpose="tool_compensation", now=now)


# purchases ---------------------------------------------------------------------------------
def request_purchase(
    session: Session,
    *,
    item: str,
    kind: str,
    reason: str,
    estimated_cost: int,
    for_technician_id: int | None,
    actor: Actor,
    now: datetime,
) -> PurchaseRequest:
    """A purchase request waits for finance (R5.7), who get a task."""
    technician_or_422(session, for_technician_id, field="for_technician_id")
    request = PurchaseRequest(
        item=item,
        kind=kind,
        reason=reason,
        estimated_cost=estimated_cost,
        for_technician_id=for_technician_id,
        status=PurchaseStatus.REQUESTED,
        requested_by=actor.label,
        requested_at=now,
    )
    session.add(request)
    session.flush()
    open_task(
        session,
        kind="tool_purchase",
        role=Role.FINANCE,
        title="Approve or reject a tool purchase",
        detail=f"{item} ({estimated_cost:,} KRW)",
        data={"purchase_request_id": request.id},
        dedupe_key=f"tool_purchase:{request.id}",
    )
    return request


def decide_purchase(
    request: PurchaseRequest, *, approved: bool, note: str | None, actor: Actor, now: datetime
) -> PurchaseRequest:
    """Finance's decision, once."""
    if request.status != PurchaseStatus.REQUESTED:
        raise Conflict(f"the request is {request.status}", field="request_id")
    request.status = PurchaseStatus.APPROVED if approved else PurchaseStatus.REJECTED
    request.decided_by, request.decided_at, request.decision_note = actor.label, now, note
    return request


def record_purchase(
    session: Session,
    request: PurchaseRequest,
    *,
    serial_number: str,
    value: int,
    purchased_on: date,
    actor: Actor,
    today: date,
    now: datetime,
) -> Tool:
    """Purchasing buys only what finance approved (409 before): the tool enters the register in
    the store, and a handover to the technician it was asked for opens."""
    if request.status != PurchaseStatus.APPROVED:
        raise Conflict(
            f"finance has not approved this purchase (it is {request.status})", field="request_id"
        )
    tool = register_tool(
        session,
        serial_number=serial_number,
        name=request.item,
        kind=request.kind,
        value=value,
        purchased_on=purchased_on,
        holder_id=None,
        today=today,
        now=now,
    )
    request.status, request.tool_id = PurchaseStatus.PURCHASED, tool.id
    request.purchased_by, request.purchased_at = actor.label, now
    if request.for_technician_id is not None:
        start_handover(
            session, tool, to_technician_id=request.for_technician_id, actor=actor, now=now
        )
    return tool


# the technician's Telegram -----------------------------------------------------------------
STATUS_WORDS = {
    ToolStatus.IN_SERVICE: "in service",
    ToolStatus.LOST: "reported lost",
    ToolStatus.DAMAGED: "reported damaged",
    ToolStatus.RETIRED: "retired",
}


def tools_text(session: Session, technician: Technician, language: str) -> str:
    """`/tools`: the tools registered to the technician, and handovers waiting for them."""
    tools = list_tools(session, holder_id=technician.id)
    if not tools:
        lines = [translate(language, "No tools are registered to you.")]
    else:
        lines = [translate(language, "Your tools ({count}):", count=len(tools))]
        for tool in tools:
            lines.append(
                translate(
                    language,
                    "• {tool} — serial {serial}, {status}",
                    tool=tool.name,
                    serial=tool.serial_number,
                    status=translate(language, STATUS_WORDS[ToolStatus(tool.status)]),
                )
            )
    waiting = pending_handovers(session, technician_id=technician.id)
    if waiting:
        lines.append(translate(language, "Handovers waiting: {count}", count=len(waiting)))
    return "\n".join(lines)


def handover_buttons(
    session: Session, technician: Technician, language: str
) -> dict[str, Any] | None:
    """The confirmation buttons of the technician's own unconfirmed sides."""
    rows = []
    for handover in pending_handovers(session, technician_id=technician.id):
        for side, technician_id, done in (
            (GIVE, handover.from_technician_id, handover.given_at),
            (TAKE, handover.to_technician_id, handover.received_at),
        ):
            if technician_id == technician.id and done is None:
                label = "✅ I handed it over" if side == GIVE else "✅ I received it"
                rows.append(
                    [
                        {
                            "text": f"{translate(language, label)}: {handover.tool.name}"[:60],
                            "callback_data": f"{CALLBACK}:{side}:{handover.id}",
                        }
                    ]
                )
    return {"inline_keyboard": rows} if rows else None


@dataclass(frozen=True)
class ChatReply:
    text: str
    buttons: dict[str, Any] | None = None
    clear: bool = False  # the pressed button's message loses its buttons


def tools_reply(session: Session, technician: Technician, language: str) -> ChatReply:
    """`/tools` in Telegram: the list, and a button per side the technician has to confirm."""
    return ChatReply(
        tools_text(session, technician, language), handover_buttons(session, technician, language)
    )


def tool_button(
    session: Session,
    technician: Technician,
    side: str,
    handover_id: str,
    *,
    language: str,
    now: datetime,
) -> ChatReply:
    """A handover button pressed in Telegram: that side confirmed, or why not."""
    known = handover_id.isascii() and handover_id.isdecimal() and len(handover_id) <= 9
    handover = session.get(ToolHandover, int(handover_id)) if known else None
    if handover is None or side not in (GIVE, TAKE):
        return ChatReply(translate(language, "This handover does not exist."))
    actor = Actor("technician", id=technician.id, channel="telegram", technician_id=technician.id)
    try:
        confirm_handover(session, handover, side=side, actor=actor, now=now)
    except DomainError as error:
        if isinstance(error, Conflict):
            return ChatReply(
                translate(language, "This handover is already confirmed or closed."), clear=True
            )
        return ChatReply(translate(language, "This handover is not yours to confirm."))
    if handover.status == HandoverStatus.DONE:
        return ChatReply(
            translate(
                language, "Confirmed. The handover of {tool} is complete.", tool=handover.tool.name
            ),
            clear=True,
        )
    return ChatReply(
        translate(
            language,
            "Confirmed. The handover of {tool} completes when the other side confirms too.",
            tool=handover.tool.name,
        ),
        clear=True,
    )


def _tell_done(
    session: Session, handover: ToolHandover, now: datetime, *, except_id: int | None
) -> None:
    """The technicians of the handover hear it is complete (not the one who just confirmed)."""
    for technician_id in (handover.from_technician_id, handover.to_technician_id):
        if technician_id == except_id:
            continue
        technician = session.get(Technician, technician_id) if technician_id else None
        if technician is None:
            continue
        message_technician(
            session,
            technician,
            translate(
                technician.language,
                "The handover of {tool} ({serial}) is complete.",
                tool=handover.tool.name,
                serial=handover.tool.serial_number,
            ),
            purpose="tool_handover",
            dedupe_key=f"tool_handover_done:{handover.id}:{technician.id}",
            now=now,
        )
