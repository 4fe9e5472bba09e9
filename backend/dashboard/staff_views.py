"""Work lists and figures: the task list, technicians with their month, management reports."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import selectinload

from backend.calendar import calendar_for
from backend.cases.machine import OPEN_REPAIR
from backend.cases.models import Case
from backend.cases.permissions import sees_technician_home
from backend.dashboard import auth, forms
from backend.dashboard.i18n import current_language, gettext
from backend.errors import ValidationError
from backend.people.models import Role, StaffUser, Technician
from backend.surveys.performance import parse_month, technician_performance
from backend.tasks.models import Task
from backend.tasks.service import close_task, task_detail, task_title, tasks_not_about
from backend.web import db_session, now, settings

TASK_PAGE_SIZE = 50
TASK_KINDS = (
    "callback",
    "follow_up",
    "renewal",
    "unassigned",
    "escalation",
    "complaint",
    "sla_warning",
    "sla_breach",
    "delivery_failures",
    "inquiry",
    "return",
    "complaint_about_person",
    "reply_reminder",
    "reply_overdue",
    "formal_case",
    "answer_call",
    "key_customer_visit",  # R9.6
    "unplaced_address",  # issue 17: an address nobody could place
)


def _task_scope(user: StaffUser) -> list[ColumnElement[bool]]:
    """Each role sees the tasks addressed to it, a department's members its tasks (R2.3), a
    person the tasks addressed to them; an administrator sees every task. Nobody sees the tasks
    of a complaint about themselves (R2.4)."""
    hidden = [tasks_not_about(user)]
    if user.role == Role.ADMIN:
        return hidden
    mine = or_(
        and_(Task.role == user.role, Task.user_id.is_(None), Task.department.is_(None)),
        Task.user_id == user.id,
        and_(Task.department.is_not(None), Task.department == user.department),
    )
    return [mine, *hidden]


@auth.login_required()
def tasks() -> ResponseReturnValue:
    user = auth.signed_in_user()
    status = "done" if request.args.get("status") == "done" else "open"
    kind = request.args.get("kind") if request.args.get("kind") in TASK_KINDS else None
    conditions = [*_task_scope(user), Task.status == status]
    if kind:
        conditions.append(Task.kind == kind)
    session = db_session()
    total = session.scalar(select(func.count(Task.id)).where(*conditions)) or 0
    pages = max(1, -(-total // TASK_PAGE_SIZE))
    page = min(forms.query_number(request.args.get("page"), maximum=100_000) or 1, pages)
    rows = session.execute(
        select(Task, Case.number)
        .outerjoin(Case, Task.case_id == Case.id)
        .where(*conditions)
        .order_by(Task.created_at.desc(), Task.id.desc())
        .offset((page - 1) * TASK_PAGE_SIZE)
        .limit(TASK_PAGE_SIZE)
    ).all()
    language = current_language()
    return render_template(
        "dashboard/tasks.html",
        rows=[
            (task, number, task_title(task, language), task_detail(task, language))
            for task, number in rows
        ],
        status=status,
        kind=kind,
        kinds=TASK_KINDS,
        page=page,
        pages=pages,
        total=total,
    )


@auth.login_required()
def task_done(task_id: int) -> ResponseReturnValue:
    user = auth.signed_in_user()
    session = db_session()
    task = session.scalar(select(Task).where(Task.id == task_id, *_task_scope(user)))
    if task is None:
        abort(404)
    if task.status != "done":
        close_task(session, task, user_id=user.id, now=now())
        session.commit()
    flash(gettext("Task marked done."), "success")
    return redirect(url_for("dashboard.tasks"))


@auth.login_required()
def technicians() -> ResponseReturnValue:
    user = auth.signed_in_user()
    if user.role == Role.TECHNICIAN:
        own = auth.own_technician()
        if own is None:
            abort(403)
        return redirect(url_for("dashboard.technician_page", technician_id=own.id))
    session = db_session()
    rows = session.scalars(
        select(Technician)
        .options(selectinload(Technician.certifications))
        .order_by(Technician.name)
    ).all()
    open_jobs = dict(
        session.execute(
            select(Case.assigned_technician_id, func.count(Case.id))
            .where(Case.status.in_(OPEN_REPAIR))
            .group_by(Case.assigned_technician_id)
        ).all()
    )
    return render_template(
        "dashboard/technicians.html", technicians=rows, open_jobs=open_jobs, **_certificate_dates()
    )


def _certificate_dates() -> dict[str, date]:
    """Today and the day after which a certification counts as expiring soon (R4.4)."""
    today = calendar_for(settings()).local_date(now())
    return {"today": today, "soon": today + timedelta(days=30)}


def _month_or_current() -> tuple[int, int, str | None]:
    today = calendar_for(settings()).local_date(now())
    try:
        year, month = parse_month(forms.query_text(request.args.get("month"), 20) or None, today)
    except ValidationError as error:
        return today.year, today.month, error.message
    if not 2000 <= year <= 2100:
        return today.year, today.month, "month must look like 2026-11"
    return year, month, None


@auth.login_required()
def technician_page(technician_id: int) -> ResponseReturnValue:
    """Certifications, zone, open jobs and the month's evaluation (R8.2) — managers or self."""
    user = auth.signed_in_user()
    own = auth.own_technician()
    if user.role == Role.TECHNICIAN and (own is None or own.id != technician_id):
        abort(404)
    session = db_session()
    technician = session.get(Technician, technician_id)
    if technician is None:
        abort(404)
    year, month, month_error = _month_or_current()
    performance = None
    if user.role in auth.MANAGERS or (own is not None and own.id == technician_id):
        performance = technician_performance(
            session, technician_id, settings=settings(), year=year, month=month
        )
    jobs = session.scalars(
        select(Case)
        .where(Case.assigned_technician_id == technician_id, Case.status.in_(OPEN_REPAIR))
        .order_by(Case.sla_due_at)
    ).all()
    return render_template(
        "dashboard/technician.html",
        technician=technician,
        performance=performance,
        jobs=jobs,
        month=f"{year:04d}-{month:02d}",
        month_error=month_error,
        show_contact=sees_technician_home(auth.current_actor(), technician_id),
        **_certificate_dates(),
    )


def add_routes(blueprint: Blueprint) -> None:
    """The staff pages (tasks, technicians), on the dashboard's blueprint."""
    blueprint.add_url_rule("/tasks", view_func=tasks, methods=["GET"])
    blueprint.add_url_rule(
        "/tasks/<int(max=2147483647):task_id>/done", view_func=task_done, methods=["POST"]
    )
    blueprint.add_url_rule("/technicians", view_func=technicians, methods=["GET"])
    blueprint.add_url_rule(
        "/technicians/<int(max=2147483647):technician_id>",
        view_func=technician_page,
        methods=["GET"],
    )
