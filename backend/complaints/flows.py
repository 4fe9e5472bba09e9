"""A complaint's life beyond its status: who is told at intake, the answer and the customer's
satisfaction, a reopening (R2.3–R2.10, R8.5–R8.7, R9.4)."""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from backend.actors import SYSTEM
from backend.calls.proactive import request_case_call
from backend.cases.models import Case, CaseKind
from backend.cases.service import record_event
from backend.complaints.deadlines import set_reply_deadline
from backend.complaints.departments import assign_to_department, tell_superior
from backend.complaints.formal import check_repeats, open_formal_case
from backend.complaints.routing import DepartmentCode
from backend.errors import Conflict
from backend.i18n import message, translate
from backend.outbox.service import message_customer
from backend.people.models import Role
from backend.settings import Settings
from backend.tasks.service import open_task

logger = logging.getLogger(__name__)

# Satisfaction buttons in Telegram: "satisfied:<yes|no>:<case number>".
SATISFACTION_CALLBACK = "satisfied"


def complaint_routed(session: Session, case: Case, *, settings: Settings, now: datetime) -> None:
    """A complaint just routed: its department's task (R2.3), the person's superior (R2.4), the
    reply deadline, and a formal case when it repeats a group within the window (R2.9)."""
    title = message("Complaint {number} for your department", number=case.number)
    # The hotline's own complaints (R9.4) are the hotline officer's alert already (its owner).
    if case.department and case.department != DepartmentCode.COMPLAINT_HOTLINE:
        assign_to_department(
            session,
            case=case,
            department=case.department,
            title=title,
            detail=case.description[:300],
            now=now,
        )
    if case.about_staff_id is not None or case.about_technician_id is not None:
        tell_superior(
            session,
            case,
            title=message("Complaint about your staff: {number}", number=case.number),
            now=now,
        )
    set_reply_deadline(case, settings=settings, start=case.reported_at)
    check_repeats(session, case, settings=settings, now=now)


def contact_registered(session: Session, case: Case, *, now: datetime) -> None:
    """R2.3: an inquiry or a return is the after-sales department's task from intake on."""
    kind = "inquiry" if case.kind == CaseKind.INQUIRY else "return"
    title = message(f"{kind.capitalize()} {{number}}", number=case.number)
    assign_to_department(
        session,
        case=case,
        department=DepartmentCode.SERVICE,
        title=title,
        kind=kind,
        detail=case.description[:300],
        now=now,
    )


def answer_given(
    session: Session,
    case: Case,
    answer: str,
    *,
    user_id: int | None,
    settings: Settings,
    now: datetime,
) -> dict[str, object]:
    """The answer recorded (who, when) and sent in the customer's channel: Telegram or SMS, or
    a call task for staff when neither reaches them; a complaint's customer is asked once
    whether they are satisfied (R2.10): with buttons in a chat, else by a call at the next
    calling moment that takes the answer by phone keys."""
    case.answered_at = now
    case.answered_by = user_id
    language = case.customer.language
    in_chat = case.customer.telegram_chat_id is not None or bool(
        (case.reported_as or {}).get("chat")
    )
    ask = case.kind == CaseKind.COMPLAINT and in_chat  # the buttons need a chat
    markup = _satisfaction_buttons(case, language) if ask else None
    text = f"[{case.number}] {answer}"
    if markup is not None:
        text += "\n\n" + translate(language, "Are you satisfied with this answer?")
    sent = message_customer(
        session,
        case.customer,
        text,
        case=case,
        purpose="answer",
        dedupe_key=f"answer:{case.number}:{len(case.events)}",
        reply_markup=markup,
        now=now,
    )
    if sent is None:
        open_task(
            session,
            kind="answer_call",
            role=Role.RECEPTIONIST,
            title=message("Call the customer of {number} with the answer", number=case.number),
            case=case,
            detail=answer[:300],
            dedupe_key=f"answer-call:{case.number}:{len(case.events)}",
        )
    if case.kind == CaseKind.COMPLAINT and markup is None and settings.voice_enabled:
        with suppress(Conflict):  # asked already today (a second answer): one call is enough
            request_case_call(
                session, settings, case, purpose="satisfaction", actor=SYSTEM, now=now
            )
    return {"answer": answer, "answered_by": user_id, "sent_by": sent.channel if sent else "call"}


def _satisfaction_buttons(case: Case, language: str) -> dict[str, object]:
    def button(label: str, value: str) -> dict[str, str]:
        return {
            "text": translate(language, label),
            "callback_data": f"{SATISFACTION_CALLBACK}:{value}:{case.number}",
        }

    return {"inline_keyboard": [[button("👍 Satisfied", "yes"), button("👎 Not satisfied", "no")]]}


@dataclass(frozen=True)
class Satisfaction:
    """The customer's answer to "satisfied?": recorded, or already given, or not theirs."""

    recorded: bool
    already: bool = False
    formal_case: str | None = None


def record_satisfaction(
    session: Session,
    case: Case,
    *,
    satisfied: bool,
    settings: Settings,
    now: datetime,
    channel: str,
) -> Satisfaction:
    """Asked once: the first answer counts. Not satisfied opens a formal case (R2.9)."""
    if case.kind != CaseKind.COMPLAINT or case.answered_at is None:
        return Satisfaction(recorded=False)
    if case.satisfied is not None:
        return Satisfaction(recorded=False, already=True)
    case.satisfied = satisfied
    record_event(
        session,
        case,
        actor="customer",
        action="satisfaction",
        at=now,
        channel=channel,
        note="satisfied with the answer" if satisfied else "not satisfied with the answer",
        data={"satisfied": satisfied},
    )
    if satisfied:
        return Satisfaction(recorded=True)
    formal = open_formal_case(
        session,
        key=f"complaint:{case.number}",
        cases=[case],
        reason="the customer is not satisfied with the answer",
        settings=settings,
        now=now,
    )
    return Satisfaction(recorded=True, formal_case=formal.number)


def complaint_reopened(session: Session, case: Case, *, settings: Settings, now: datetime) -> str:
    """A reopened complaint: a new reply deadline and a formal case (R2.9)."""
    case.answered_at = None
    case.answered_by = None
    case.satisfied = None
    case.closed_at = None
    set_reply_deadline(case, settings=settings, start=now)
    formal = open_formal_case(
        session,
        key=f"complaint:{case.number}",
        cases=[case],
        reason="the complaint was reopened",
        settings=settings,
        now=now,
    )
    return formal.number
