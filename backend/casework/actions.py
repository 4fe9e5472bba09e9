"""One step of a case's life: whether it may be taken (the permission matrix), what it changes,
whom it tells.

The steps whose technician dispatch chooses (`assign`, and `decline` which hands the job on) are
dispatch flows: every channel calls `backend.casework.flows.perform_action`, which takes those
itself and every other step here; this module does not import backend.dispatch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.calendar import calendar_for
from backend.cases.access import CaseNotVisible
from backend.cases.machine import TRANSITIONS, RepairStatus, next_status
from backend.cases.models import Case, CaseKind
from backend.cases.permissions import CaseClass, Decision, Verdict, can, case_class
from backend.cases.quotes import check_consent
from backend.cases.service import apply_transition
from backend.cases.warranty import charges_at_resolution
from backend.casework.money import (
    accept_quote,
    decline_quote,
    job_fee,
    make_quote,
    offer_payment,
    parts_and_hours,
    pay,
    schedule_of,
    take_payment,
)
from backend.casework.visits import finish_visit
from backend.catalog.promotions import promotions_for
from backend.complaints.departments import assign_to_department
from backend.complaints.flows import answer_given, complaint_reopened
from backend.complaints.routing import DepartmentCode, accountable_for
from backend.errors import Forbidden, ValidationError
from backend.i18n import message
from backend.people.models import Role, StaffUser, Technician
from backend.returns import flows as returns
from backend.settings import Settings
from backend.stock.flows import take_parts_for_job
from backend.suggestions.service import decide_reward, evaluate
from backend.tasks.service import alert
from backend.workshop import flows as workshop

logger = logging.getLogger(__name__)

# Steps that need a technician chosen: backend.casework.flows.perform_action takes them.
DISPATCHED_ACTIONS = frozenset({"assign", "decline"})


def check_step(actor: Actor, case: Case, action: str, body: dict[str, Any]) -> Decision:
    """The matrix's decision (backend/cases/permissions.py) before any change: CaseNotVisible
    (404), Forbidden (403), TransitionNotAllowed (409 naming the allowed actions), then a
    ValidationError (422) naming a field the step needs from this actor (a manager's reason)."""
    decision = can(actor, action, case)
    if decision.verdict is Verdict.HIDDEN:
        raise CaseNotVisible(decision.message, field="number")
    if action not in TRANSITIONS[case.kind]:  # no such step for this kind at all: 409 (contract)
        next_status(case.kind, case.status, action)
    if not decision.allowed:  # first: someone not allowed learns nothing of the status
        raise Forbidden(decision.message, field=decision.field_name)
    next_status(case.kind, case.status, action)
    for name in decision.requires:
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{action} needs {name}: {_why_needed(action, name)}", field=name)
    return decision


def _why_needed(action: str, name: str) -> str:
    if name == "signed_by":
        return "the customer's name as they signed (R7.4)"
    if action == "cancel":
        return "why the case is cancelled"
    return "why it is done for the technician (recorded on their behalf)"


def step_note(decision: Decision, body: dict[str, Any]) -> str | None:
    """The history's note: the reason or note given, marked when taken for the technician."""
    note = str(body.get("note") or body.get("reason") or "")[:2000] or None
    if decision.on_behalf_of is None:
        return note
    return f"on behalf of technician {decision.on_behalf_of}: {note or ''}".strip()


def take_step(
    session: Session,
    case: Case,
    action: str,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> Case:
    """Take one step that needs no dispatch decision: its effects, then the move in the history."""
    if action in DISPATCHED_ACTIONS:
        raise ValueError(f"{action} is a dispatch step: backend.casework.flows.perform_action")
    decision = check_step(actor, case, action, body)
    handler = HANDLERS.get(action)
    data = (
        handler(session, case, actor=actor, body=body, settings=settings, now=now)
        if handler
        else None
    )
    apply_transition(
        session,
        case,
        action,
        actor=actor.label,
        at=now,
        channel=actor.channel,
        note=step_note(decision, body),
        data=data
        if decision.on_behalf_of is None
        else {**(data or {}), "on_behalf_of": decision.on_behalf_of},
    )
    return case


Handler = Callable[..., dict[str, Any] | None]


def _arrive(session: Session, case: Case, *, now: datetime, **_: Any) -> dict[str, Any]:
    case.arrived_at = now
    on_time = case.sla_due_at is None or now <= case.sla_due_at
    return {"on_time": on_time}


def _work_done(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """resolve / finish_repair: parts, hours and fee → charges (R4.3, R7.7 repair card); work
    that costs the customer needs their accepted quote first (R4.11)."""
    used, hours = parts_and_hours(case, body)
    fee = job_fee(body, settings)
    in_workshop = case.status == RepairStatus.IN_WORKSHOP
    parts = [(item.part.code, item.quantity) for item in used]
    take_parts_for_job(
        session,
        case,
        parts,
        action="finish_repair" if in_workshop else "resolve",
        actor=actor.label,
        now=now,
    )
    if in_workshop:  # R7.7 the repair card: who worked, actual hours, parts from the workshop
        work = workshop.record_repair(session, case, actor=actor, hours=hours, parts=parts, now=now)
        if work.rework:  # after a failed inspection: the workshop's own fault, not charged
            return {"hours": hours, "rework": True}
    on = calendar_for(settings).local_date(now)
    charges = charges_at_resolution(
        unit=case.unit,
        category=case.service_category,
        parts=used,
        hours=hours,
        fee=fee,
        on=on,
        schedule=schedule_of(session, case, settings),
        product_line=case.product.product_line if case.product else None,
        zone=case.zone,
        transport=workshop.transport_charge(session, case),
        promotions=promotions_for(session, case.unit),  # R4.2
    )
    check_consent(case, charges)
    case.charges = charges
    case.work_hours = hours
    return {"charges": case.charges, "hours": hours}


def _resolve(session: Session, case: Case, **kwargs: Any) -> dict[str, Any]:
    data = _work_done(session, case, **kwargs)
    finish_visit(session, case, kwargs["settings"], kwargs["now"])
    offer_payment(session, case, now=kwargs["now"])
    return data


def _take_to_workshop(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """R4.10, R7.6: the goods receipt, the goods-in row, a loaner (R5.4), transport (R4.8)."""
    return workshop.take_in(session, case, body=body, actor=actor, settings=settings, now=now)


def _return_item(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """The item goes back after a passed inspection, its receipt number confirmed and a
    goods-out row written (R4.10, R7.7); a paid workshop repair is invoiced that day (R7.8)."""
    data = workshop.hand_back(session, case, body=body, actor=actor, settings=settings, now=now)
    finish_visit(session, case, settings, now)
    if (case.charges or {}).get("total") and case.payment is None:
        payment = take_payment(
            session, case, method="invoice", amount=None, by="system", settings=settings, now=now
        )
        data["invoice_number"] = payment.invoice_number
    return data


def _sign_off(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    now: datetime,
    body: dict[str, Any],
    settings: Settings,
    **_: Any,
) -> dict[str, Any]:
    case.closed_at = now
    signed_by = str(body.get("signed_by") or case.customer.name)[:200]
    data: dict[str, Any] = {"signed_by": signed_by}
    # R4.10, R7.7: a workshop job's certificate signed, in the chat or on the technician's phone
    via = "customer" if actor.kind == "customer" else "staff"
    if actor.technician_id is not None:
        via = "technician"
    workshop.record_signature(session, case, signed_by=signed_by, via=via, now=now)
    if (case.charges or {}).get("total") and case.payment is None:
        # R4.11, R7.5: not paid on the spot, so accounting invoices it.
        payment = take_payment(
            session, case, method="invoice", amount=None, by="system", settings=settings, now=now
        )
        data["invoice_number"] = payment.invoice_number
    return data


def _who(session: Session, actor: Actor) -> str:
    """A name for who acted, for people to read: the staff member's or technician's name."""
    if actor.kind == "technician" and actor.id is not None:
        technician = session.get(Technician, actor.id)
        return technician.name if technician is not None else actor.label
    if actor.kind == "user" and actor.id is not None:
        user = session.get(StaffUser, actor.id)
        return (user.name or user.email) if user is not None else actor.label
    return actor.label


def _escalate(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
    **_: Any,
) -> dict[str, Any]:
    """R7.9: a job that cannot go as scheduled goes to the service director at once."""
    about_staff = case_class(case) is CaseClass.STAFF_COMPLAINT
    target = body.get("to") or (Role.VICE_PRESIDENT if about_staff else Role.SERVICE_DIRECTOR)
    if target not in (Role.SERVICE_DIRECTOR, Role.VICE_PRESIDENT):
        raise ValidationError("to must be service_director or vice_president", field="to")
    if about_staff and target != Role.VICE_PRESIDENT:
        # R9.4: the hotline is independent of after-sales; its supervisor is the vice-president.
        raise ValidationError(
            "a complaint about after-sales staff goes only to the vice_president", field="to"
        )
    case.escalated_to = target
    if case.priority == "normal":
        case.priority = "high"
    reason = str(body.get("reason") or body.get("note") or "")[:500]
    alert(
        session,
        kind="escalation",
        role=target,
        case=case,
        title=message("Escalated: {number} by {who}", number=case.number, who=_who(session, actor)),
        detail=reason,
        dedupe_key=f"escalate:{case.number}:{len(case.events)}",
        now=now,
    )
    if case.kind == CaseKind.REPAIR and case.assigned_technician_id is not None:
        # "Need help": the dispatch duty re-plans the rest of the day at the next tick, finding
        # this escalation in the history, so the request answers at once.
        logger.info("need help on %s: the day is re-planned at the next tick", case.number)
    return {"to": target}


def _cancel(session: Session, case: Case, **_: Any) -> None:
    return None


def _route(
    session: Session, case: Case, *, body: dict[str, Any], now: datetime, **_: Any
) -> dict[str, Any]:
    department = body.get("department") or case.department
    if department not in set(DepartmentCode):
        raise ValidationError(
            f"department must be one of {', '.join(DepartmentCode)}", field="department"
        )
    if department != case.department:  # R2.3: the new department is given the task and told
        assign_to_department(
            session,
            case=case,
            department=department,
            title=message("Complaint {number} for your department", number=case.number),
            detail=case.description[:300],
            now=now,
        )
    case.department = department
    case.accountable_role = accountable_for(department)  # R9.4: to the hotline, its owner
    return {"department": department}


def _answer(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
    **_: Any,
) -> dict[str, Any]:
    """R2.10, R8.5: the customer is told the outcome; who answered and when is recorded."""
    answer = body.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise ValidationError("the answer to the customer is required", field="answer")
    user_id = actor.id if actor.kind == "user" else None
    return answer_given(
        session, case, answer.strip()[:3000], user_id=user_id, settings=settings, now=now
    )


def _reopen(
    session: Session, case: Case, *, settings: Settings, now: datetime, **_: Any
) -> dict[str, Any]:
    """R2.9: a reopened complaint is answered again, and becomes a formal case."""
    return {"formal_case": complaint_reopened(session, case, settings=settings, now=now)}


def _inspect(
    session: Session, case: Case, *, actor: Actor, body: dict[str, Any], now: datetime, **_: Any
) -> dict[str, Any] | None:
    """R7.7 workshop inspection passed; for a return, the cause and who is responsible (R3.5)."""
    if case.kind == CaseKind.RETURN:
        return returns.record_inspection(session, case, body)
    return workshop.inspect(session, case, passed=True, reason=None, actor=actor, now=now)


def _fail_inspection(
    session: Session, case: Case, *, actor: Actor, body: dict[str, Any], now: datetime, **_: Any
) -> dict[str, Any]:
    """R7.7: the inspection failed; the item goes back to repair with the reason."""
    reason = body.get("reason")
    return {
        **workshop.inspect(
            session,
            case,
            passed=False,
            reason=reason if isinstance(reason, str) else None,
            actor=actor,
            now=now,
        ),
        "reason": str(reason)[:500],
    }


def _decide(
    session: Session, case: Case, *, body: dict[str, Any], now: datetime, **_: Any
) -> dict[str, Any]:
    """R3.3–R3.4: a return's decision; its departments' tasks; the customer told."""
    return returns.decide(session, case, body, now=now)


def _close(session: Session, case: Case, *, now: datetime, **_: Any) -> None:
    case.closed_at = now


def _evaluate(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    now: datetime,
    **_: Any,
) -> dict[str, Any]:
    """R9.3: a suggestion is judged, accepted or rejected, with a note."""
    return evaluate(session, case, body=body, actor_label=actor.label, now=now)


def _reward(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
    **_: Any,
) -> dict[str, Any]:
    """R9.3: the reward decided (0: none); the customer is told the outcome (R2.10)."""
    return decide_reward(
        session,
        case,
        body=body,
        actor_label=actor.label,
        max_amount=settings.max_amount,
        now=now,
    )


HANDLERS: dict[str, Handler] = {
    "quote": make_quote,
    "accept_quote": accept_quote,
    "decline_quote": decline_quote,
    "pay": pay,
    "arrive": _arrive,
    "resolve": _resolve,
    "take_to_workshop": _take_to_workshop,
    "finish_repair": _work_done,
    "fail_inspection": _fail_inspection,
    "return_item": _return_item,
    "sign_off": _sign_off,
    "escalate": _escalate,
    "cancel": _cancel,
    "route": _route,
    "answer": _answer,
    "reopen": _reopen,
    "inspect": _inspect,
    "decide": _decide,
    "close": _close,
    "evaluate": _evaluate,
    "reward": _reward,
}
