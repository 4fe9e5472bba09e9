"""The return workflow's steps (R3.3–R3.5): inspection records the cause, the decision opens
the departments' tasks and tells the customer.

`backend.casework.actions` calls these as the `inspect` (of a return) and `decide` handlers; the
status moves and their events are `apply_transition`'s, after these return the event's data.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.complaints.departments import assign_to_department
from backend.complaints.routing import DepartmentCode
from backend.errors import ValidationError
from backend.i18n import Message, message, translate
from backend.outbox.service import message_customer
from backend.people.models import Role, StaffUser, Technician
from backend.tasks.models import Task
from backend.tasks.service import open_task

logger = logging.getLogger(__name__)


class Decision(enum.StrEnum):
    """R3.3: what happens to a returned product."""

    REFUND = "refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    REJECTED = "rejected"


# R3.4: warehouse & transport fetch the item, finance records the refund, manufacturing notes
# the defect. Finance is no complaint department, so its code is this module's own.
TRANSPORT = DepartmentCode.WAREHOUSE_TRANSPORT.value
FINANCE = "finance"
MANUFACTURING = DepartmentCode.RND_PRODUCTION.value
# Finance has no department of its own here: the role whose list shows its task.
DEPARTMENT_ROLES = {FINANCE: Role.SERVICE_DIRECTOR}


def record_inspection(session: Session, case: Case, body: dict[str, Any]) -> dict[str, Any]:
    """R3.5: the cause of the return, attributed to a department and optionally a person."""
    cause = body.get("cause_department")
    if cause not in set(DepartmentCode):
        raise ValidationError(
            f"cause_department must be one of {', '.join(DepartmentCode)}",
            field="cause_department",
        )
    technician_id, user_id = body.get("cause_technician_id"), body.get("cause_user_id")
    if technician_id is not None and user_id is not None:
        raise ValidationError(
            "name one person: cause_technician_id or cause_user_id", field="cause_user_id"
        )
    if technician_id is not None and session.get(Technician, technician_id) is None:
        raise ValidationError(f"no technician {technician_id}", field="cause_technician_id")
    if user_id is not None and session.get(StaffUser, user_id) is None:
        raise ValidationError(f"no staff user {user_id}", field="cause_user_id")
    case.cause_department = cause
    case.cause_technician_id = technician_id
    case.cause_user_id = user_id
    session.flush()  # the relationships answer cause_person at once
    data: dict[str, Any] = {"cause_department": cause, "cause_person": cause_person(case)}
    if findings := str(body.get("findings") or "").strip()[:2000]:
        data["findings"] = findings
    return data


def cause_person(case: Case) -> dict[str, Any] | None:
    """The person a return is attributed to: {kind, id, name}, or None."""
    # The ids first: every case JSON asks, and most cases name nobody (no lazy loader to run).
    if case.cause_technician_id is not None and case.cause_technician is not None:
        technician = case.cause_technician
        return {"kind": "technician", "id": technician.id, "name": technician.name}
    if case.cause_user_id is not None and case.cause_user is not None:
        user = case.cause_user
        return {"kind": "staff_user", "id": user.id, "name": user.name or user.email}
    return None


def decide(session: Session, case: Case, body: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """R3.3–R3.4: refund, exchange, repair or rejected (with the rule that applies); the
    departments' tasks are opened and the customer is told."""
    decision = body.get("decision")
    if decision not in set(Decision):
        raise ValidationError(f"decision must be one of {', '.join(Decision)}", field="decision")
    rule = str(body.get("rule") or "").strip()[:500]
    if decision == Decision.REJECTED and not rule:
        raise ValidationError(
            "a rejected return names the rule that applies, in words", field="rule"
        )
    case.return_decision = decision
    case.return_rule = rule or None
    tasks = [
        task.department or (task.data or {}).get("department")
        for task in _departments_tasks(session, case, now)
    ]
    _tell_customer(session, case, now)
    return {"decision": decision, "rule": rule or None, "tasks": tasks}


def _departments_tasks(session: Session, case: Case, now: datetime) -> list[Task]:
    """R3.4: pick-up, the refund to record, the defect to note; none for a refused return."""
    if case.return_decision == Decision.REJECTED:
        return []
    model = case.product.model if case.product else "-"
    wanted = [
        (
            TRANSPORT,
            message(
                "Pick up the returned {model} from the customer ({number})",
                model=model,
                number=case.number,
            ),
        )
    ]
    if case.return_decision == Decision.REFUND:
        wanted.append(
            (FINANCE, message("Record the refund of return {number}", number=case.number))
        )
    wanted.append(
        (
            MANUFACTURING,
            message(
                "Note the defect of returned {model} ({number}); cause: {cause}",
                model=model,
                number=case.number,
                cause=case.cause_department or "-",
            ),
        )
    )
    opened = [
        _department_task(session, case=case, department=department, title=title, now=now)
        for department, title in wanted
    ]
    return [task for task in opened if task is not None]


def _department_task(
    session: Session, *, case: Case, department: str, title: Message, now: datetime
) -> Task | None:
    """One department's part of a return (R3.4); once per case and department. A department of
    the house gets it as its own task and its members are told (R2.3); finance, which is no
    department here, gets it through the role that records refunds."""
    if department in set(DepartmentCode):
        return assign_to_department(
            session, case=case, department=department, title=title, now=now, kind="return"
        )
    return open_task(
        session,
        kind="return",
        role=DEPARTMENT_ROLES[department],
        title=title,
        case=case,
        data={"department": department},
        dedupe_key=f"return:{case.number}:{department}",
    )


DECISION_TEXT = {
    Decision.REFUND: "Your return {number} is accepted: we will collect the product and refund "
    "you.",
    Decision.EXCHANGE: "Your return {number} is accepted: we will collect the product and "
    "exchange it.",
    Decision.REPAIR: "Your return {number}: we will collect the product and repair it.",
    Decision.REJECTED: "Your return {number} cannot be accepted: {rule}",
}


def _tell_customer(session: Session, case: Case, now: datetime) -> None:
    language = case.customer.language
    text = translate(
        language,
        DECISION_TEXT[Decision(case.return_decision or Decision.REJECTED)],
        number=case.number,
        rule=case.return_rule or "",
    )
    message_customer(
        session,
        case.customer,
        text,
        case=case,
        purpose="return_decision",
        dedupe_key=f"return_decision:{case.number}",
        now=now,
    )
    logger.info("return %s decided: %s", case.number, case.return_decision)
