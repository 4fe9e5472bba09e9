"""Choosing the technician for a repair job (R4.4, R4.6).

Everything else calls `choose_technician`; the routing planner replaces its insides, not its
signature.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backend.calendar import BusinessCalendar
from backend.cases.models import Case
from backend.errors import ValidationError
from backend.people.models import Technician

ACTIVE_JOB_STATUSES = ("assigned", "accepted", "en_route", "on_site")


@dataclass(frozen=True)
class Assignment:
    technician: Technician | None
    explanation: str
    manual: bool = False
    runner_up: Technician | None = None


def service_day(calendar: BusinessCalendar, now: datetime) -> date:
    """The day a job reported `now` will be served: today in hours, else the next business day."""
    return calendar.local_date(calendar.add_working_hours(now, 0))


def open_job_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Case.assigned_technician_id, func.count(Case.id))
        .where(Case.status.in_(ACTIVE_JOB_STATUSES), Case.assigned_technician_id.is_not(None))
        .group_by(Case.assigned_technician_id)).all()
    return {technician_id: count for technician_id, count in rows}


def ineligibility(technician: Technician, product_line: str | None, day: date) -> str | None:
    """Why `technician` cannot take a job of `product_line` on `day`, or None when they can."""
    if not technician.active:
        return "inactive"
    if product_line and not technician.certified_for(product_line, day):
        return f"not certified for {product_line} on {day.isoformat()}"  # R4.4
    if not technician.works_on(day):
        return f"not working on {day.isoformat()}"
    return None


def choose_technician(
    session: Session, case: Case, *, calendar: BusinessCalendar, now: datetime,
    technician_id: int | None = None, exclude: Collection[int] = (),
) -> Assignment:
    """Who takes `case`: the named technician if allowed, else the eligible one with least work."""
    day = service_day(calendar, now)
    product_line = case.product.product_line if case.product else None
    if technician_id is not None:
        technician = session.get(Technician, technician_id)
        if technician is None:
            raise ValidationError(f"no technician {technician_id}", field="technician_id")
        reason = ineligibility(technician, product_line, day)
        if reason:
            raise ValidationError(f"{technician.name} cannot take this job: {reason}",
                                  field="technician_id")
        return Assignment(technician, f"assigned by hand to {technician.name}", manual=True)

    technicians = session.scalars(select(Technician).where(Technician.active.is_(True))
                                  .options(selectinload(Technician.certifications),
                                           selectinload(Technician.leaves))
                                  .order_by(Technician.id)).all()
    eligible = [t for t in technicians
                if t.id not in exclude and ineligibility(t, product_line, day) is None]
    if not eligible:
        certified = [t for t in technicians
                     if not product_line or t.certified_for(product_line, day)]
        why = (f"no technician certified for {product_line} on {day.isoformat()}"
               if not certified else f"no certified technician works on {day.isoformat()}")
        return Assignment(None, why)
    load = open_job_counts(session)
    # Same zone first, then the least open work, then the lowest id for a stable choice.
    ranked = sorted(eligible, key=lambda t: (t.zone != case.zone, load.get(t.id, 0), t.id))
    chosen = ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else None
    explanation = (f"{chosen.name}: certified for {product_line or 'this product'}, "
                   f"{'same' if chosen.zone == case.zone else 'other'} zone, "
                   f"{load.get(chosen.id, 0)} open job(s)")
    if runner_up is not None:
        explanation += (f"; runner-up {runner_up.name} with {load.get(runner_up.id, 0)} "
                        f"open job(s)")
    return Assignment(chosen, explanation, runner_up=runner_up)
