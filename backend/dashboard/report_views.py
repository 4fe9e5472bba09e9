"""Reports for managers: the month's tables with a chart each, a technician's month, CSV files."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.dashboard import auth, forms
from backend.dashboard.report_tables import (
    ReportTable,
    find,
    month_tables,
    technician_tables,
)
from backend.errors import ValidationError
from backend.people.models import Role, Technician
from backend.reports.figures import coverage_by_day, sla_by_zone_and_week, technician_month
from backend.reports.monthly import MonthlyReport, monthly_report
from backend.surveys.performance import parse_month
from backend.web import db_session, now, settings


def month_or_current() -> tuple[int, int, str | None]:
    """The `month` query parameter, or this month with the error when it is not a month."""
    today: date = calendar_for(settings()).local_date(now())
    try:
        year, month = parse_month(forms.query_text(request.args.get("month"), 20) or None, today)
    except ValidationError as error:
        return today.year, today.month, error.message
    if not 2000 <= year <= 2100:
        return today.year, today.month, "month must look like 2026-11"
    return year, month, None


def _month_tables(year: int, month: int) -> tuple[MonthlyReport, list[ReportTable]]:
    session, config = db_session(), settings()
    report = monthly_report(session, settings=config, year=year, month=month, now=now())
    weeks = sla_by_zone_and_week(session, settings=config, year=year, month=month, now=now())
    days = coverage_by_day(session, settings=config, year=year, month=month)

    def link(technician_id: int) -> str:
        return url_for(
            "dashboard.technician_report", technician_id=technician_id, month=report.month
        )

    return report, month_tables(report, weeks, days, link)


@auth.login_required(*auth.MANAGERS)
def reports() -> ResponseReturnValue:
    """The month in figures (R7.11 hours by category, R7.14 deadlines, R8.3 survey coverage)."""
    year, month, month_error = month_or_current()
    report, tables = _month_tables(year, month)
    return render_template(
        "dashboard/report_month.html",
        month=report.month,
        total=report.total_cases,
        tables=tables,
        report=report,
        month_error=month_error,
        csv_endpoint="dashboard.report_csv",
        csv_args={},
    )


def _csv(table: ReportTable, filename: str) -> Response:
    # A byte-order mark so spreadsheet programs read the Korean text as UTF-8.
    return Response(
        "\ufeff" + table.csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


@auth.login_required(*auth.MANAGERS)
def report_csv(table_key: str) -> ResponseReturnValue:
    """One table of the monthly report as CSV: the same header and cells as on the page."""
    year, month, month_error = month_or_current()
    if month_error:
        abort(400)
    report, tables = _month_tables(year, month)
    table = find(tables, table_key)
    if table is None:
        abort(404)
    return _csv(table, f"{table.key}-{report.month}")


def _technician_tables(technician_id: int) -> tuple[Technician, str, list[ReportTable], str | None]:
    technician = db_session().get(Technician, technician_id)
    if technician is None:
        abort(404)
    year, month, month_error = month_or_current()
    figures = technician_month(
        db_session(), technician, settings=settings(), year=year, month=month
    )
    return technician, figures.month, technician_tables(figures), month_error


def _may_see_evaluation(technician_id: int) -> None:
    """R8.2: the managers, and the technician their own month; anyone else is told nothing."""
    user = auth.signed_in_user()
    if user.role in auth.MANAGERS:
        return
    own = auth.own_technician()
    if user.role != Role.TECHNICIAN or own is None or own.id != technician_id:
        abort(404 if user.role == Role.TECHNICIAN else 403)


@auth.login_required()
def technician_report(technician_id: int) -> ResponseReturnValue:
    """A technician's month: jobs, arrivals in time, hours, complaints, ratings and spread."""
    _may_see_evaluation(technician_id)
    technician, label, tables, month_error = _technician_tables(technician_id)
    return render_template(
        "dashboard/report_month.html",
        month=label,
        total=None,
        technician=technician,
        tables=tables,
        month_error=month_error,
        csv_endpoint="dashboard.technician_report_csv",
        csv_args={"technician_id": technician.id},
    )


@auth.login_required()
def technician_report_csv(technician_id: int, table_key: str) -> ResponseReturnValue:
    _may_see_evaluation(technician_id)
    technician, label, tables, month_error = _technician_tables(technician_id)
    table = find(tables, table_key)
    if table is None or month_error:
        abort(404 if table is None else 400)
    return _csv(table, f"technician-{technician.id}-{table.key}-{label}")


def add_routes(blueprint: Blueprint) -> None:
    """The report pages and their CSV files, on the dashboard's blueprint."""
    blueprint.add_url_rule("/reports", view_func=reports, methods=["GET"])
    blueprint.add_url_rule(
        "/reports/<string(maxlength=20):table_key>.csv",
        view_func=report_csv,
        methods=["GET"],
    )
    technician = "/reports/technicians/<int(max=2147483647):technician_id>"
    blueprint.add_url_rule(technician, view_func=technician_report, methods=["GET"])
    blueprint.add_url_rule(
        f"{technician}/<string(maxlength=20):table_key>.csv",
        view_func=technician_report_csv,
        methods=["GET"],
    )
