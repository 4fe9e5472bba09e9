"""What a page shows about a case: the SLA clock in working time, who did what, the explanations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.calendar import BusinessCalendar
from backend.cases.machine import RepairStatus, is_open
from backend.cases.models import Case, CaseEvent
from backend.dashboard.i18n import gettext, label
from backend.i18n import missing_translations, translate
from backend.parsing import ascii_digits
from backend.people.models import Customer, StaffUser, Technician


@dataclass(frozen=True)
class SlaView:
    """R7.14 as seen now: the deadline, working time left, and whether to mark it red."""

    due_at: datetime | None
    remaining: timedelta | None
    state: str  # "none" | "ok" | "warned" | "late" | "met" | "missed"

    @property
    def alarm(self) -> bool:
        return self.state in ("warned", "late", "missed")


def sla_view(case: Case, now: datetime, calendar: BusinessCalendar) -> SlaView:
    due = case.sla_due_at
    if due is None:
        return SlaView(None, None, "none")
    if case.arrived_at is not None:
        return SlaView(due, None, "met" if case.arrived_at <= due else "missed")
    if not is_open(case.status) or case.status == RepairStatus.RESOLVED:
        return SlaView(due, None, "none")
    if now > due:
        return SlaView(due, None, "late")
    remaining = calendar.working_time_between(now, due)
    warned = case.sla_warned_at is not None or (
        case.sla_warn_at is not None and now >= case.sla_warn_at
    )
    return SlaView(due, remaining, "warned" if warned else "ok")


TECHNICIAN_KEYS = ("technician_id", "runner_up_id")


class ActorNames:
    """Turns history labels ("user:3", "technician:5", "customer:9", "system") into names."""

    def __init__(self, session: Session, events: list[CaseEvent]) -> None:
        ids: dict[str, set[int]] = {"user": set(), "technician": set(), "customer": set()}
        for event in events:
            kind, _, number = event.actor.partition(":")
            if kind in ids and ascii_digits(number) and len(number) <= 9:
                ids[kind].add(int(number))
            for key in TECHNICIAN_KEYS:  # explanations name technicians by id
                value = (event.data or {}).get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    ids["technician"].add(value)
        self.names: dict[str, str] = {}
        models: dict[str, Any] = {"user": StaffUser, "technician": Technician, "customer": Customer}
        for kind, model in models.items():
            if ids[kind]:
                for row in session.scalars(select(model).where(model.id.in_(ids[kind]))):
                    self.names[f"{kind}:{row.id}"] = self._name(row)

    @staticmethod
    def _name(row: Any) -> str:
        if isinstance(row, StaffUser):
            return row.name or row.email
        return str(row.name)

    def __call__(self, actor: str) -> str:
        return self.names.get(actor, actor)


EXPLAINED_ACTIONS = frozenset({"assign", "unassignable", "decline", "replan", "override"})


@dataclass(frozen=True)
class EventView:
    at: datetime
    who: str
    actor: str
    action: str
    channel: str | None
    from_status: str | None
    to_status: str | None
    note: str | None
    details: list[tuple[str, str]]
    explanation: bool
    sentence: str = ""


PEOPLE = ("user:", "technician:", "customer:", "customer")
# Policy numbers stay in code and tests, never on screen ("(R4.6)", "R7.9").
POLICY_NUMBER = re.compile(r"\s*\(?\bR\d+\.\d+(?:[–-]R?\d+\.\d+)?\)?")

SENTENCES: dict[str, str] = {
    "intake": "{who} registered the case.",
    "assign": "{who} gave the job to {technician}.",
    "accept": "{who} accepted the job.",
    "decline": "{who} declined the job.",
    "depart": "{who} set off.",
    "arrive": "{who} arrived.",
    "resolve": "{who} resolved it.",
    "close": "{who} closed the case.",
    "cancel": "{who} cancelled the case.",
    "route": "Routed to {department}.",
    "escalate": "Escalated to {role}.",
    "answer": "{who} answered the customer.",
    "unassignable": "No technician could take the job.",
    "sla_warning": "Most of the time to arrive is used up.",
    "sla_breach": "The arrival deadline passed; the job was escalated.",
    "roll_over": "Not finished today: first in line on the next working day.",
    "message": "{who} wrote to the customer.",
    "customer_message": "The customer wrote.",
    "relocate": "{who} corrected where the customer is.",
}


def _sentence(event: CaseEvent, who: str, names: ActorNames, case: Case) -> str:
    """The entry as one sentence in the reader's language (the words come from the .po files)."""
    data = event.data or {}
    template = SENTENCES.get(event.action)
    technician_id = data.get("technician_id")
    technician = names(f"technician:{technician_id}") if technician_id else None
    if event.action == "assign" and technician is None:
        technician = case.assigned_technician.name if case.assigned_technician else "–"
    if template is None:
        template = "{who}: {action}."
    text = gettext(
        template,
        who=who,
        technician=technician or "–",
        department=label(data.get("department") or case.department),
        role=label(data.get("to") or case.escalated_to),
        action=label(event.action),
    )
    if event.to_status and event.from_status != event.to_status:
        text += " " + gettext("Status: {status}.", status=label(event.to_status))
    return text


def shown_note(event: CaseEvent, language: str) -> str | None:
    """A person's words as written; the system's own notes only in the language they were
    written in (dispatch explains in Korean), and never with policy numbers."""
    note = event.note
    if not note:
        return None
    if event.action == "unassignable":  # the planner's reason, a message of the catalogue
        known = language == "en" or not missing_translations(language, [note])
        return translate(language, note) if known else None
    if event.action in EXPLAINED_ACTIONS:
        return POLICY_NUMBER.sub("", note) if language == "ko" else None
    return note if event.actor.startswith(PEOPLE) else None


def event_views(
    session: Session, case: Case, *, with_text: bool = True, language: str = "ko"
) -> list[EventView]:
    """The full history, oldest first, with names instead of ids; without `with_text` (the
    reader may not see what a complaint says) no notes and no recorded details."""
    names = ActorNames(session, case.events)
    return [
        EventView(
            at=event.at,
            who=names(event.actor),
            actor=event.actor,
            action=event.action,
            channel=event.channel,
            from_status=event.from_status,
            to_status=event.to_status,
            note=shown_note(event, language) if with_text else None,
            details=[],
            explanation=event.action in EXPLAINED_ACTIONS,
            sentence=_sentence(
                event,
                gettext("System") if event.actor == "system" else names(event.actor),
                names,
                case,
            ),
        )
        for event in case.events
    ]
