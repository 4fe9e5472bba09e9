"""/api/v1: the director's daily reports and branch sign-off (R7.11, R7.12), branches, and the
analysis by product model, part and month (R9.1)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import Field, StrictInt

from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.errors import NotFound, ValidationError
from backend.parsing import whole_number
from backend.reports.analysis import analysis, month_range
from backend.reports.daily import (
    branches,
    create_branch,
    list_reports,
    report_json,
    report_of_day,
    sign_off_branch,
)
from backend.web import db_session, now, settings
from backend.web.auth import current_user, require_roles
from backend.web.bodies import Body, parse_body

blueprint = Blueprint("reports", __name__, url_prefix="/api/v1")

READERS = tuple(sorted(roles_for("reports")))
BRANCH_ADMINS = tuple(sorted(roles_for("branches")))
RowId = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]


class SignOffBody(Body):
    """R7.12: a branch manager's sign-off of the branch's part of a daily report."""

    note: Annotated[str, Field(max_length=2000)] | None = None


class BranchCreate(Body):
    """R7.12: a branch: a team of technicians under a manager."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    manager_user_id: RowId | None = None
    technician_ids: Annotated[list[RowId], Field(max_length=500)] = []


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError("day must look like 2026-11-25", field="day") from exc
    if not 2000 <= day.year <= 9000:
        raise ValidationError("day must be a year between 2000 and 9000", field="day")
    return day


@blueprint.get("/reports/daily")
@require_roles(*READERS)
def daily_reports() -> ResponseReturnValue:
    raw = request.args.get("page")
    page = whole_number(raw, minimum=1, max_length=6) if raw else 1
    if page is None:
        raise ValidationError("page must be a whole number ≥ 1", field="page")
    tz = settings().tz
    items = [report_json(r, tz) for r in list_reports(db_session(), page=page)]
    return jsonify({"items": items, "page": page})


@blueprint.get("/reports/daily/<day>")
@require_roles(*READERS)
def daily_report(day: str) -> ResponseReturnValue:
    report = report_of_day(db_session(), _day(day))
    if report is None:
        raise NotFound(f"no daily report of {day}", field="day")
    return jsonify(report_json(report, settings().tz))


@blueprint.post("/reports/daily/<day>/branches/<int(max=2147483647):branch_id>/sign-off")
@require_roles()
def sign_off(day: str, branch_id: int) -> ResponseReturnValue:
    """R7.12: only the branch's own manager signs, once."""
    body = parse_body(SignOffBody, optional=True)
    session = db_session()
    sign_off_branch(
        session,
        day=_day(day),
        branch_id=branch_id,
        user=current_user(),
        note=body.note,
        now=now(),
    )
    session.commit()
    report = report_of_day(session, _day(day))
    assert report is not None  # signed just now
    session.refresh(report)
    return jsonify(report_json(report, settings().tz)), 201


def _branch_json(branch_id: int, name: str, manager: int | None, members: list[int]) -> dict:
    return {"id": branch_id, "name": name, "manager_user_id": manager, "technician_ids": members}


@blueprint.get("/branches")
@require_roles(*READERS, *BRANCH_ADMINS)
def list_branches() -> ResponseReturnValue:
    items = [
        _branch_json(b.id, b.name, b.manager_user_id, [m.technician_id for m in b.members])
        for b in branches(db_session())
    ]
    return jsonify({"items": items})


@blueprint.post("/branches")
@require_roles(*BRANCH_ADMINS)
def add_branch() -> ResponseReturnValue:
    body = parse_body(BranchCreate)
    session = db_session()
    branch = create_branch(
        session,
        name=body.name.strip() or body.name,
        manager_user_id=body.manager_user_id,
        technician_ids=body.technician_ids,
    )
    members = [m.technician_id for m in branch.members]
    answer = _branch_json(branch.id, branch.name, branch.manager_user_id, members)
    session.commit()
    return jsonify(answer), 201


@blueprint.get("/reports/analysis")
@require_roles(*READERS)
def service_analysis() -> ResponseReturnValue:
    """R9.1: repairs, parts replaced, repeat repairs within 90 days, complaint topics."""
    today = calendar_for(settings()).local_date(now())
    months = month_range(request.args.get("from"), request.args.get("to"), today)
    return jsonify(analysis(db_session(), settings(), months))
