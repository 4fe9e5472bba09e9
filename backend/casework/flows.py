"""The two entry points every channel calls for a case: take in a contact, take one step.

Each is the case's own operation (`intake.register_case`, `actions.take_step`) plus, where a
technician must be chosen, the dispatch flow: a repair is dispatched as soon as it is registered
(R7.14: the arrival deadline runs from the report); `assign` and `decline` are dispatch steps.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.cases.models import Case, CaseKind
from backend.casework.actions import DISPATCHED_ACTIONS, check_step, step_note, take_step
from backend.casework.intake import (
    IntakeRequest,
    case_of_intake,
    confirms_by_message,
    register_case,
)
from backend.casework.promises import confirm_repair, promise_at_intake
from backend.dispatch.flows import auto_assign, hand_on
from backend.errors import ValidationError
from backend.places.flows import locate_case
from backend.settings import Settings
from backend.stock.assessment import pre_assess

logger = logging.getLogger(__name__)


def intake_case(
    session: Session,
    request: IntakeRequest,
    *,
    settings: Settings,
    now: datetime,
    actor: Actor,
) -> Case:
    """Validate, register and route a new case, queue the customer's confirmation, and dispatch
    a repair at once (the repair manager is told when no one can take it).

    A request with an `intake_key` registers at most one case: the same confirmation again,
    even at the same moment from another process, answers with the case it registered."""
    key = request.intake_key
    if key is None:
        return _register_and_dispatch(session, request, settings=settings, now=now, actor=actor)
    if (earlier := case_of_intake(session, key)) is not None:
        return earlier
    try:
        # A savepoint: the loser of two concurrent confirmations undoes all it did and reads
        # the winner's case (the unique key makes PostgreSQL wait for the winner's commit).
        with session.begin_nested():
            return _register_and_dispatch(session, request, settings=settings, now=now, actor=actor)
    except IntegrityError:
        if (earlier := case_of_intake(session, key)) is None:
            raise
        logger.info("intake %s confirmed again: case %s", key, earlier.number)
        return earlier


def _register_and_dispatch(
    session: Session,
    request: IntakeRequest,
    *,
    settings: Settings,
    now: datetime,
    actor: Actor,
) -> Case:
    case = register_case(session, request, settings=settings, now=now, actor=actor)
    if case.kind == CaseKind.REPAIR:
        # R4.6: likely parts and minutes from the model's past repair cards, before dispatch
        # plans the visit with them and the job push names them (R4.7).
        case.pre_assessment = pre_assess(session, case)
        # Issue 17: the address placed before the visit is planned (a short wait at most).
        locate_case(session, case, settings=settings, now=now)
        auto_assign(session, case, settings=settings, now=now, actor=actor)
        promise = promise_at_intake(session, case, settings=settings, now=now)  # issue 16
        if confirms_by_message(request, case.customer):
            confirm_repair(session, case, promise, settings=settings, now=now)
    return case


def perform_action(
    session: Session,
    case: Case,
    action: str,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> Case:
    """Take one step (contract: 409 naming the allowed actions when the status forbids it)."""
    if action == "inspect" and case.kind == CaseKind.REPAIR and body.get("passed") is False:
        action = "fail_inspection"  # R7.7: `inspect` {passed: false, reason} is the same step
    if action not in DISPATCHED_ACTIONS:
        return take_step(session, case, action, actor=actor, body=body, settings=settings, now=now)
    decision = check_step(actor, case, action, body)
    if action == "assign":
        _assign(session, case, actor=actor, body=body, settings=settings, now=now)
    else:
        hand_on(
            session,
            case,
            action,
            settings=settings,
            now=now,
            actor=actor,
            note=(step_note(decision, body) or "")[:500] or None,
        )
    return case


def _assign(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> None:
    """To the technician named in the body (R4.6, with the manager's reason), else the best."""
    technician_id = body.get("technician_id")
    if technician_id is not None and (
        not isinstance(technician_id, int) or isinstance(technician_id, bool)
    ):
        raise ValidationError("technician_id must be a whole number", field="technician_id")
    reason = str(body.get("reason") or body.get("note") or "")[:500] or None  # R4.6 override
    decision = auto_assign(
        session,
        case,
        settings=settings,
        now=now,
        actor=actor,
        technician_id=technician_id,
        reason=reason,
    )
    if decision.technician is None:
        raise ValidationError(decision.explanation, field="technician_id")
