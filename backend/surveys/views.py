"""GET /api/v1/reports/surveys?month=YYYY-MM: survey coverage for managers (R8.1, R8.3)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.surveys.coverage import survey_coverage
from backend.surveys.performance import parse_month
from backend.web import db_session, now, settings
from backend.web.auth import MANAGERS, require_roles

blueprint = Blueprint("surveys", __name__, url_prefix="/api/v1")


@blueprint.get("/reports/surveys")
@require_roles(*MANAGERS)
def survey_report() -> ResponseReturnValue:
    today = calendar_for(settings()).local_date(now())
    year, month = parse_month(request.args.get("month"), today)
    return jsonify(survey_coverage(db_session(), settings=settings(), year=year, month=month))
