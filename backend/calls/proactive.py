"""Calls a manager asks for on a case: an opinion call after service (R9.5) or a mystery-customer
check of how the service was given (R9.7). Both go through the same call path as the rating
survey (calling hours, one call an hour), and each call and its answers land in the case history.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.calendar import calendar_for
from backend.calls.models import CallPurpose, PhoneCall
from backend.calls.service import (
    MIN_GAP_PER_CUSTOMER,
    last_outbound_at,
    next_calling_moment,
    outcome_of,
    place_call,
)
from backend.cases.models import Case
from backend.cases.service import record_event
from backend.errors import Conflict, ValidationError
from backend.i18n import Message
from backend.people.models import Role
from backend.phones import mask_phone
from backend.settings import Settings

logger = logging.getLogger(__name__)

# What a manager asks for → the call's purpose (R9.5 opinion, R9.7 mystery-customer check).
REQUESTS = {"opinion": CallPurpose.PROACTIVE, "mystery_check": CallPurpose.MYSTERY_CHECK}
# Calls the desk places itself: after a complaint's answer reached a customer with no chat, the
# question "satisfied?" by phone keys (R2.10).
AUTOMATIC = {"satisfaction": CallPurpose.SATISFACTION}
CASE_CALL_PURPOSES = frozenset(REQUESTS.values()) | frozenset(AUTOMATIC.values())
CALL_PATH = "/ivr/opinion/{number}"


class VoiceDisabled(Conflict):
    code = "voice_disabled"


def request_case_call(
    session: Session, settings: Settings, case: Case, *, purpose: str, actor: Actor, now: datetime
) -> PhoneCall:
    """Queue an opinion, check or satisfaction call to the case's customer at the next calling
    moment."""
    call_purpose = REQUESTS.get(purpose) or AUTOMATIC.get(purpose)
    if call_purpose is None:
        raise ValidationError(f"purpose must be one of {', '.join(REQUESTS)}", field="purpose")
    if not settings.voice_enabled:
        raise VoiceDisabled("voice is not configured (TWILIO_AUTH_TOKEN is unset)", field="purpose")
    when = _first_free_moment(session, settings, case.customer.phone, now)
    day = calendar_for(settings).local_date(when).isoformat()
    call = place_call(
        session,
        settings,
        purpose=call_purpose,
        phone=case.customer.phone,
        path=CALL_PATH.format(number=case.number),
        now=now,
        customer_id=case.customer_id,
        case=case,
        not_before=when,
        dedupe_key=f"case-call:{case.id}:{purpose}:{day}",
    )
    if call is None:
        raise Conflict(
            f"a {purpose} call for {case.number} is already queued for {day}", field="purpose"
        )
    call.data = {"requested": purpose, "requested_by": actor.label, "answers": {}}
    record_event(
        session,
        case,
        actor=actor.label,
        action="call_requested",
        at=now,
        channel="phone",
        note=f"{purpose} call queued",
        data={"call_id": call.id, "purpose": purpose, "not_before": when.isoformat()},
    )
    logger.info(
        "%s call %s for %s queued to %s",
        purpose,
        call.id,
        case.number,
        mask_phone(case.customer.phone),
    )
    return call


def _first_free_moment(session: Session, settings: Settings, phone: str, now: datetime) -> datetime:
    """The next calling moment, at least an hour after our last call to this number."""
    when = next_calling_moment(settings, now)
    last = last_outbound_at(session, phone)
    if last is not None and when < last + MIN_GAP_PER_CUSTOMER:
        when = next_calling_moment(settings, last + MIN_GAP_PER_CUSTOMER)
    return when


def case_calls(session: Session, case: Case) -> list[PhoneCall]:
    """Every call about this case, oldest first (R2.3, R9.5: calls are recorded)."""
    return list(
        session.scalars(
            select(PhoneCall)
            .where(PhoneCall.case_id == case.id)
            .order_by(PhoneCall.placed_at, PhoneCall.id)
        )
    )


def save_answer(call: PhoneCall, question: str, value: Any) -> None:
    """One answer, kept on the call as soon as it is given (a hang-up keeps what was said)."""
    data = dict(call.data or {})
    data["answers"] = {**data.get("answers", {}), question: value}
    call.data = data


def save_comment(call: PhoneCall, *, text: str | None, recording_url: str | None) -> None:
    call.data = {**(call.data or {}), "comment": {"text": text, "recording_url": recording_url}}


def record_call_result(session: Session, call: PhoneCall, *, outcome: str, now: datetime) -> bool:
    """The call's answers (or why there are none) in the case history, once per call."""
    data = dict(call.data or {})
    case = session.get(Case, call.case_id) if call.case_id else None
    if case is None or data.get("recorded"):
        return False
    comment = data.get("comment") or {}
    record_event(
        session,
        case,
        actor="system",
        action="call_result",
        at=now,
        channel="phone",
        note=_result_note(data, outcome),
        data={
            "call_id": call.id,
            "purpose": data.get("requested", call.purpose),
            "outcome": outcome,
            "answers": data.get("answers", {}),
            "comment": comment.get("text"),
            "recording_url": comment.get("recording_url"),
        },
    )
    call.data = {**data, "recorded": True}
    return True


def _result_note(data: dict[str, Any], outcome: str) -> str:
    """One readable line for the history: "opinion call answered: overall 4; comment recorded"."""
    answers = "; ".join(
        f"{question} {_spoken_value(value)}"
        for question, value in (data.get("answers") or {}).items()
    )
    comment = "; comment recorded" if (data.get("comment") or {}).get("recording_url") else ""
    return f"{data.get('requested', 'case')} call {outcome}: {answers or 'no answers'}{comment}"


def _spoken_value(value: Any) -> str:
    if isinstance(value, bool):  # a yes/no check; a grade (1 == True in a dict!) stays a number
        return "yes" if value else "no"
    return str(value)


def case_call_ended(session: Session, call: PhoneCall, now: datetime) -> None:
    """Status callback: a call that never reached its end is recorded with how it went."""
    outcome = outcome_of(call)
    if outcome == "answered" and not (call.data or {}).get("recorded"):
        outcome = "hung_up" if (call.data or {}).get("answers") else "no_answers"
    call.outcome = call.outcome or outcome
    record_call_result(session, call, outcome=outcome, now=now)


def transcription_arrived(
    session: Session, call: PhoneCall, recording_url: str, text: str, now: datetime
) -> bool:
    """Twilio transcribes after the call: the words join the case history beside the recording."""
    comment = (call.data or {}).get("comment") or {}
    case = session.get(Case, call.case_id) if call.case_id else None
    if case is None or comment.get("recording_url") != recording_url:
        return False
    call.data = {**(call.data or {}), "comment": {**comment, "text": text}}
    record_event(
        session,
        case,
        actor="system",
        action="call_transcription",
        at=now,
        channel="phone",
        note=text[:2000],
        data={"call_id": call.id, "recording_url": recording_url},
    )
    return True


def follow_up(
    session: Session, call: PhoneCall, *, title: Message, detail: str | None, now: datetime
) -> None:
    """R8.5 / R9.7: a poor opinion or a failed check goes to the service director to act on."""
    from backend.tasks.service import alert

    case = session.get(Case, call.case_id) if call.case_id else None
    if case is None:
        return
    alert(
        session,
        kind="follow_up",
        role=Role.SERVICE_DIRECTOR,
        case=case,
        title=Message(f"{{number}}: {title.id}", {"number": case.number, **title.values}),
        detail=detail,
        dedupe_key=f"call-follow-up:{call.id}:{title}"[:200],
        now=now,
    )


def call_json(call: PhoneCall) -> dict[str, Any]:
    data = call.data or {}
    comment = data.get("comment") or {}
    return {
        "id": call.id,
        "purpose": data.get("requested", str(call.purpose)),
        "direction": call.direction,
        "status": call.status,
        "outcome": call.outcome,
        "scheduled_for": call.placed_at.isoformat(),
        "answered_by": call.answered_by,
        "answers": data.get("answers", {}),
        "comment": comment.get("text"),
        "recording_url": comment.get("recording_url"),
        "requested_by": data.get("requested_by"),
    }
