"""Choosing the technician for a repair job (R4.4, R4.6, R7.13, R7.14).

Everything else calls `choose_technician`; behind it the case is inserted into the current day
plans at once (the cheapest place that keeps the most jobs on time), and the day planner
re-optimises every plan each morning and on demand.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy.orm import Session

from backend.calendar import BusinessCalendar
from backend.cases.models import Case
from backend.dispatch.decision import Assignment
from backend.dispatch.flows import place_case, service_day
from backend.errors import ValidationError
from backend.people.models import Technician

__all__ = ["Assignment", "choose_technician", "ineligibility", "service_day"]


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
