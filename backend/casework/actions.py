"""One step of a case's life: who may take it, what it changes, whom it tells.

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
from backend.cases.machine import next_status
from backend.cases.models import Case, CaseKind
from backend.cases.notices import service_certificate
from backend.cases.service import apply_transition
from backend.cases.warranty import charges_at_resolution, resolve_parts
from backend.casework.intake import fee_schedule
from backend.complaints.routing import DepartmentCode
from backend.errors import Forbidden, ValidationError
from backend.outbox.service import message_customer
from backend.people.models import Role
from backend.settings import Settings
from backend.surveys.service import schedule_survey
from backend.tasks.service import alert

logger = logging.getLogger(__name__)

TECHNICIAN_ACTIONS = frozenset(
    {"accept", "decline", "depart", "arrive", "resolve", "take_to_workshop", "escalate"}
)
CUSTOMER_ACTIONS = frozenset({"sign_off"})
STAFF_ROLES_FOR: dict[str, frozenset[str]] = {
    "assign": frozenset(
        {Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN, Role.RECEPTIONIST}
    ),
    "inspect": frozenset(
        {Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN, Role.WAREHOUSE_CLERK}
    ),
    "route": frozenset(
        {Role.SERVICE_DIRECTOR, Role.HOTLINE_OFFICER, Role.ADMIN, Role.VICE_PRESIDENT}
    ),
    "answer": frozenset(
        {
            Role.SERVICE_DIRECTOR,
            Role.HOTLINE_OFFICER,
            Role.ADMIN,
            Role.VICE_PRESIDENT,
            Role.RECEPTIONIST,
        }
    ),
    "close": frozenset(
        {
            Role.SERVICE_DIRECTOR,
            Role.HOTLINE_OFFICER,
            Role.ADMIN,
            Role.VICE_PRESIDENT,
            Role.RECEPTIONIST,
        }
    ),
}
# Everything else a staff user may do when their role takes part in repairs.
REPAIR_STAFF = frozenset(
    {
        Role.REPAIR_MANAGER,
        Role.SERVICE_DIRECTOR,
        Role.ADMIN,
        Role.RECEPTIONIST,
        Role.WAREHOUSE_CLERK,
    }
)


def authorize(actor: Actor, case: Case, action: str) -> None:
    """Raise Forbidden unless `actor` may take `action` on `case` (R6.5: technicians: own jobs)."""
    if actor.kind == "system":
        return
    if actor.kind == "customer":
        if action not in CUSTOMER_ACTIONS or actor.id != case.customer_id:
            raise Forbidden("customers may only sign off their own cases", field="action")
        return
    if actor.role == Role.TECHNICIAN or actor.kind == "technician":
        if action not in TECHNICIAN_ACTIONS or actor.technician_id is None:
            raise Forbidden(f"a technician cannot {action} a case", field="action")
        if case.assigned_technician_id != actor.technician_id:
            raise Forbidden("this job is assigned to someone else", field="number")
        return
    default = REPAIR_STAFF if case.kind == CaseKind.REPAIR else REPAIR_STAFF | {Role.VICE_PRESIDENT}
    allowed = STAFF_ROLES_FOR.get(action, default)
    if actor.role not in allowed:
        raise Forbidden(f"the {actor.role} role cannot {action} this case", field="action")


# Steps that need a technician chosen: backend.casework.flows.perform_action takes them.
DISPATCHED_ACTIONS = frozenset({"assign", "decline"})


def check_step(actor: Actor, case: Case, action: str) -> None:
    """Forbidden, or TransitionNotAllowed (409 naming the allowed actions), before any change."""
    authorize(actor, case, action)  # first: someone not allowed learns nothing of the status
    next_status(case.kind, case.status, action)


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
    check_step(actor, case, action)
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
        note=str(body.get("note") or body.get("reason") or "")[:2000] or None,
        data=data,
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
    target = body.get("to") or Role.SERVICE_DIRECTOR
    if target not in (Role.SERVICE_DIRECTOR, Role.VICE_PRESIDENT):
        raise ValidationError("to must be service_director or vice_president", field="to")
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
