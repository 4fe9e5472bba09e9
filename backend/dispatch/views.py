"""GET /api/v1/plans/<YYYY-MM-DD>: who goes where, when, and why (R4.6), for the managers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from backend.cases.models import Case
from backend.dispatch.models import DispatchPin, PlanRun, PlanStop
from backend.errors import ValidationError
from backend.people.models import Role, Technician
from backend.web import db_session, settings
from backend.web.auth import MANAGERS, require_roles

blueprint = Blueprint("dispatch", __name__, url_prefix="/api/v1")


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise ValidationError("the date must look like 2026-11-27", field="date") from error


def _reason(case: Case) -> str | None:
    """The latest assignment's explanation from the case history."""
    notes = [e.note for e in case.events if e.action == "assign" and e.note]
    return notes[-1] if notes else None


def _stop_json(stop: PlanStop, case: Case, pin: DispatchPin | None, tz: Any) -> dict[str, Any]:
    return {
        "position": stop.position + 1,
        "case": case.number,
        "status": case.status,
        "address": case.address,
        "zone": case.zone,
        "product_line": case.product.product_line if case.product else None,
        "planned_arrival_at": stop.arrival_at.astimezone(tz).isoformat(),
        "planned_departure_at": stop.departure_at.astimezone(tz).isoformat(),
        "sla_due_at": case.sla_due_at.astimezone(tz).isoformat() if case.sla_due_at else None,
        "late_minutes": stop.late_minutes,
        "travel_minutes": stop.travel_minutes,
        "travel_km": stop.travel_km,
        "carried_over": case.carried_over,
        "priority": case.priority,
        "manual": pin is not None,
        "manual_reason": pin.reason if pin else None,
        "why": _reason(case),
    }


@blueprint.get("/plans/<day>")
@require_roles(*MANAGERS, Role.RECEPTIONIST)
def day_plan(day: str) -> ResponseReturnValue:
    target = _day(day)
    session = db_session()
    tz = settings().tz
    stops = session.scalars(
        select(PlanStop)
        .where(PlanStop.day == target)
        .order_by(PlanStop.technician_id, PlanStop.position)
    ).all()
    pins = {p.case_id: p for p in session.scalars(select(DispatchPin))}
    technicians: dict[int, dict[str, Any]] = {}
    for stop in stops:
        case = session.get(Case, stop.case_id)
        technician = session.get(Technician, stop.technician_id)
        if case is None or technician is None:
            continue
        entry = technicians.setdefault(
            technician.id,
            {"id": technician.id, "name": technician.name, "zone": technician.zone, "stops": []},
        )
        entry["stops"].append(_stop_json(stop, case, pins.get(case.id), tz))
    for entry in technicians.values():
        entry["jobs"] = len(entry["stops"])
        entry["travel_km"] = round(sum(s["travel_km"] for s in entry["stops"]), 1)
        entry["late_arrivals"] = sum(1 for s in entry["stops"] if s["late_minutes"] > 0)
    run = session.scalar(select(PlanRun).where(PlanRun.day == target).order_by(PlanRun.id.desc()))
    return jsonify(
        {
            "date": target.isoformat(),
            "planned_at": run.at.astimezone(tz).isoformat() if run else None,
            "technicians": list(technicians.values()),
            "late_arrivals": sum(t["late_arrivals"] for t in technicians.values()),
        }
    )
