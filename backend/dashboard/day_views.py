"""The technicians' day for the repair manager: each planned route as a timeline, late jobs
marked, and a reassignment by choosing a technician and giving a reason (R4.6) — no dragging."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import select

from backend.calendar import calendar_for
from backend.cases.models import Case
from backend.cases.permissions import can
from backend.casework.flows import perform_action
from backend.dashboard import auth
from backend.dashboard.admin_forms import field as form_field
from backend.dashboard.admin_forms import refused
from backend.dashboard.charts import Slot, timeline
from backend.dashboard.i18n import gettext
from backend.dispatch.models import PlanStop
from backend.errors import DomainError
from backend.people.models import Role, Technician
from backend.web import db_session, now, settings

PLANNERS = (Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR)  # R4.6: dispatch is theirs


@dataclass
class Stop:
    position: int
    case: Case
    arrival_at: datetime
    departure_at: datetime
    late_minutes: float
    travel_minutes: float

    @property
    def late(self) -> bool:
        return self.late_minutes > 0


@dataclass
class Route:
    technician: Technician
    stops: list[Stop] = field(default_factory=list)
    chart: Markup | None = None

    @property
    def late_count(self) -> int:
        return sum(1 for s in self.stops if s.late)


def _day() -> tuple[date, str | None]:
    today = calendar_for(settings()).local_date(now())
    raw = (request.args.get("date") or "").strip()[:10]
    if not raw:
        return today, None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return today, "the date must look like 2026-11-27"


def routes_of(day: date) -> list[Route]:
    """Every technician with a planned stop that day, stops in their planned order."""
    session = db_session()
    rows = session.execute(
        select(PlanStop, Case, Technician)
        .join(Case, PlanStop.case_id == Case.id)
        .join(Technician, PlanStop.technician_id == Technician.id)
        .where(PlanStop.day == day)
        .order_by(Technician.name, Technician.id, PlanStop.position)
    ).all()
    routes: dict[int, Route] = {}
    for stop, case, technician in rows:
        route = routes.setdefault(technician.id, Route(technician))
        route.stops.append(
            Stop(
                stop.position + 1,
                case,
                stop.arrival_at,
                stop.departure_at,
                stop.late_minutes,
                stop.travel_minutes,
            )
        )
    return list(routes.values())


def _draw(route: Route, day: date) -> Markup:
    window = calendar_for(settings()).working_window(day)
    first = min(s.arrival_at for s in route.stops)
    last = max(s.departure_at for s in route.stops)
    opens, closes = window if window else (first, last)
    slots = [
        Slot(f"{s.position}. {s.case.number}", s.arrival_at, s.departure_at, s.late)
        for s in route.stops
    ]
    return timeline(route.technician.name, slots, opens=min(opens, first), closes=max(closes, last))


@auth.login_required(*PLANNERS)
def day_page() -> ResponseReturnValue:
    day, date_error = _day()
    routes = routes_of(day)
    for route in routes:
        route.chart = _draw(route, day)
    technicians = db_session().scalars(
        select(Technician).where(Technician.active.is_(True)).order_by(Technician.name)
    )
    return render_template(
        "dashboard/day.html",
        day=day,
        date_error=date_error,
        routes=routes,
        technicians=list(technicians),
        late_total=sum(r.late_count for r in routes),
    )


@auth.login_required(*PLANNERS)
def reassign(number: str) -> ResponseReturnValue:
    """`assign` with the chosen technician and the reason, as the case page and API take it."""
    session = db_session()
    back = url_for("dashboard.technician_day", date=form_field("date", 10) or None)
    case = session.scalar(select(Case).where(Case.number == number[:20]))
    actor = auth.current_actor()
    if case is None or not can(actor, "assign", case).allowed:
        flash(gettext("This case cannot be reassigned now."), "error")
        return redirect(back)
    technician = form_field("technician_id", 10)
    if not form_field("reason", 2000):  # R4.6: a manual choice says why
        flash(f"reason: {gettext('Give the reason for the reassignment.')}", "error")
        return redirect(back)
    body = {
        "technician_id": int(technician) if technician.isascii() and technician.isdecimal() else 0,
        "reason": form_field("reason", 2000),
    }
    try:
        perform_action(
            session, case, "assign", actor=actor, body=body, settings=settings(), now=now()
        )
    except DomainError as error:
        session.rollback()
        refused(error)
        return redirect(back)
    session.commit()
    flash(gettext("Reassigned: {number}.", number=case.number), "success")
    return redirect(back)


def add_routes(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/day", endpoint="technician_day", view_func=day_page, methods=["GET"])
    blueprint.add_url_rule(
        "/day/cases/<number>/reassign",
        endpoint="day_reassign",
        view_func=reassign,
        methods=["POST"],
    )
