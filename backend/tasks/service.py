"""Opening and closing staff tasks; alerts to a role are a task plus a message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, or_, select
from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.i18n import Message, translate
from backend.outbox.models import OutboundMessage, OutboxChannel
from backend.outbox.service import enqueue, message_role, reachable_staff, staff_text
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


@dataclass(frozen=True)
class CaseAlert:
    """One `alert` about a case, for `alert_many`."""

    kind: str
    role: str
    title: Message
    case: Case
    dedupe_key: str


def alert_many(session: Session, alerts: Sequence[CaseAlert], *, now: datetime) -> int:
    """`alert` for many cases at once (a backlog of SLA breaches): one query for the tasks that
    exist already, one per role for its people, one for the messages queued already — not a
    few queries per case. The same tasks and messages, with the same keys, as `alert` each."""
    keys = [each.dedupe_key for each in alerts]
    opened = set(session.scalars(select(Task.dedupe_key).where(Task.dedupe_key.in_(keys))))
    fresh = []
    for each in alerts:
        if each.dedupe_key not in opened:  # a key twice in `alerts`: one task, as `alert` twice
            opened.add(each.dedupe_key)
            fresh.append(each)
    if fresh:
        # One executemany of one statement, no RETURNING (nothing reads the new tasks here): as
        # objects flushed by the session they went as multi-row INSERTs … RETURNING whose long
        # text psycopg parsed afresh each time, most of a breach backlog's CPU.
        session.execute(
            insert(Task),
            [
                {
                    "kind": each.kind,
                    "role": each.role,
                    "title": str(each.title)[:300],
                    "title_message": each.title.stored(),
                    "case_id": each.case.id,
                    "customer_id": each.case.customer_id,
                    "dedupe_key": each.dedupe_key,
                }
                for each in fresh
            ],
        )
    staff = {role: reachable_staff(session, role) for role in {each.role for each in fresh}}
    wanted = [
        (each, user, f"{each.dedupe_key}:user{user.id}")
        for each in fresh
        for user in staff[each.role]
    ]
    queued = set(
        session.scalars(
            select(OutboundMessage.dedupe_key).where(
                OutboundMessage.dedupe_key.in_([key for _, _, key in wanted])
            )
        )
    )
    for each, user, key in wanted:
        if key in queued:
            continue
        # Each key was looked up for the whole batch just above: queued without enqueue's own
        # look-up (a query per message), then given its key.
        queued_message = enqueue(
            session,
            channel=OutboxChannel.TELEGRAM,
            recipient=user.telegram_chat_id or 0,
            payload={"text": staff_text(each.title, None, user.language)},
            case=each.case,
            purpose="staff_alert",
            now=now,
        )
        if queued_message is not None:
            queued_message.dedupe_key = key
    return len(fresh)


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
