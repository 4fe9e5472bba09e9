"""Dispatch queries and pure decisions: who may take a job, which day serves it, who refused it,
a technician's day as one message. No writes; `flows.py` acts on these answers.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.calendar import BusinessCalendar
from backend.cases.models import Case, CaseEvent
from backend.cases.notices import format_moment
from backend.dispatch.models import DispatchPin, PlanStop
from backend.i18n import translate
from backend.people.models import Technician

# History entries in which a technician gave a job back: it does not go back to them.
REFUSALS = ("decline", "acceptance_timeout", "partner_dispute")


def ineligibility(technician: Technician, product_line: str | None, day: date) -> str | None:
    """Why `technician` cannot take a job of `product_line` on `day`, or None when they can."""
    if not technician.active:
        return "inactive"
    if product_line and not technician.certified_for(product_line, day):
        return f"not certified for {product_line} on {day.isoformat()}"  # R4.4
    if not technician.works_on(day):
        return f"not working on {day.isoformat()}"
    return None


def service_day(calendar: BusinessCalendar, now: datetime) -> date:
    """The day a job reported `now` will be served: today in hours, else the next business day."""
    return calendar.local_date(calendar.add_working_hours(now, 0))


def refused_by(case: Case) -> set[int]:
    """Technicians who declined this case or let it time out: it does not go back to them."""
    refusers = (_refuser(e.action, e.data) for e in case.events)
    return {technician_id for technician_id in refusers if technician_id is not None}


def refusals(session: Session, case_ids: Collection[int]) -> dict[int, set[int]]:
    """`refused_by` for many cases at once: their refusals read, not their whole histories."""
    refused: dict[int, set[int]] = {}
    if not case_ids:
        return refused
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.data).where(
            CaseEvent.action.in_(REFUSALS), CaseEvent.case_id.in_(sorted(case_ids))
        )
    )
    for case_id, action, data in rows:
        technician_id = _refuser(action, data)
        if technician_id is not None:
            refused.setdefault(case_id, set()).add(technician_id)
    return refused


def _refuser(action: str, data: dict[str, Any] | None) -> int | None:
    """The technician a history entry says declined the job or let it time out, if it says so."""
    if action in REFUSALS and data and data.get("technician_id"):
        return int(data["technician_id"])
    return None


def pinned_technician(session: Session, case: Case) -> int | None:
    """The technician the repair manager chose by hand for `case` (R4.6), if any."""
    pin = session.get(DispatchPin, case.id)
    return pin.technician_id if pin else None


def day_message(
    session: Session, context_day: date, technician_id: int, tz: Any, language: str = "ko"
) -> str | None:
    """A technician's day as one message: the stops in order with arrival times."""
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
