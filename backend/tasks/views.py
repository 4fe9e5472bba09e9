"""GET /api/v1/tasks, POST /api/v1/tasks/{id}/close: each role's work list, as on the dashboard."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, func, select

from backend.cases.models import Case
from backend.errors import NotFound, ValidationError
from backend.parsing import whole_number
from backend.people.models import Role, StaffUser
from backend.tasks.models import Task
from backend.tasks.service import close_task
from backend.web import db_session, now, settings
from backend.web.auth import current_user, require_roles

blueprint = Blueprint("tasks", __name__, url_prefix="/api/v1")
PAGE_SIZE = 50
STATUSES = ("open", "done")


def scope(user: StaffUser) -> list[ColumnElement[bool]]:
    """Each role sees the tasks addressed to it; an administrator sees every task."""
    return [] if user.role == Role.ADMIN else [Task.role == user.role]


def _moment(value: Any) -> str | None:
    return value.astimezone(settings().tz).isoformat() if value is not None else None


def task_json(task: Task, case_number: str | None) -> dict[str, Any]:
    return {
        "id": task.id,
        "kind": task.kind,
        "role": task.role,
        "title": task.title,
        "detail": task.detail,
        "case_number": case_number,
        "status": task.status,
        "created_at": _moment(task.created_at),
        "done_at": _moment(task.done_at),
    }


def _page() -> int:
    raw = request.args.get("page")
    if raw in (None, ""):
        return 1
    page = whole_number(raw, minimum=1, max_length=9)
    if page is None:
        raise ValidationError("page must be a whole number from 1", field="page")
    return page


KIND = re.compile(r"[a-z_]{1,40}")


@blueprint.get("/tasks")
@require_roles()
def list_tasks() -> ResponseReturnValue:
    """The caller's tasks, newest first: `status` open (default) or done, optional `kind`."""
    status = request.args.get("status") or "open"
    if status not in STATUSES:
        raise ValidationError("status must be open or done", field="status")
    conditions = [*scope(current_user()), Task.status == status]
    kind = request.args.get("kind")
    if kind:
        if not KIND.fullmatch(kind):  # a code: words of a-z and _ (a NUL never reaches SQL)
            raise ValidationError("kind: a task kind such as sla_breach", field="kind")
        conditions.append(Task.kind == kind)
    session = db_session()
    total = session.scalar(select(func.count(Task.id)).where(*conditions)) or 0
    page = _page()
    rows = session.execute(
        select(Task, Case.number)
        .outerjoin(Case, Task.case_id == Case.id)
        .where(*conditions)
        .order_by(Task.created_at.desc(), Task.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return jsonify(
        {
            "items": [task_json(task, number) for task, number in rows],
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "total": total,
        }
    )


@blueprint.post("/tasks/<int(max=2147483647):task_id>/close")
@require_roles()
def close(task_id: int) -> ResponseReturnValue:
    """Mark one of the caller's tasks done (again: no change)."""
    session = db_session()
    user = current_user()
    task = session.scalar(select(Task).where(Task.id == task_id, *scope(user)))
    if task is None:
        raise NotFound(f"no task {task_id}", field="task_id")
    if task.status != "done":
        close_task(session, task, user_id=user.id, now=now())
        session.commit()
    number = session.scalar(select(Case.number).where(Case.id == task.case_id))
    return jsonify(task_json(task, number))
