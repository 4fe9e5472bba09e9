"""Where one case goes in a day's current plan (R4.6 online insertion): the options among our
technicians, or among the staff of eligible partners (R1.4); the chosen route stored and the
choice explained. Nothing here changes a case: flows.py applies the decision."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from backend.calendar import BusinessCalendar
from backend.cases.models import Case
from backend.dispatch.day import DayPlan, Job, Route, build_route
from backend.dispatch.decision import Assignment
from backend.dispatch.explain import LANGUAGE, assignment_note
from backend.dispatch.loader import DayContext, load_day, save_route, stored_plan
from backend.dispatch.online import Insertion, insertions
from backend.dispatch.solver import unreachable_reason
from backend.i18n import translate
from backend.partners.models import Partner
from backend.partners.service import partner_pool


def without_job(context: DayContext, plan: DayPlan, job_id: int) -> tuple[DayPlan, Route | None]:
    """`plan` with `job_id` taken out; also the route it was taken from, re-timed."""
    found = plan.route_of(job_id)
    if found is None:
        return plan, None
    route, _ = found
    crew = next(c for c in context.instance.crews if c.id == route.crew_id)
    jobs = context.instance.jobs_by_id
    rest = build_route(crew, [jobs[i] for i in route.job_ids if i != job_id])
    return DayPlan({**plan.routes, crew.id: rest}, dict(plan.unassigned)), rest


@dataclass
class Placing:
    """Where `job` would go in a day's current plan: the options, best first (nothing stored)."""

    context: DayContext
    plan: DayPlan
    old_route: Route | None
    job: Job
    options: list[Insertion]
    partner: Partner | None = None

    @property
    def found(self) -> bool:
        """Someone can take the job that day (on time or not)."""
        return bool(self.options)

    @property
    def on_time(self) -> bool:
        return bool(self.options) and self.options[0].stop.late_minutes <= 0

    @property
    def explanation(self) -> str:
        return (
            unreachable_reason(self.job, self.context.instance.crews)
            or f"no capacity left on {self.context.day.isoformat()}"
        )


def place_in_day(
    session: Session,
    calendar: BusinessCalendar,
    day: date,
    case: Case,
    now: datetime,
    barred: set[int],
    partners: dict[int, frozenset[str]] | None = None,
) -> Placing | None:
    """The options for `case` on `day` among our technicians (or the `partners` pool); None when
    the day is closed or the case is not a job to plan."""
    context = load_day(
        session,
        calendar,
        day,
        now,
        exclude={case.id: barred},
        partners=partners,
        include=(case.id,),  # whatever its urgency among the open jobs
    )
    if context is None or case.id not in context.instance.jobs_by_id:
        return None
    job = context.instance.job(case.id)
    plan, old_route = without_job(context, stored_plan(session, context), case.id)
    return Placing(context, plan, old_route, job, insertions(context.instance, plan, job))


def place_with_partners(
    session: Session,
    calendar: BusinessCalendar,
    day: date,
    case: Case,
    now: datetime,
    barred: set[int],
) -> Placing | None:
    """R1.4: the best offer among the staff of partners whose contract covers the job that day
    (zone, product line, validity) and who are not in dispute."""
    pool = partner_pool(session, case, day, barred=barred)
    if not pool:
        return None
    placing = place_in_day(session, calendar, day, case, now, barred, partners=pool)
    if placing is None or not placing.found:
        return placing
    technician = placing.context.technicians[placing.options[0].crew.id]
    placing.partner = session.get(Partner, technician.partner_id)
    return placing


def commit_placing(
    session: Session,
    placing: Placing,
    case: Case,
    now: datetime,
    *,
    manual: bool,
    reason: str | None,
) -> Assignment:
    """Store the best option's route and explain the choice."""
    context, plan, best = placing.context, placing.plan, placing.options[0]
    if placing.old_route is not None and placing.old_route.crew_id != best.crew.id:
        save_route(session, context, placing.old_route, now)
    save_route(session, context, best.route, now)
    options = placing.options
    runner_up = (
        _runner_up(context, plan, placing.job, best)
        if manual
        else (options[1] if len(options) > 1 else None)
    )
    decision = explain_choice(context, case, best, runner_up, manual=manual, reason=reason)
    if placing.partner is None:
        return decision
    offer = translate(
        LANGUAGE,
        "No own technician can arrive by the deadline: offered to partner {partner}.",
        partner=placing.partner.name,
    )
    return replace(decision, explanation=f"{offer} {decision.explanation}")


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


def explain_choice(
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
