"""Dispatch operations on the database: place one case at once, re-plan a day, push the plans.

The planner itself (solver.py, online.py) works on plain data; these functions load a day,
ask it, store the stops and apply the assignments with their reasons.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.calendar import BusinessCalendar
from backend.cases.models import Case
from backend.dispatch.day import DayPlan, Job, Route, build_route
from backend.dispatch.decision import Assignment
from backend.dispatch.explain import assignment_note
from backend.dispatch.loader import DayContext, load_day, save_route, stored_plan
from backend.dispatch.models import DispatchPin, PlanRun, PlanStop
from backend.dispatch.online import Insertion, insertions
from backend.dispatch.solver import PlannerOptions, plan_day, unreachable_reason
from backend.i18n import translate

logger = logging.getLogger(__name__)

REFUSALS = ("decline", "acceptance_timeout")


def service_day(calendar: BusinessCalendar, now: datetime) -> date:
    """The day a job reported `now` will be served: today in hours, else the next business day."""
    return calendar.local_date(calendar.add_working_hours(now, 0))


def refused_by(case: Case) -> set[int]:
    """Technicians who declined this case or let it time out: it does not go back to them."""
    return {
        int(e.data["technician_id"])
        for e in case.events
        if e.action in REFUSALS and e.data and e.data.get("technician_id")
    }


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


def pinned_technician(session: Session, case: Case) -> int | None:
    pin = session.get(DispatchPin, case.id)
    return pin.technician_id if pin else None


def replan_day(
    session: Session,
    *,
    calendar: BusinessCalendar,
    settings: Any,
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
    from backend.actors import SYSTEM
    from backend.cases.assignment import apply_assignment

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
    from backend.people.models import Role
    from backend.tasks.service import alert

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
        )


def day_message(
    session: Session, context_day: date, technician_id: int, tz: Any, language: str = "ko"
) -> str | None:
    """A technician's day as one message: the stops in order with arrival times."""
    from backend.cases.notices import format_moment

    stops = session.scalars(
        select(PlanStop)
        .where(PlanStop.day == context_day, PlanStop.technician_id == technician_id)
        .order_by(PlanStop.position)
    ).all()
    if not stops:
        return None
    lines = [
        translate(
            language,
            "Your day {day}: {count} job(s).",
            day=context_day.isoformat(),
            count=len(stops),
        )
    ]
    for index, stop in enumerate(stops, start=1):
        case = session.get(Case, stop.case_id)
        assert case is not None
        lines.append(
            f"{index}. {stop.arrival_at.astimezone(tz):%H:%M} {case.number} · "
            f"{case.address or '-'} · "
            + translate(
                language,
                "deadline {due}",
                due=format_moment(case.sla_due_at.astimezone(tz), language)
                if case.sla_due_at
                else "-",
            )
        )
    return "\n".join(lines)


def replan_after_help(session: Session, case: Case, *, settings: Any, now: datetime) -> None:
    """ "Need help" (R7.9): the escalation itself is immediate (the caller alerts the director);
    the re-plan of the rest of today is left to the next tick (`dispatch_help_replans`), which
    finds the request in the case history, so the request answers at once."""
    logger.info("need help on %s: the day is re-planned at the next tick", case.number)
