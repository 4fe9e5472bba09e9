"""Dispatch operations on the database: choose the technician for a case and apply it (status,
history, the job push), place one case at once, hand a refused job on, re-plan a day.

The planner itself (solver.py, online.py) works on plain data; these functions load a day,
ask it, store the stops and apply the assignments with their reasons. Queries and pure decisions
(who is eligible, which day, who refused) are in service.py, which never imports this module.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from backend.actors import SYSTEM, Actor
from backend.calendar import BusinessCalendar, calendar_for
from backend.cases.models import Case
from backend.cases.notices import job_buttons, job_push
from backend.cases.service import apply_transition, record_event
from backend.dispatch.day import DayPlan
from backend.dispatch.decision import Assignment
from backend.dispatch.loader import (
    PLANNABLE,
    DayContext,
    load_day,
    save_route,
    stored_plan,
    with_barred,
)
from backend.dispatch.models import DispatchPin, PlanRun, PlanStop
from backend.dispatch.online import Insertion, insertions
from backend.dispatch.placing import (
    commit_placing,
    explain_choice,
    place_in_day,
    place_with_partners,
    without_job,
)
from backend.dispatch.service import ineligibility, refusals, refused_by, service_day
from backend.dispatch.solver import PlannerOptions, plan_day
from backend.errors import ValidationError
from backend.i18n import message
from backend.outbox.service import message_technician
from backend.partners.models import Partner
from backend.partners.service import (
    partner_ineligibility,
    partner_pool,
    partner_technician_ids,
)
from backend.people.models import Role, Technician
from backend.places.flows import correct_place
from backend.settings import Settings
from backend.stock.assessment import likely_lines
from backend.stock.service import van_parts
from backend.tasks.service import alert
from backend.workshop.history import history_lines

logger = logging.getLogger(__name__)


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
            title=message("No technician for {number}", number=case.number),
            detail=decision.explanation,
            case=case,
            dedupe_key=f"unassigned:{case.number}:{case.events[-1].id if case.events else 0}",
            now=now,
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
    """The case's `assign` step with the decision's reasons, and the technician's job push."""
    technician = decision.technician
    assert technician is not None
    case.assigned_technician = technician
    case.assigned_technician_id = technician.id
    case.assigned_at = now
    apply_transition(
        session,
        case,
        "assign",
        actor=actor.label if decision.manual else "system",
        at=now,
        channel=actor.channel,
        note=decision.explanation,
        data={
            "technician_id": technician.id,
            "manual": decision.manual,
            "runner_up_id": decision.runner_up.id if decision.runner_up else None,
            "partner_id": technician.partner_id,  # R1.4: a partner's staff
        },
    )
    calendar = calendar_for(settings)
    due = calendar.local(case.sla_due_at) if case.sla_due_at else None
    language = technician.language  # the technician's own, set with /language in Telegram
    van = van_parts(session, [technician.id]).get(technician.id, {})
    text = "\n".join(
        [
            job_push(case, due, language),
            *likely_lines(case, van, language),
            *history_lines(session, case, language),  # R6.1 the unit's earlier repairs
        ]
    )
    message_technician(
        session,
        technician,
        text,
        case=case,
        purpose="job_push",
        reply_markup=job_buttons(case, language),
        dedupe_key=f"job:{case.number}:{technician.id}:{len(case.events)}",
        now=now,
    )


def hand_on(
    session: Session,
    case: Case,
    action: str,
    *,
    settings: Settings,
    now: datetime,
    actor: Actor = SYSTEM,
    note: str | None = None,
) -> Assignment:
    """The technician gave the job back (`decline`) or let it time out (`acceptance_timeout`):
    the case is new again, and goes at once to someone who has not refused it."""
    technician_id = case.assigned_technician_id
    case.assigned_technician_id, case.assigned_technician = None, None
    apply_transition(
        session,
        case,
        action,
        actor=actor.label,
        at=now,
        channel=actor.channel,
        note=note,
        data={"technician_id": technician_id},
        by_system=actor.kind == "system",
    )
    return auto_assign(
        session, case, settings=settings, now=now, actor=SYSTEM, exclude=refused_by(case)
    )


def choose_technician(
    session: Session,
    case: Case,
    *,
    calendar: BusinessCalendar,
    now: datetime,
    technician_id: int | None = None,
    exclude: Collection[int] = (),
    reason: str | None = None,
    actor_label: str = "system",
) -> Assignment:
    """Who takes `case`, placed in their day: the named technician if allowed (R4.6), else the
    one whose plan takes it with the fewest late arrivals, least lateness and least driving."""
    if technician_id is not None:
        technician = session.get(Technician, technician_id)
        if technician is None:
            raise ValidationError(f"no technician {technician_id}", field="technician_id")
        day = service_day(calendar, now)
        line = case.product.product_line if case.product else None
        why = _ineligibility(session, technician, case, line, day)
        if why:
            raise ValidationError(
                f"{technician.name} cannot take this job: {why}", field="technician_id"
            )
    decision = place_case(
        session,
        case,
        calendar=calendar,
        now=now,
        technician_id=technician_id,
        exclude=exclude,
        reason=reason,
        pinned_by=actor_label,
    )
    if technician_id is not None and decision.technician is None:
        raise ValidationError(
            f"no room in that technician's day: {decision.explanation}", field="technician_id"
        )
    return decision


def _ineligibility(
    session: Session, technician: Technician, case: Case, line: str | None, day: date
) -> str | None:
    """Why the named technician cannot take `case` on `day`; a partner's staff by the partner's
    contract (zones, lines, validity) and dispute flag (R1.4), ours by certification (R4.4)."""
    if technician.partner_id is None:
        return ineligibility(technician, line, day)
    partner = session.get(Partner, technician.partner_id)
    why = partner_ineligibility(partner, case.zone, line, day) if partner else "no partner"
    if why is None and not technician.works_on(day):
        why = f"not working on {day.isoformat()}"
    return why


def place_case(
    session: Session,
    case: Case,
    *,
    calendar: BusinessCalendar,
    now: datetime,
    technician_id: int | None = None,
    exclude: Collection[int] = (),
    reason: str | None = None,
    pinned_by: str = "system",
) -> Assignment:
    """Insert `case` into the current plans at once: today if it fits, else the next day.

    R1.4: when none of our own technicians can arrive by the deadline that day, the job is
    offered to an eligible partner's staff who can (or, when no own technician can take it at
    all, to a partner even if late)."""
    barred = (set(exclude) | refused_by(case)) - ({technician_id} if technician_id else set())
    if technician_id is not None:
        _pin(session, case, technician_id, reason, pinned_by, now)
    else:
        _unpin_if_refused(session, case, barred)
    named = session.get(Technician, technician_id) if technician_id is not None else None
    first = service_day(calendar, now)
    why = None
    for day in (first, calendar.next_business_day(first)):
        pool = None
        if named is not None and named.partner_id is not None:  # a partner's staff, by hand
            pool = {
                k: lines
                for k, lines in partner_pool(session, case, day, barred=barred).items()
                if k == named.id
            }
            if not pool:
                why = why or f"{named.name}'s partner cannot take it on {day.isoformat()}"
                continue
        own = place_in_day(session, calendar, day, case, now, barred, partners=pool)
        own_found = own is not None and own.found
        if technician_id is None and (own is None or not own.on_time):
            partner = place_with_partners(session, calendar, day, case, now, barred)
            if partner is not None and partner.found and (partner.on_time or not own_found):
                return commit_placing(session, partner, case, now, manual=False, reason=reason)
        if own is None:
            continue
        if own.found:
            return commit_placing(
                session, own, case, now, manual=technician_id is not None, reason=reason
            )
        why = why or own.explanation
    return Assignment(None, why or "no working day ahead has a technician for it")


def _pin(
    session: Session, case: Case, technician_id: int, reason: str | None, by: str, now: datetime
) -> None:
    """R4.6: the repair manager's choice, kept by every later re-plan."""
    pin = session.get(DispatchPin, case.id)
    if pin is None:
        pin = DispatchPin(case_id=case.id, technician_id=technician_id, pinned_by=by)
        session.add(pin)
    pin.technician_id, pin.reason, pin.pinned_by, pin.pinned_at = technician_id, reason, by, now
    session.flush()


def _unpin_if_refused(session: Session, case: Case, barred: set[int]) -> None:
    pin = session.get(DispatchPin, case.id)
    if pin is not None and pin.technician_id in barred:
        session.delete(pin)
        session.flush()


def replan_day(
    session: Session,
    *,
    calendar: BusinessCalendar,
    settings: Settings,
    day: date,
    now: datetime,
    kind: str,
    delayed: dict[int, float] | None = None,
    options: PlannerOptions | None = None,
) -> PlanRun | None:
    """Plan `day` afresh from `now` and apply it; None on a closed day (no plan).

    The plan covers the jobs `load_day` puts in the day's instance: the most urgent the crews
    could take and those the plan must keep. Every change below (stops, planned arrivals,
    assignments, partner offers, "no technician" alerts) is made only to those; an open job
    left out of the instance keeps its status, technician and planned arrival, and is not
    reported as one that could not be planned: nobody tried to plan it today."""
    started = time.perf_counter()
    context = load_day(session, calendar, day, now, delayed=delayed)
    if context is None:
        return None
    context.instance = with_barred(context.instance, refusals(session, context.cases))
    previous = stored_plan(session, context)
    has_previous = any(route.stops for route in previous.routes.values())
    options = options or PlannerOptions(log_search=settings.dispatch_solver_log)
    plan = plan_day(context.instance, options, initial=previous if has_previous else None)
    _store(session, context, plan, now)
    assigned = _apply(session, context, plan, settings=settings, now=now)
    run = PlanRun(
        day=day,
        kind=kind,
        at=now,
        jobs=len(context.instance.jobs),
        assigned=assigned,
        unassigned=len(plan.unassigned),
        seconds=round(time.perf_counter() - started, 3),
    )
    session.add(run)
    _offer_or_flag_unassigned(session, calendar, context, plan, settings=settings, now=now)
    session.flush()
    logger.info(
        "planned %s (%s): %d jobs, %d unassigned, %.1f s",
        day,
        kind,
        run.jobs,
        run.unassigned,
        run.seconds,
    )
    return run


def _store(session: Session, context: DayContext, plan: DayPlan, now: datetime) -> None:
    """The plan's routes as the day's stops; an arrival planned today for a job the plan now
    leaves out is cleared. Jobs outside the instance hold no stop of the day (load_day keeps
    every job with one), so deleting the day's stops loses none of theirs."""
    # Partner staff's stops are not ours to re-plan (R1.4): they stay.
    session.execute(
        delete(PlanStop).where(
            PlanStop.day == context.day,
            PlanStop.technician_id.not_in(partner_technician_ids(session)),
        )
    )
    for route in plan.routes.values():
        save_route(session, context, route, now)
    for job_id in plan.unassigned:
        case = context.cases.get(job_id)
        planned = case.planned_arrival_at if case is not None else None
        if (
            case is not None
            and planned is not None
            and (context.opening <= planned <= context.closing)
        ):
            case.planned_arrival_at = None  # not today after all


def _apply(
    session: Session, context: DayContext, plan: DayPlan, *, settings: Any, now: datetime
) -> int:
    """Hand each case whose technician changed to the new one, with the reasons."""
    changed = 0
    for route in plan.routes.values():
        for position, stop in enumerate(route.stops):
            case = context.cases[stop.job_id]
            if case.assigned_technician_id == route.crew_id:
                continue
            rest, _ = without_job(context, plan, stop.job_id)
            job = context.instance.job(stop.job_id)
            others = [
                o
                for o in insertions(context.instance, rest, replace(job, pinned_to=None))
                if o.crew.id != route.crew_id
            ]
            chosen = Insertion(
                next(c for c in context.instance.crews if c.id == route.crew_id),
                position,
                route,
                0,
                0.0,
                0.0,
                route.load_minutes,
            )
            decision = explain_choice(
                context, case, chosen, others[0] if others else None, manual=False, reason=None
            )
            apply_assignment(session, case, decision, settings=settings, now=now, actor=SYSTEM)
            changed += 1
    return changed


def _offer_or_flag_unassigned(
    session: Session,
    calendar: BusinessCalendar,
    context: DayContext,
    plan: DayPlan,
    *,
    settings: Settings,
    now: datetime,
) -> None:
    """A job none of our technicians can take that day is offered to an eligible partner
    (R1.4); when none can take it either, it goes to the repair manager at once, with the reason."""
    for job_id, why in plan.unassigned.items():
        case = context.cases.get(job_id)
        if case is None or case.assigned_technician_id is not None:
            continue
        partner = place_with_partners(session, calendar, context.day, case, now, refused_by(case))
        if partner is not None and partner.found:
            decision = commit_placing(session, partner, case, now, manual=False, reason=None)
            apply_assignment(session, case, decision, settings=settings, now=now, actor=SYSTEM)
            continue
        alert(
            session,
            kind="unassigned",
            role=Role.REPAIR_MANAGER,
            case=case,
            title=message(
                "No technician for {number} on {day}",
                number=case.number,
                day=context.day.isoformat(),
            ),
            detail=why,
            dedupe_key=f"unassigned:{case.number}:{context.day.isoformat()}",
            now=now,
        )


@dataclass(frozen=True)
class AssignmentOption:
    """One technician who could take a job: the arrival the planner predicts, and lateness."""

    technician: Technician
    arrival: datetime
    late_minutes: float
    lateness_added: float  # minutes of lateness the insertion adds to their whole route
    best: bool  # the planner's own choice


def assignment_options(
    session: Session, case: Case, *, calendar: BusinessCalendar, now: datetime
) -> list[AssignmentOption]:
    """Each technician who could take `case` on its service day, best first, as online insertion
    (R4.6) would place it in their current route. Nothing is stored: a preview for the manager."""
    barred = refused_by(case)
    first = service_day(calendar, now)
    for day in (first, calendar.next_business_day(first)):
        context = load_day(
            session, calendar, day, now, exclude={case.id: barred}, include=(case.id,)
        )
        if context is None or case.id not in context.instance.jobs_by_id:
            continue
        job = replace(context.instance.job(case.id), pinned_to=None)
        plan, _ = without_job(context, stored_plan(session, context), case.id)
        found = insertions(context.instance, plan, job)
        if found:
            return [
                AssignmentOption(
                    context.technicians[option.crew.id],
                    context.moment(option.stop.arrival),
                    option.stop.late_minutes,
                    option.lateness_added,
                    best=index == 0,
                )
                for index, option in enumerate(found)
            ]
    return []


def relocate_case(
    session: Session,
    case: Case,
    *,
    lat: float,
    lon: float,
    settings: Settings,
    now: datetime,
    actor: Actor,
) -> PlanRun | None:
    """Staff put a case where it really is; a job still to be visited has its day re-planned."""
    correct_place(case, lat=lat, lon=lon)
    # The history says it was moved, not where to: coordinates are the customer's personal data.
    record_event(session, case, actor=actor.label, action="relocate", at=now)
    session.flush()
    if case.kind != "repair" or case.status not in PLANNABLE:
        return None
    calendar = calendar_for(settings)
    day = service_day(calendar, max(now, case.reported_at))
    return replan_day(session, calendar=calendar, settings=settings, day=day, now=now, kind="place")
