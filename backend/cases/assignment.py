"""Applying a dispatch decision to a case: status, history, the job push, or the manager's flag."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.calendar import calendar_for
from backend.cases.models import Case
from backend.cases.notices import job_buttons, job_push
from backend.cases.service import record_event
from backend.dispatch.service import Assignment, choose_technician
from backend.outbox.service import message_technician
from backend.people.models import Role
from backend.settings import Settings
from backend.tasks.service import alert


def auto_assign(
    session: Session,
    case: Case,
    *,
    settings: Settings,
    now: datetime,
    actor: Actor,
    technician_id: int | None = None,
    exclude: Collection[int] = (),
    reason: str | None = None,
) -> Assignment:
    """Dispatch `case` (to `technician_id` when named) and record it; flag it when no one can."""
    decision = choose_technician(
        session,
        case,
        calendar=calendar_for(settings),
        now=now,
        technician_id=technician_id,
        exclude=exclude,
        reason=reason,
        actor_label=actor.label,
    )
    if decision.technician is None:
        record_event(
            session, case, actor="system", action="unassignable", at=now, note=decision.explanation
        )
        alert(
            session,
            kind="unassigned",
            role=Role.REPAIR_MANAGER,
            title=f"No technician for {case.number}: {decision.explanation}",
            case=case,
            dedupe_key=f"unassigned:{case.number}:{case.events[-1].id if case.events else 0}",
        )
        return decision
    apply_assignment(session, case, decision, settings=settings, now=now, actor=actor)
    return decision


def apply_assignment(
    session: Session,
    case: Case,
    decision: Assignment,
    *,
    settings: Settings,
    now: datetime,
    actor: Actor,
) -> None:
    technician = decision.technician
    assert technician is not None
    previous = case.status
    case.assigned_technician = technician
    case.assigned_technician_id = technician.id
    case.assigned_at = now
    case.status = "assigned"
    record_event(
        session,
        case,
        actor=actor.label if decision.manual else "system",
        action="assign",
        at=now,
        channel=actor.channel,
        from_status=previous,
        to_status="assigned",
        note=decision.explanation,
        data={
            "technician_id": technician.id,
            "manual": decision.manual,
            "runner_up_id": decision.runner_up.id if decision.runner_up else None,
        },
    )
    calendar = calendar_for(settings)
    due = calendar.local(case.sla_due_at) if case.sla_due_at else None
    language = technician.language  # the technician's own, set with /language in Telegram
    message_technician(
        session,
        technician,
        job_push(case, due, language),
        case=case,
        purpose="job_push",
        reply_markup=job_buttons(case, language),
        dedupe_key=f"job:{case.number}:{technician.id}:{len(case.events)}",
    )
