"""Departments with a head and members (R2.3–R2.8): a routed case becomes the department's task
and a message to each member; a complaint about a person goes to their superior (R2.4)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.complaints.routing import DepartmentCode
from backend.i18n import Message, in_language
from backend.outbox.models import OutboxChannel
from backend.outbox.service import enqueue, staff_text
from backend.people.models import Department, Role, StaffUser, Technician
from backend.tasks.models import Task
from backend.tasks.service import open_task

logger = logging.getLogger(__name__)

# The role a department's task is filed under: no account has it, so only the department's
# members (tasks.department) see the task, never everyone of the head's role.
DEPARTMENT_TASK_ROLE = "department"
# Staff of the after-sales department when their account names no department.
AFTER_SALES_ROLES = frozenset(
    {Role.RECEPTIONIST, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.TECHNICIAN}
)


def members(session: Session, department: str) -> list[StaffUser]:
    """The active staff of a department, its head included."""
    head_id = session.scalar(select(Department.head_user_id).where(Department.code == department))
    rows = session.scalars(
        select(StaffUser)
        .where(StaffUser.active.is_(True))
        .where((StaffUser.department == department) | (StaffUser.id == head_id))
        .order_by(StaffUser.id)
    ).all()
    return list(rows)


def head_of(session: Session, department: str) -> StaffUser | None:
    department_row = session.get(Department, department)
    if department_row is None or department_row.head_user_id is None:
        return None
    head = session.get(StaffUser, department_row.head_user_id)
    return head if head is not None and head.active else None


def excluded_person(case: Case) -> int | None:
    """The staff account a complaint is about: it is never told of it (R2.4)."""
    return case.about_staff_id


def assign_to_department(
    session: Session,
    *,
    case: Case,
    department: str,
    title: str | Message,
    now: datetime,
    kind: str = "complaint",
    detail: str | None = None,
) -> Task | None:
    """The department's task for `case` and a Telegram message to each linked member (R2.3);
    None when the department has that task already (routing twice tells nobody twice)."""
    if department not in set(DepartmentCode):
        raise ValueError(f"unknown department {department!r}")
    task = open_task(
        session,
        kind=kind,
        role=DEPARTMENT_TASK_ROLE,
        title=title,
        case=case,
        detail=detail,
        department=department,
        dedupe_key=f"department:{case.number}:{department}:{kind}",
    )
    if task is None:
        return None
    skipped = excluded_person(case)
    for member in members(session, department):
        if member.id != skipped:
            text = staff_text(title, detail, member.language)
            message_staff(session, member, text, case=case, key=f"{task.dedupe_key}", now=now)
    logger.info("case %s given to department %s", case.number, department)
    return task


def message_staff(
    session: Session, user: StaffUser, text: str, *, case: Case | None, key: str, now: datetime
) -> bool:
    """A Telegram message to one staff member with a linked chat; the dashboard shows the task."""
    if user.telegram_chat_id is None:
        return False
    queued = enqueue(
        session,
        channel=OutboxChannel.TELEGRAM,
        recipient=user.telegram_chat_id,
        payload={"text": text},
        case=case,
        purpose="staff_alert",
        dedupe_key=f"{key}:user{user.id}",
        now=now,
    )
    return queued is not None


def superior_of(session: Session, case: Case) -> StaffUser | None:
    """R2.4: whom a complaint about a person goes to — the head of their department, or the
    vice-president above a head; a technician answers to the after-sales department's head."""
    if case.about_technician_id is not None:
        return head_of(session, DepartmentCode.SERVICE) or _first_of_role(
            session, Role.SERVICE_DIRECTOR, not_id=None
        )
    if case.about_staff_id is None:
        return None
    person = session.get(StaffUser, case.about_staff_id)
    if person is None:
        return None
    head = head_of(session, person.department) if person.department else None
    if head is not None and head.id != person.id:
        return head
    return _first_of_role(session, Role.VICE_PRESIDENT, not_id=person.id)


def _first_of_role(session: Session, role: str, *, not_id: int | None) -> StaffUser | None:
    query = select(StaffUser).where(StaffUser.role == role, StaffUser.active.is_(True))
    if not_id is not None:
        query = query.where(StaffUser.id != not_id)
    return session.scalar(query.order_by(StaffUser.id).limit(1))


def tell_superior(
    session: Session, case: Case, *, title: str | Message, now: datetime
) -> Task | None:
    """The person's superior gets the complaint as their own task and a message (R2.4)."""
    superior = superior_of(session, case)
    if superior is None:
        logger.warning("complaint %s names a person without a superior", case.number)
        return None
    task = open_task(
        session,
        kind="complaint_about_person",
        role=superior.role,
        title=title,
        case=case,
        user_id=superior.id,
        dedupe_key=f"superior:{case.number}",
    )
    if task is not None:
        text = in_language(title, superior.language)
        message_staff(session, superior, text, case=case, key=f"superior:{case.number}", now=now)
    return task


def is_after_sales(session: Session, case: Case) -> bool:
    """The person named works in after-sales (R9.4: then the independent hotline owns it)."""
    if case.about_technician_id is not None:
        return True
    if case.about_staff_id is None:
        return False
    person = session.get(StaffUser, case.about_staff_id)
    if person is None:
        return False
    if person.department is not None:
        return person.department == DepartmentCode.SERVICE
    return person.role in AFTER_SALES_ROLES


def person_named(session: Session, name: str) -> tuple[int | None, int | None]:
    """(technician id, staff id) of the one person with exactly this name, else (None, None):
    a customer names a person in their words; a wrong guess would hide it from the wrong one."""
    wanted = name.strip()
    technicians = session.scalars(
        select(Technician.id).where(Technician.name == wanted, Technician.active.is_(True))
    ).all()
    staff = session.scalars(
        select(StaffUser.id).where(StaffUser.name == wanted, StaffUser.active.is_(True))
    ).all()
    if len(technicians) + len(staff) != 1:
        return None, None
    return (technicians[0], None) if technicians else (None, staff[0])
