"""/api/v1/reports/…: the dashboard's report tables as JSON (R7.11, R7.14, R8.2, R8.3)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.errors import Forbidden
from backend.people import service as people
from backend.reports.figures import coverage_by_day, sla_by_zone_and_week, technician_month
from backend.reports.monthly import SlaFigures, monthly_report
from backend.surveys.performance import parse_month
from backend.web import db_session, now, settings
from backend.web.auth import current_actor, current_user, require_roles

blueprint = Blueprint("report_figures", __name__, url_prefix="/api/v1")
REPORTS = tuple(roles_for("reports"))


def _month() -> tuple[int, int]:
    return parse_month(request.args.get("month"), calendar_for(settings()).local_date(now()))


def _sla(figures: SlaFigures) -> dict[str, Any]:
    return {**asdict(figures), "ratio": figures.ratio}


@blueprint.get("/reports/monthly")
@require_roles(*REPORTS)
def monthly() -> ResponseReturnValue:
    """Every table of the month: cases by kind, channel and status; SLA per zone; complaints;
    hours per category; survey coverage; ratings per technician."""
    year, month = _month()
    report = monthly_report(db_session(), settings=settings(), year=year, month=month, now=now())
    return jsonify(
        {
            "month": report.month,
            "total_cases": report.total_cases,
            "by_kind": report.by_kind,
            "by_channel": report.by_channel,
            "by_status": report.by_status,
            "sla": {zone: _sla(f) for zone, f in report.sla.items()},
            "complaints": report.complaints,
            "hours": report.hours,
            "reported_hours": report.reported_hours,
            "coverage": {**asdict(report.coverage), "ratio": report.coverage.ratio},
            "technicians": [asdict(row) for row in report.technicians],
        }
    )


@blueprint.get("/reports/technicians/<int(max=2147483647):technician_id>")
@require_roles()
def technician(technician_id: int) -> ResponseReturnValue:
    """R8.2: a technician's month — managers, or the technician their own."""
    manager = current_user().role in roles_for("evaluations")
    if not manager and current_actor().technician_id != technician_id:
        raise Forbidden("only managers and the technician see this evaluation")
    year, month = _month()
    record = people.get_technician(db_session(), technician_id)
    figures = technician_month(db_session(), record, settings=settings(), year=year, month=month)
    return jsonify(
        {
            "technician_id": figures.technician_id,
            "name": figures.name,
            "month": figures.month,
            "jobs": figures.jobs,
            "arrivals_timed": figures.arrivals_timed,
            "arrivals_on_time": figures.arrivals_on_time,
            "on_time_ratio": figures.on_time_ratio,
            "hours": figures.hours,
            "complaints": figures.complaints,
            "surveys_answered": figures.surveys_answered,
            "ratings": {
                question: {"mean": d.mean, "counts": {str(g): n for g, n in d.counts.items()}}
                for question, d in figures.dimensions.items()
            },
        }
    )


@blueprint.get("/reports/coverage")
@require_roles(*REPORTS)
def coverage() -> ResponseReturnValue:
    """R8.3 per day of the month: jobs resolved, surveys answered, their ratio."""
    year, month = _month()
    days = coverage_by_day(db_session(), settings=settings(), year=year, month=month)
    return jsonify(
        {
            "month": f"{year:04d}-{month:02d}",
            "days": [
                {"day": d.day.isoformat(), "jobs": d.jobs, "answered": d.answered, "ratio": d.ratio}
                for d in days
            ],
        }
    )


@blueprint.get("/reports/sla")
@require_roles(*REPORTS)
def sla() -> ResponseReturnValue:
    """R7.14 per zone and ISO week of the month's repairs: met, missed, pending."""
    year, month = _month()
    weeks = sla_by_zone_and_week(
        db_session(), settings=settings(), year=year, month=month, now=now()
    )
    return jsonify(
        {
            "month": f"{year:04d}-{month:02d}",
            "weeks": [{"week": w.week, "zone": w.zone, **_sla(w.figures)} for w in weeks],
        }
    )
