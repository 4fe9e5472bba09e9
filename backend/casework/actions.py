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
from backend.bounds import check_amount
from backend.calendar import calendar_for
from backend.cases.access import CaseNotVisible
from backend.cases.machine import TRANSITIONS, RepairStatus, next_status
from backend.cases.models import Case, CaseKind
from backend.cases.notices import service_certificate
from backend.cases.permissions import CaseClass, Decision, Verdict, can, case_class
from backend.cases.service import apply_transition
from backend.cases.warranty import charges_at_resolution, resolve_parts
from backend.casework.intake import fee_schedule
from backend.complaints.routing import DepartmentCode, accountable_for
from backend.errors import Forbidden, ValidationError
from backend.outbox.service import message_customer
from backend.people.models import Role
from backend.settings import Settings
from backend.stock.flows import take_parts_for_job
from backend.surveys.service import schedule_survey
from backend.tasks.service import alert

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
    """resolve / finish_repair: parts, hours and fee → charges (R4.3, R7.7 repair card)."""
    parts = body.get("parts") or []
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise ValidationError("parts is a list of {code, quantity}", field="parts")
    hours = body.get("hours", 0)
    if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 <= hours <= 100:
        raise ValidationError("hours must be a number 0–100", field="hours")
    fee = body.get("fee")
    if fee is not None and (not isinstance(fee, int) or isinstance(fee, bool) or fee < 0):
        raise ValidationError("fee must be a whole amount ≥ 0", field="fee")
    if fee is not None:
        check_amount(fee, maximum=settings.max_amount, field="fee")  # finding 15
    used = resolve_parts(case.product, parts)
    take_parts_for_job(
        session,
        case,
        [(item.part.code, item.quantity) for item in used],
        action="finish_repair" if case.status == RepairStatus.IN_WORKSHOP else "resolve",
        actor=actor.label,
        now=now,
    )
    on = calendar_for(settings).local_date(now)
    case.charges = charges_at_resolution(
        unit=case.unit,
        category=case.service_category,
        parts=used,
        hours=float(hours),
        fee=fee,
        on=on,
        schedule=fee_schedule(settings),
    )
    case.work_hours = float(hours)
    return {"charges": case.charges, "hours": hours}


def _resolve(session: Session, case: Case, **kwargs: Any) -> dict[str, Any]:
    data = _work_done(session, case, **kwargs)
    _finish(session, case, kwargs["settings"], kwargs["now"])
    return data


def _return_item(
    session: Session, case: Case, *, settings: Settings, now: datetime, **_: Any
) -> None:
    _finish(session, case, settings, now)


def _finish(session: Session, case: Case, settings: Settings, now: datetime) -> None:
    """The job is done: ask the customer to sign the certificate; the survey follows (R8.3)."""
    case.resolved_at = now
    schedule_survey(session, case, settings=settings, done_at=now)
    language = case.customer.language
    message_customer(
        session,
        case.customer,
        service_certificate(case, language),
        case=case,
        purpose="sign_off_request",
        dedupe_key=f"signoff:{case.number}:{len(case.events)}",
        reply_markup={
            "inline_keyboard": [
                [
                    {
                        "text": "✅ 확인" if language == "ko" else "✅ Confirm",
                        "callback_data": f"case:sign_off:{case.number}",
                    }
                ]
            ]
        },
        now=now,
    )


def _sign_off(
    session: Session, case: Case, *, now: datetime, body: dict[str, Any], **_: Any
) -> dict[str, Any]:
    case.closed_at = now
    signed_by = str(body.get("signed_by") or case.customer.name)[:200]
    return {"signed_by": signed_by}


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
        title=f"Escalated: {case.number} ({case.status}) by {actor.label}",
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


def _route(session: Session, case: Case, *, body: dict[str, Any], **_: Any) -> dict[str, Any]:
    department = body.get("department") or case.department
    if department not in set(DepartmentCode):
        raise ValidationError(
            f"department must be one of {', '.join(DepartmentCode)}", field="department"
        )
    case.department = department
    case.accountable_role = accountable_for(department)  # R9.4: to the hotline, its owner
    return {"department": department}


def _answer(
    session: Session, case: Case, *, body: dict[str, Any], now: datetime, **_: Any
) -> dict[str, Any]:
    """R2.10, R8.5: the customer is told the outcome."""
    answer = body.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise ValidationError("the answer to the customer is required", field="answer")
    message_customer(
        session,
        case.customer,
        f"[{case.number}] {answer.strip()[:3000]}",
        case=case,
        purpose="answer",
        dedupe_key=f"answer:{case.number}:{len(case.events)}",
        now=now,
    )
    return {"answer": answer.strip()[:3000]}


def _inspect(session: Session, case: Case, *, body: dict[str, Any], **_: Any) -> dict[str, Any]:
    """R7.7 workshop inspection; for a return, the cause and who is responsible (R3.5)."""
    data: dict[str, Any] = {}
    if case.kind == CaseKind.RETURN:
        cause = body.get("cause_department")
        if cause not in set(DepartmentCode):
            raise ValidationError(
                f"cause_department must be one of {', '.join(DepartmentCode)}",
                field="cause_department",
            )
        data["cause_department"] = cause
    return data


def _close(session: Session, case: Case, *, now: datetime, **_: Any) -> None:
    case.closed_at = now


HANDLERS: dict[str, Handler] = {
    "arrive": _arrive,
    "resolve": _resolve,
    "finish_repair": _work_done,
    "return_item": _return_item,
    "sign_off": _sign_off,
    "escalate": _escalate,
    "cancel": _cancel,
    "route": _route,
    "answer": _answer,
    "inspect": _inspect,
    "close": _close,
}
