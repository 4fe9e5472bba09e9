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
from backend.dispatch.day import DayPlan, Job, Route, build_route
from backend.dispatch.decision import Assignment
from backend.dispatch.explain import assignment_note
from backend.dispatch.loader import PLANNABLE, DayContext, load_day, save_route, stored_plan
from backend.dispatch.models import DispatchPin, PlanRun, PlanStop
from backend.dispatch.online import Insertion, insertions
from backend.dispatch.service import ineligibility, refused_by, service_day
from backend.dispatch.solver import PlannerOptions, plan_day, unreachable_reason
from backend.errors import ValidationError
from backend.outbox.service import message_technician
from backend.people.models import Role, Technician
from backend.places.flows import correct_place
from backend.settings import Settings
from backend.stock.assessment import likely_lines
from backend.stock.service import van_parts
from backend.tasks.service import alert

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
            title=f"No technician for {case.number}: {decision.explanation}",
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
        },
    )
    calendar = calendar_for(settings)
    due = calendar.local(case.sla_due_at) if case.sla_due_at else None
    language = technician.language  # the technician's own, set with /language in Telegram
    van = van_parts(session, [technician.id]).get(technician.id, {})
    text = "\n".join([job_push(case, due, language), *likely_lines(case, van, language)])
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
        why = ineligibility(technician, line, day)
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


def _without_job(context: DayContext, plan: DayPlan, job_id: int) -> tuple[DayPlan, Route | None]:
    """`plan` with `job_id` taken out; also the route it was taken from, re-timed."""
    found = plan.route_of(job_id)
    if found is None:
        return plan, None
    route, _ = found
    crew = next(c for c in context.instance.crews if c.id == route.crew_id)
    jobs = context.instance.jobs_by_id
    rest = build_route(crew, [jobs[i] for i in route.job_ids if i != job_id])
    return DayPlan({**plan.routes, crew.id: rest}, dict(plan.unassigned)), rest


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
    """Insert `case` into the current plans at once: today if it fits, else the next day."""
    barred = (set(exclude) | refused_by(case)) - ({technician_id} if technician_id else set())
    if technician_id is not None:
        _pin(session, case, technician_id, reason, pinned_by, now)
    else:
        _unpin_if_refused(session, case, barred)
    first = service_day(calendar, now)
    why = None
    for day in (first, calendar.next_business_day(first)):
        context = load_day(session, calendar, day, now, exclude={case.id: barred})
        if context is None or case.id not in context.instance.jobs_by_id:
            continue
        decision = _insert(
            session, context, case, now, manual=technician_id is not None, reason=reason
        )
        if decision.technician is not None:
            return decision
        why = why or decision.explanation
    return Assignment(None, why or "no working day ahead has a technician for it")


def _insert(
    session: Session,
    context: DayContext,
    case: Case,
    now: datetime,
    *,
    manual: bool,
    reason: str | None,
) -> Assignment:
    job = context.instance.job(case.id)
    plan, old_route = _without_job(context, stored_plan(session, context), case.id)
    options = insertions(context.instance, plan, job)
    if not options:
        return Assignment(
            None,
            unreachable_reason(job, context.instance.crews)
            or f"no capacity left on {context.day.isoformat()}",
        )
    best = options[0]
    if old_route is not None and old_route.crew_id != best.crew.id:
        save_route(session, context, old_route, now)
    save_route(session, context, best.route, now)
    runner_up = (
        _runner_up(context, plan, job, best)
        if manual
        else (options[1] if len(options) > 1 else None)
    )
    return _decision(context, case, best, runner_up, manual=manual, reason=reason)


def _runner_up(
    context: DayContext,
    plan: DayPlan,
    job: Job,
    chosen: Insertion,
) -> Insertion | None:
    """The planner's own best choice besides the one made by hand."""
    free = replace(job, pinned_to=None)
    return next(
        (o for o in insertions(context.instance, plan, free) if o.crew.id != chosen.crew.id), None
    )


def _decision(
    context: DayContext,
    case: Case,
    best: Insertion,
    runner_up: Insertion | None,
    *,
    manual: bool,
    reason: str | None,
) -> Assignment:
    technician = context.technicians[best.crew.id]
    arrival = context.moment(best.stop.arrival)
    other = None
    if runner_up is not None:
        other = (
            context.technicians[runner_up.crew.id],
            runner_up.stop,
            context.moment(runner_up.stop.arrival),
        )
    note = assignment_note(
        technician,
        case.product.product_line if case.product else None,
        best.stop,
        best.route,
        arrival,
        case.sla_due_at,
        context.opening.tzinfo,
        other,
        manual_reason=reason,
        manual=manual,
    )
    return Assignment(
        technician,
        note,
        manual=manual,
        runner_up=other[0] if other else None,
        planned_arrival_at=arrival,
    )


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
    """Plan `day` afresh from `now` and apply it; None on a closed day (no plan)."""
    started = time.perf_counter()
    probe = load_day(session, calendar, day, now, delayed=delayed)
    if probe is None:
        return None
    exclude = {case_id: refused_by(case) for case_id, case in probe.cases.items()}
    context = load_day(session, calendar, day, now, exclude=exclude, delayed=delayed)
    assert context is not None
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
    _flag_unassigned(session, context, plan, now)
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
    session.execute(delete(PlanStop).where(PlanStop.day == context.day))
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
            rest, _ = _without_job(context, plan, stop.job_id)
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
            decision = _decision(
                context, case, chosen, others[0] if others else None, manual=False, reason=None
            )
            apply_assignment(session, case, decision, settings=settings, now=now, actor=SYSTEM)
            changed += 1
    return changed


def _flag_unassigned(session: Session, context: DayContext, plan: DayPlan, now: datetime) -> None:
    """A job no one can take that day goes to the repair manager at once, with the reason."""
    for job_id, why in plan.unassigned.items():
        case = context.cases.get(job_id)
        if case is None or case.assigned_technician_id is not None:
            continue
        alert(
            session,
            kind="unassigned",
            role=Role.REPAIR_MANAGER,
            case=case,
            title=f"No technician for {case.number} on {context.day.isoformat()}: {why}",
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
        context = load_day(session, calendar, day, now, exclude={case.id: barred})
        if context is None or case.id not in context.instance.jobs_by_id:
            continue
        job = replace(context.instance.job(case.id), pinned_to=None)
        plan, _ = _without_job(context, stored_plan(session, context), case.id)
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
