"""A call we placed is answered: who picked up, and what they hear (R8.3, R9.5, R9.7, R7.15).

`ivr/views.py` calls one function here per Twilio request and speaks what comes back. Whether
the call is this survey's or this case's, whether a person or a machine answered (R8.3: a
machine counts as no answer, the duty calls again) and which dialogue starts are decided here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.calls.flows import person_answered
from backend.calls.models import PhoneCall
from backend.calls.service import find_call
from backend.dialogues import engine
from backend.dialogues.engine import Context, Prompt
from backend.dialogues.models import Conversation
from backend.people.models import Customer
from backend.settings import Settings
from backend.surveys.service import survey_for_case


@dataclass(frozen=True)
class AnsweredCall:
    """What the person who picked up hears: "Hello {name}" and the first question, or nothing
    (`conversation` None: hang up at once)."""

    conversation: Conversation | None = None
    name: str = ""
    prompt: Prompt | None = None


@dataclass(frozen=True)
class Notice:
    """A notice call's words (`text` with `values`); a person may then press 1 for a person, a
    machine only hears the words. `found` False: not our call, hang up."""

    found: bool
    language: str | None = None
    text: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    person: bool = False


def survey_call_answered(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    case_number: str,
    call_sid: str,
    call_id: str | None,
    answered_by: str | None,
) -> AnsweredCall:
    """A rating call was answered (R8.3): a person is asked the survey; a machine, or a call
    that is not this survey's, hears nothing (a machine counts as no answer)."""
    call = find_call(session, call_sid, call_id)
    survey = survey_for_case(session, case_number)
    if call is None or survey is None or call.survey_id != survey.id:
        return AnsweredCall()
    if not person_answered(call, answered_by):
        return AnsweredCall()  # R8.3: the duty calls again later
    return _greet_and_start(session, settings, now, call, "survey", case_number=case_number)


def opinion_call_answered(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    case_number: str,
    call_sid: str,
    call_id: str | None,
    answered_by: str | None,
) -> AnsweredCall:
    """A call a manager asked for (R9.5 opinion, R9.7 check) was answered: its questions to a
    person; a machine gives no opinion (the case history says so when the call ends)."""
    call = find_call(session, call_sid, call_id)
    if call is None or call.case is None or call.case.number != case_number:
        return AnsweredCall()
    if not person_answered(call, answered_by):
        return AnsweredCall()
    return _greet_and_start(session, settings, now, call, "opinion", call_id=call.id)


def quote_call_answered(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    case_number: str,
    call_sid: str,
    call_id: str | None,
    answered_by: str | None,
) -> AnsweredCall:
    """A quote call was answered (R4.11): a person hears the quote and presses 1 or 2; a
    machine hears nothing (the quote waits; staff may record an answer given later)."""
    call = find_call(session, call_sid, call_id)
    if call is None or call.case is None or call.case.number != case_number:
        return AnsweredCall()
    if not person_answered(call, answered_by):
        return AnsweredCall()
    quote = call.case.quote
    if quote is None or quote.get("status") != "pending":
        return AnsweredCall()
    return _greet_and_start(session, settings, now, call, "quote_consent", case_number=case_number)


def notice_call_answered(
    session: Session, *, call_sid: str, call_id: str | None, answered_by: str | None
) -> Notice:
    """A contract-expiry notice (R7.15) or another proactive call (R9.5) was answered."""
    call = find_call(session, call_sid, call_id)
    if call is None:
        return Notice(found=False)
    person = person_answered(call, answered_by)
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    message = (call.data or {}).get("message") or {}
    return Notice(
        found=True,
        language=customer.language if customer else None,
        text=message.get("text", ""),
        values=dict(message.get("values", {})),
        person=person,
    )


def _greet_and_start(
    session: Session, settings: Settings, now: datetime, call: PhoneCall, name: str, **options: Any
) -> AnsweredCall:
    """The called customer's conversation, in their language, with dialogue `name` begun."""
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    conversation = engine.get_conversation(
        session, "phone", call.call_sid or "", language=customer.language if customer else None
    )
    prompt = engine.start(Context(session, settings, now, "phone", conversation), name, **options)
    return AnsweredCall(conversation, name=customer.name if customer else "", prompt=prompt)
