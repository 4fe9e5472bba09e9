"""Pages of plan 3 and the director's day: the daily reports with each branch's sign-off
(R7.11, R7.12) and the analysis by product model, part and month with a CSV export (R9.1)."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.dashboard import auth, forms
from backend.dashboard.i18n import gettext
from backend.errors import DomainError, ValidationError
from backend.reports.analysis import analysis, analysis_csv_rows, month_range
from backend.reports.daily import list_reports, report_json, report_of_day, sign_off_branch
from backend.web import db_session, now, settings


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        abort(404)
    return day


@auth.login_required(*auth.MANAGERS)
def daily_reports() -> ResponseReturnValue:
    """R7.11: the days' reports, newest first."""
    page = forms.query_number(request.args.get("page"), maximum=100_000) or 1
    tz = settings().tz
    reports = [report_json(r, tz) for r in list_reports(db_session(), page=page)]
    return render_template("dashboard/daily_reports.html", reports=reports, page=page)


@auth.login_required(*auth.MANAGERS)
def daily_report(day: str) -> ResponseReturnValue:
    """One day: the whole, the complaints, each branch with its sign-off or the form (R7.12)."""
    report = report_of_day(db_session(), _day(day))
    if report is None:
        abort(404)
    return render_template(
        "dashboard/daily_report.html",
        report=report_json(report, settings().tz),
        user_id=auth.signed_in_user().id,
    )


@auth.login_required(*auth.MANAGERS)
def sign_off(day: str, branch_id: int) -> ResponseReturnValue:
    """R7.12: the branch's manager signs its part off."""
    session = db_session()
    note = forms.query_text(request.form.get("note"), 2000) or None
    try:
        sign_off_branch(
            session,
            day=_day(day),
            branch_id=branch_id,
            user=auth.signed_in_user(),
            note=note,
            now=now(),
        )
    except DomainError as error:
        session.rollback()
        flash(gettext(error.message), "error")
        return redirect(url_for("dashboard.daily_report", day=day)), 303
    session.commit()
    flash(gettext("Signed off."), "ok")
    return redirect(url_for("dashboard.daily_report", day=day)), 303


def _months() -> tuple[str, str, str | None, dict[str, object] | None]:
    today = calendar_for(settings()).local_date(now())
    first = forms.query_text(request.args.get("from"), 7) or None
    last = forms.query_text(request.args.get("to"), 7) or None
    try:
        months = month_range(first, last, today)
    except ValidationError as error:
        return first or "", last or "", error.message, None
    start, end = months.label
    return start, end, None, analysis(db_session(), settings(), months)


@auth.login_required(*auth.MANAGERS)
def analysis_page() -> ResponseReturnValue:
    """R9.1: the tables, by product model, part and month."""
    start, end, error, result = _months()
    return render_template(
        "dashboard/analysis.html", start=start, end=end, error=error, result=result
    ), (200 if error is None else 422)


def _safe_cell(value: object) -> object:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: a model name could.
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") and text != "-" else value


@auth.login_required(*auth.MANAGERS)
def analysis_csv() -> ResponseReturnValue:
    """The same tables as one CSV file for a spreadsheet."""
    start, end, error, result = _months()
    if result is None:
        abort(422)
    out = io.StringIO()
    writer = csv.writer(out)
    for row in analysis_csv_rows(result):
        writer.writerow([_safe_cell(cell) for cell in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="analysis-{start}-{end}.csv"'},
    )


def add_routes(blueprint: Blueprint) -> None:
    """The daily reports and the analysis, on the dashboard's blueprint."""
    blueprint.add_url_rule("/daily-reports", view_func=daily_reports, methods=["GET"])
    blueprint.add_url_rule("/daily-reports/<day>", view_func=daily_report, methods=["GET"])
    blueprint.add_url_rule(
        "/daily-reports/<day>/branches/<int(max=2147483647):branch_id>/sign-off",
        view_func=sign_off,
        methods=["POST"],
    )
    blueprint.add_url_rule("/analysis", view_func=analysis_page, methods=["GET"])
    blueprint.add_url_rule("/analysis.csv", view_func=analysis_csv, methods=["GET"])
