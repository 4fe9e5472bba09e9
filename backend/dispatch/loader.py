"""Between the database and the planner's plain data: a day's technicians and open jobs in,
stored stops out. Times become minutes from the day's opening and back."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, text
from sqlalchemy.orm import Session, selectinload

from backend.calendar import BusinessCalendar
from backend.cases.machine import COMMITTED, NOT_ARRIVED, RepairStatus
from backend.cases.models import REPAIR_NOT_ARRIVED, Case
from backend.dispatch.day import Crew, DayInstance, DayPlan, Job, Route, build_route
from backend.dispatch.models import DispatchPin, PlanStop
from backend.dispatch.travel import Place, locate
from backend.people.models import Technician
from backend.stock.service import van_parts

# Jobs a plan may (re)order; a technician on site is busy, not a stop. Once a technician has
# accepted or set off (machine.COMMITTED), the job stays theirs in every re-plan.
PLANNABLE = NOT_ARRIVED
# Minutes on site per product line, until work orders give real figures (R4.12).
SERVICE_MINUTES = {
    "air_conditioner": 90,
    "refrigerator": 75,
    "washing_machine": 60,
    "water_purifier": 45,
    "television": 60,
}
DEFAULT_SERVICE_MINUTES = 60
HELP_DELAY_MINUTES = 60  # "need help" (R7.9): the technician stays where they are this long
# The fewest minutes a visit can take in the planner's model: the shortest line's fixed guess and
# no driving (two jobs at one address are 0 minutes apart in travel.py). A pre-assessment may
# predict less from past repair cards (R4.6); INSTANCE_MARGIN covers those few.
SHORTEST_VISIT_MINUTES = min(DEFAULT_SERVICE_MINUTES, *SERVICE_MINUTES.values())
# The day's instance holds twice as many of the most urgent jobs as its crews could possibly
# take. The urgent-first choice ignores where a job is and who is certified for it: the most
# urgent jobs may suit few crews, and the solver needs others to fill the rest of the days with.
# A crew's "possible" count is already an upper bound (every visit the shortest, no driving),
# so real days take far fewer than the instance holds.
INSTANCE_MARGIN = 2


@dataclass
class DayContext:
    """A day as the planner sees it, and the way back to the database rows."""

    day: date
    opening: datetime
    closing: datetime
    instance: DayInstance
    cases: dict[int, Case]
    technicians: dict[int, Technician]
    bound: int = 0  # the most urgent jobs loaded (jobs_in_reach); others may wait outside

    def minutes(self, moment: datetime) -> float:
        return (moment - self.opening).total_seconds() / 60.0

    def moment(self, minutes: float) -> datetime:
        return self.opening + timedelta(minutes=minutes)


def service_minutes(case: Case) -> int:
    """R4.6: the pre-assessment's minutes from past repair cards; else the line's fixed guess."""
    predicted = (case.pre_assessment or {}).get("minutes")
    if isinstance(predicted, int) and predicted > 0:
        return predicted
    line = case.product.product_line if case.product else None
    return SERVICE_MINUTES.get(line or "", DEFAULT_SERVICE_MINUTES)


def case_place(case: Case) -> Place:
    return locate(case.lat, case.lon, case.address, case.zone)


def load_day(
    session: Session,
    calendar: BusinessCalendar,
    day: date,
    now: datetime,
    *,
    exclude: dict[int, set[int]] | None = None,
    delayed: dict[int, float] | None = None,
    partners: Mapping[int, frozenset[str]] | None = None,
    include: Collection[int] = (),
) -> DayContext | None:
    """The day's instance as of `now`, or None on a closed day (a holiday has no plan).

    Our own technicians and the jobs not given to a partner; with `partners` (partner staff →
    the product lines their contract covers, R1.4) those partner staff instead, for an offer.

    Not every open job: only as many of the most urgent as the day's crews could take (with a
    margin), and those the day's plan must keep (`_open_jobs`); `include` adds jobs by id (the
    case being placed). A job left out is not in `cases`: no plan built on this context sees,
    moves, times or flags it, so it keeps its state and waits for a day with room."""
    window = calendar.working_window(day)
    if window is None:
        return None
    opening, closing = window
    context = DayContext(day, opening, closing, DayInstance((), ()), {}, {})
    technicians = _working_technicians(session, day, None if partners is None else set(partners))
    vans = van_parts(session, [t.id for t in technicians])
    crews = tuple(
        replace(
            _crew(session, context, t, now, (delayed or {}).get(t.id, 0.0)),
            van=frozenset(vans.get(t.id, {})),
        )
        for t in technicians
    )
    if partners is not None:  # a partner's staff may take what their contract covers (R1.4)
        crews = tuple(replace(crew, lines=partners[crew.id]) for crew in crews)
    context.bound = jobs_in_reach(crews)
    reach = {crew.id: jobs_a_crew_can_take(crew) for crew in crews}
    cases = _open_jobs(session, context, reach, own_only=partners is None, include=include)
    pins = {p.case_id: p.technician_id for p in session.scalars(select(DispatchPin))}
    jobs = tuple(_job(context, case, now, pins.get(case.id)) for case in cases)
    excluded = exclude or {}
    instance = DayInstance(jobs, crews)
    context.instance = with_barred(instance, excluded)
    context.cases = {case.id: case for case in cases}
    context.technicians = {t.id: t for t in technicians}
    return context


def jobs_a_crew_can_take(crew: Crew) -> int:
    """The most visits `crew` could make in what is left of its day, by the solver's own rules
    (every visit ends by closing, on-site minutes within the daily capacity), each visit as
    short as any can be (SHORTEST_VISIT_MINUTES)."""
    minutes = min(crew.end - crew.start, float(crew.capacity))
    return max(0, int(minutes // SHORTEST_VISIT_MINUTES))


def jobs_in_reach(crews: Collection[Crew]) -> int:
    """How many of the most urgent open jobs a day's instance holds: what its crews could take,
    times INSTANCE_MARGIN."""
    return INSTANCE_MARGIN * sum(jobs_a_crew_can_take(crew) for crew in crews)


def with_barred(instance: DayInstance, exclude: dict[int, set[int]]) -> DayInstance:
    """Technicians a job may not go back to (they declined it, or let it time out)."""
    if not exclude:
        return instance
    jobs = tuple(
        replace(job, barred=frozenset(exclude[job.id])) if job.id in exclude else job
        for job in instance.jobs
    )
    return DayInstance(jobs, instance.crews)


def _working_technicians(session: Session, day: date, ids: set[int] | None) -> list[Technician]:
    """Our own technicians working on `day`; with `ids`, those (partner staff) instead."""
    query = select(Technician).where(Technician.active.is_(True))
    if ids is None:
        query = query.where(Technician.partner_id.is_(None))
    else:
        query = query.where(Technician.id.in_(ids))
    technicians = session.scalars(
        query.options(
            selectinload(Technician.certifications), selectinload(Technician.leaves)
        ).order_by(Technician.id)
    ).all()
    return [t for t in technicians if t.works_on(day)]


def _open_jobs(
    session: Session,
    context: DayContext,
    reach: Mapping[int, int],
    *,
    own_only: bool,
    include: Collection[int],
) -> list[Case]:
    """The open repair jobs the day's plan looks at (`reach`: crew id → the most jobs it could
    take). `own_only`: without those a partner's staff holds (R1.4: theirs to plan, until they
    give it back).

    Three parts, each bounded by what the crews could take or by the plan itself:
    - the most urgent jobs (deadline, then id), `context.bound` of them;
    - the jobs each crew holds (assigned or accepted), its most urgent `reach[crew]`: an
      accepted job is pinned to its technician, and a crew cannot do more in the day;
    - the jobs the day's plan already holds or must keep: a stop of the day, a planned arrival
      within it, a manager's pin (R4.6), and `include`.
    Only the product is loaded with them: the planner reads nothing else of a case (refusals
    come in one query, flows.replan_day; the few jobs a plan changes read their history then)."""
    plannable = _plannable(context.closing, own_only=own_only)
    ids = set(
        session.scalars(
            select(Case.id)
            # The partial index's own predicate, written out: PostgreSQL uses the index only when
            # it can prove the query implies it, which it cannot from bound parameters.
            .where(text(REPAIR_NOT_ARRIVED), *plannable)
            .order_by(Case.sla_due_at.asc().nulls_last(), Case.id)
            .limit(context.bound)
        )
    )
    ids |= _held_by_crews(session, plannable, reach)
    ids |= _kept_by_plan(session, plannable, context, include)
    if not ids:
        return []
    return list(
        session.scalars(
            select(Case)
            .where(Case.id.in_(sorted(ids)))
            .options(selectinload(Case.product))
            .order_by(Case.id)
        ).all()
    )


def _plannable(closing: datetime, *, own_only: bool) -> list[ColumnElement[bool]]:
    """The conditions of an open job the day may plan; the first two are those of the partial
    index `ix_cases_plannable_due` (REPAIR_NOT_ARRIVED), which serves the most-urgent order."""
    conditions = [
        Case.kind == "repair",
        Case.status.in_(PLANNABLE),
        Case.reported_at < closing,
    ]
    if own_only:
        partner_staff = select(Technician.id).where(Technician.partner_id.is_not(None))
        conditions.append(
            or_(
                Case.assigned_technician_id.is_(None),
                Case.assigned_technician_id.not_in(partner_staff),
            )
        )
    return conditions


def _held_by_crews(
    session: Session, plannable: list[ColumnElement[bool]], reach: Mapping[int, int]
) -> set[int]:
    """Each crew's own open jobs, its most urgent `reach[crew]` of them."""
    if not reach or max(reach.values()) == 0:
        return set()
    rank = (
        func.row_number()
        .over(
            partition_by=Case.assigned_technician_id,
            order_by=(Case.sla_due_at.asc().nulls_last(), Case.id),
        )
        .label("rank")
    )
    ranked = (
        select(Case.id, Case.assigned_technician_id, rank)
        .where(*plannable, Case.assigned_technician_id.in_(sorted(reach)))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.id, ranked.c.assigned_technician_id, ranked.c.rank).where(
            ranked.c.rank <= max(reach.values())
        )
    ).all()
    return {case_id for case_id, crew_id, n in rows if n <= reach[crew_id]}


def _kept_by_plan(
    session: Session,
    plannable: list[ColumnElement[bool]],
    context: DayContext,
    include: Collection[int],
) -> set[int]:
    """Jobs the day's plan holds whatever their urgency: its stops, its planned arrivals (a job
    left out would keep a stale arrival, and late-running re-plans would chase it), the
    manager's pins, and `include`."""
    kept = [
        Case.id.in_(select(PlanStop.case_id).where(PlanStop.day == context.day)),
        Case.id.in_(select(DispatchPin.case_id)),
        Case.planned_arrival_at.between(context.opening, context.closing),
    ]
    if include:
        kept.append(Case.id.in_(sorted(include)))
    # One query each, not one OR: each is a short index look-up, an OR a scan of the open jobs.
    return {
        case_id
        for condition in kept
        for case_id in session.scalars(select(Case.id).where(*plannable, condition))
    }


def _crew(
    session: Session, context: DayContext, technician: Technician, now: datetime, delay: float
) -> Crew:
    home = locate(technician.home_lat, technician.home_lon, None, technician.zone)
    start = max(0.0, context.minutes(now))
    place = home
    worked = 0.0
    on_site = session.scalars(
        select(Case).where(
            Case.assigned_technician_id == technician.id, Case.status == RepairStatus.ON_SITE
        )
    ).all()
    for case in on_site:  # the job in hand ends first
        place = case_place(case)
        arrived = case.arrived_at or now
        remaining = service_minutes(case) - (now - arrived).total_seconds() / 60.0
        start = max(start, context.minutes(now) + max(0.0, remaining))
        worked += min(service_minutes(case), (now - arrived).total_seconds() / 60.0)
    lines = frozenset(
        c.product_line for c in technician.certifications if c.valid_until >= context.day
    )  # R4.4 on the planned day
    return Crew(
        technician.id,
        technician.name,
        place,
        home,
        lines,
        start + delay,
        context.minutes(context.closing),
        max(0, int(technician.daily_capacity_minutes - worked)),
    )


def _job(context: DayContext, case: Case, now: datetime, pinned: int | None) -> Job:
    ready = max(0.0, context.minutes(now), context.minutes(case.reported_at))
    due = context.minutes(case.sla_due_at) if case.sla_due_at else 10**6
    if case.status in COMMITTED and case.assigned_technician_id is not None:
        pinned = case.assigned_technician_id
    return Job(
        case.id,
        case_place(case),
        case.product.product_line if case.product else None,
        service_minutes(case),
        ready,
        due,
        carried_over=case.carried_over,
        urgent=case.priority == "urgent",
        pinned_to=pinned,
        likely_parts=tuple(
            (p["code"], float(p["frequency"])) for p in (case.pre_assessment or {}).get("parts", [])
        ),
    )


def stored_plan(session: Session, context: DayContext) -> DayPlan:
    """The day's stored routes, timed afresh from now (a stop done or gone drops out)."""
    rows = session.scalars(
        select(PlanStop)
        .where(PlanStop.day == context.day)
        .order_by(PlanStop.technician_id, PlanStop.position)
    ).all()
    jobs = context.instance.jobs_by_id
    sequences: dict[int, list[Job]] = {}
    for row in rows:
        job = jobs.get(row.case_id)
        if job is not None and (job.pinned_to in (None, row.technician_id)):
            sequences.setdefault(row.technician_id, []).append(job)
    routes = {
        crew.id: build_route(crew, [j for j in sequences.get(crew.id, []) if crew.can_take(j)])
        for crew in context.instance.crews
    }
    return DayPlan(routes)


def save_route(session: Session, context: DayContext, route: Route, now: datetime) -> None:
    """Replace one technician's stops of the day and the planned arrivals of their cases."""
    session.execute(
        delete(PlanStop).where(PlanStop.day == context.day, PlanStop.technician_id == route.crew_id)
    )
    job_ids = route.job_ids
    if job_ids:
        session.execute(
            delete(PlanStop).where(PlanStop.day == context.day, PlanStop.case_id.in_(job_ids))
        )
    for position, stop in enumerate(route.stops):
        session.add(
            PlanStop(
                day=context.day,
                technician_id=route.crew_id,
                case_id=stop.job_id,
                position=position,
                arrival_at=context.moment(stop.arrival),
                departure_at=context.moment(stop.departure),
                travel_minutes=round(stop.travel_minutes, 1),
                travel_km=round(stop.travel_km, 2),
                late_minutes=round(stop.late_minutes, 1),
                planned_at=now,
            )
        )
        case = context.cases.get(stop.job_id)
        if case is not None:
            case.planned_arrival_at = context.moment(stop.arrival)
    session.flush()
