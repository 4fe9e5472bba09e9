"""Dispatch's time-driven duties: acceptance time-outs, the morning plan, late-running days."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.cases.machine import AWAITING_ARRIVAL, RepairStatus
from backend.cases.models import Case, CaseEvent
from backend.dispatch.flows import hand_on, replan_day
from backend.dispatch.loader import HELP_DELAY_MINUTES
from backend.dispatch.models import PlanRun, PlanStop
from backend.dispatch.service import day_message, pinned_technician, service_day
from backend.i18n import message
from backend.outbox.service import message_technician
from backend.partners.service import disputed_open_jobs
from backend.people.models import Role, Technician
from backend.places.flows import refine_places
from backend.settings import Settings
from backend.tasks.service import alert

logger = logging.getLogger(__name__)

ACCEPTANCE_MINUTES = 15  # working minutes a technician has to accept a job
MORNING_PLAN_FROM = time(7, 30)  # the day is planned and pushed before opening (09:00)
LATE_RUNNING_MINUTES = 30  # a planned arrival missed by this much re-plans the day


def acceptance_timeouts(session: Session, settings: Settings, now: datetime) -> int:
    """No acceptance within 15 working minutes: the job goes to someone else."""
    calendar = calendar_for(settings)
    waiting = session.scalars(
        select(Case)
        .where(
            Case.kind == "repair",
            Case.status == RepairStatus.ASSIGNED,
            Case.assigned_at.is_not(None),
            Case.assigned_at <= now - timedelta(minutes=ACCEPTANCE_MINUTES),
        )
        .order_by(Case.id)
        # Locked and read as last committed: a job the technician accepted (or another duty
        # changed) a moment ago is not handed on from a stale copy (issue 9, finding 7).
        .with_for_update()
    ).all()
    moved = 0
    for case in waiting:
        assert case.assigned_at is not None
        if calendar.working_time_between(case.assigned_at, now) < timedelta(
            minutes=ACCEPTANCE_MINUTES
        ):
            continue
        technician_id = case.assigned_technician_id
        if pinned_technician(session, case) == technician_id:
            # A manual choice (R4.6) is the manager's to change: tell them instead.
            alert(
                session,
                kind="not_accepted",
                role=Role.REPAIR_MANAGER,
                case=case,
                title=message(
                    "{number}: not accepted within {minutes} minutes",
                    number=case.number,
                    minutes=ACCEPTANCE_MINUTES,
                ),
                dedupe_key=f"not-accepted:{case.number}:{case.assigned_at.isoformat()}",
                now=now,
            )
            continue
        hand_on(
            session,
            case,
            "acceptance_timeout",
            settings=settings,
            now=now,
            note=f"not accepted within {ACCEPTANCE_MINUTES} working minutes",
        )
        moved += 1
    return moved


def morning_plan(session: Session, settings: Settings, now: datetime) -> int:
    """Before opening: plan the day for everyone and push each technician their day."""
    calendar = calendar_for(settings)
    local = calendar.local(now)
    day = local.date()
    if not calendar.is_business_day(day) or local.time() < MORNING_PLAN_FROM:
        return 0
    if now >= calendar.end_of_day(day) or session.scalar(
        select(PlanRun.id).where(PlanRun.day == day, PlanRun.kind == "morning")
    ):
        return 0
    run = replan_day(
        session, calendar=calendar, settings=settings, day=day, now=now, kind="morning"
    )
    if run is None:
        return 0
    return push_day(session, settings, day, now=now)


def push_day(session: Session, settings: Settings, day: date, *, now: datetime) -> int:
    """Each technician with stops that day gets the whole day in one message."""
    technician_ids = sorted(
        set(session.scalars(select(PlanStop.technician_id).where(PlanStop.day == day)).all())
    )
    sent = 0
    for technician_id in technician_ids:
        technician = session.get(Technician, technician_id)
        if technician is None:
            continue
        text = day_message(
            session,
            day,
            technician_id,
            settings.tz,  # type: ignore[arg-type]
            language=technician.language,
        )
        if text is None:
            continue
        if message_technician(
            session,
            technician,
            text,
            purpose="day_plan",
            dedupe_key=f"day-plan:{day}:{technician_id}",
            now=now,
        ):
            sent += 1
    return sent


def late_running(session: Session, settings: Settings, now: datetime) -> int:
    """A technician well behind their planned arrival: re-plan the rest of today."""
    calendar = calendar_for(settings)
    day = calendar.local_date(now)
    window = calendar.working_window(day)
    if window is None or not window[0] <= now < window[1]:
        return 0
    overdue = session.scalars(
        select(Case.id).where(
            Case.kind == "repair",
            Case.status.in_(AWAITING_ARRIVAL),
            Case.planned_arrival_at >= window[0],  # an arrival planned on an earlier day is stale
            Case.planned_arrival_at < now - timedelta(minutes=LATE_RUNNING_MINUTES),
        )
    ).all()
    if not overdue:
        return 0
    replan_day(
        session,
        calendar=calendar,
        settings=settings,
        day=day,
        now=now,
        kind="late_running",
        delayed=_help_delays(_help_requests(session, window[0], now), now),
    )
    return len(overdue)


def help_replans(session: Session, settings: Settings, now: datetime) -> int:
    """ "Need help" (R7.9) asked since today's last help re-plan: re-plan the rest of today,
    each technician who asked held where they are for HELP_DELAY_MINUTES from the request.

    The request is the `escalate` entry in the case history (written with the escalation, which
    answers at once); a help re-plan at or after it marks it done, so a tick run twice for one
    moment re-plans once.
    """
    calendar = calendar_for(settings)
    day = calendar.local_date(now)
    window = calendar.working_window(day)
    if window is None or not window[0] <= now < window[1]:
        return 0
    requests = _help_requests(session, window[0], now)
    done = session.scalar(
        select(func.max(PlanRun.at)).where(PlanRun.day == day, PlanRun.kind == "help")
    )
    pending = [at for at, _ in requests if done is None or at > done]
    if not pending:
        return 0
    replan_day(
        session,
        calendar=calendar,
        settings=settings,
        day=day,
        now=now,
        kind="help",
        delayed=_help_delays(requests, now),
    )
    return len(pending)


def _help_requests(session: Session, since: datetime, now: datetime) -> list[tuple[datetime, int]]:
    """(when, technician) of today's escalations of assigned repair jobs, up to `now`."""
    rows = session.execute(
        select(CaseEvent.at, Case.assigned_technician_id)
        .join(Case, CaseEvent.case_id == Case.id)
        .where(
            CaseEvent.action == "escalate",
            Case.kind == "repair",
            Case.assigned_technician_id.is_not(None),
            CaseEvent.at >= since,
            CaseEvent.at <= now,
        )
        .order_by(CaseEvent.id)
    ).all()
    return [(at, technician_id) for at, technician_id in rows if technician_id is not None]


def _help_delays(requests: list[tuple[datetime, int]], now: datetime) -> dict[int, float]:
    """Minutes each technician who asked for help is still held up as of `now`."""
    delayed: dict[int, float] = {}
    for at, technician_id in requests:
        left = (at - now).total_seconds() / 60.0 + HELP_DELAY_MINUTES
        if left > 0:
            delayed[technician_id] = max(delayed.get(technician_id, 0.0), left)
    return delayed


def partner_disputes(session: Session, settings: Settings, now: datetime) -> int:
    """R1.4: a dispute with a partner never blocks the customer's job: the disputed partner's
    jobs not yet reached go at once to the next eligible technician or partner."""
    moved = 0
    for case in disputed_open_jobs(session):
        hand_on(
            session,
            case,
            "partner_dispute",
            settings=settings,
            now=now,
            note="the partner is in dispute; the job goes to someone else",
        )
        moved += 1
    return moved


def precise_places(session: Session, settings: Settings, now: datetime) -> int:
    """Issue 17: addresses placed roughly at intake (the geocoder failed or was slow) asked
    again; each day whose jobs are now placed exactly is re-planned."""
    placed = refine_places(session, settings, now)
    if not placed:
        return 0
    calendar = calendar_for(settings)
    days = sorted({service_day(calendar, max(now, case.reported_at)) for case in placed})
    for day in days:
        replan_day(session, calendar=calendar, settings=settings, day=day, now=now, kind="place")
    return len(placed)
