"""Opening and closing staff tasks; alerts to a role are a task plus a message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.i18n import Message, translate
from backend.outbox.service import message_role
from backend.people.models import StaffUser, Technician
from backend.tasks.models import Task


def open_task(
    session: Session,
    *,
    kind: str,
    role: str,
    title: str | Message,
    case: Case | None = None,
    customer_id: int | None = None,
    detail: str | None = None,
    data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    department: str | None = None,
    user_id: int | None = None,
) -> Task | None:
    """A new open task, or None when one with `dedupe_key` exists already.

    `department`: a department's task, seen by its members (R2.3); `user_id`: one person's.
    A `Message` title is kept in English and with its message id, so that each reader sees it in
    their own language (`task_title`)."""
    if dedupe_key is not None:
        in_session = any(isinstance(o, Task) and o.dedupe_key == dedupe_key for o in session.new)
        if in_session or session.scalar(select(Task.id).where(Task.dedupe_key == dedupe_key)):
            return None
    task = Task(
        kind=kind,
        role=role,
        title=str(title)[:300],
        title_message=title.stored() if isinstance(title, Message) else None,
        detail=detail,
        data=data,
        case_id=case.id if case is not None else None,
        customer_id=customer_id
        if customer_id is not None
        else (case.customer_id if case is not None else None),
        dedupe_key=dedupe_key,
        department=department,
        user_id=user_id,
    )
    session.add(task)
    return task


def alert(
    session: Session,
    *,
    kind: str,
    role: str,
    title: str | Message,
    case: Case | None = None,
    detail: str | None = None,
    dedupe_key: str | None = None,
    now: datetime,
) -> Task | None:
    """An alert to a role: a task on their list and a Telegram message to each of them."""
    task = open_task(
        session, kind=kind, role=role, title=title, case=case, detail=detail, dedupe_key=dedupe_key
    )
    if task is not None:
        message_role(session, role, title, detail=detail, case=case, dedupe_key=dedupe_key, now=now)
    return task


def task_title(task: Task, language: str | None) -> str:
    """The task's title in `language` (kept in English; a title kept as a message, translated)."""
    stored = task.title_message
    if isinstance(stored, dict):
        try:
            return Message.from_stored(stored).in_language(language)
        except (KeyError, IndexError, ValueError):  # a catalogue entry that names other values
            return task.title
    return translate(language, task.title)


def task_detail(task: Task, language: str | None) -> str | None:
    """The task's detail: people's words as written; the system's own (a planner's reason) in
    `language` when the catalogue has it."""
    return translate(language, task.detail) if task.detail else task.detail


def close_task(session: Session, task: Task, *, user_id: int | None = None, now: datetime) -> Task:
    task.status = "done"
    task.done_at = now
    task.done_by = user_id
    return task


def tasks_not_about(user: StaffUser) -> ColumnElement[bool]:
    """Tasks of any case except a complaint about `user` (R2.4: never shown to them)."""
    about = select(Case.id).where(Case.about_staff_id == user.id)
    technician = select(Technician.id).where(Technician.user_id == user.id)
    about_technician = select(Case.id).where(Case.about_technician_id.in_(technician))
    return or_(
        Task.case_id.is_(None),
        Task.case_id.not_in(about.union(about_technician)),
    )
