"""What a call's events cause: a recognised caller, a call's end, a hang-up in the middle (R2.3)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from backend.calls.models import PhoneCall
from backend.calls.proactive import CASE_CALL_PURPOSES, case_call_ended, transcription_arrived
from backend.calls.service import MACHINE_ANSWERS, find_call
from backend.cases.models import Case
from backend.errors import ValidationError
from backend.i18n import Message, message
from backend.people.models import Role
from backend.people.service import caller_card
from backend.phones import normalize_phone
from backend.settings import Settings
from backend.tasks.service import open_task

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallOwner:
    """A domain that places calls through this machinery (the rating survey, R8.3): what it does
    when one of its calls ends, and with a transcription of a recording made in one. Passed in
    by whoever handles Twilio's callbacks, so that the call machinery never imports its users."""

    purpose: str
    ended: Callable[[Session, Settings, PhoneCall, datetime], object]
    transcribed: Callable[[Session, PhoneCall, str, str], bool]


@dataclass(frozen=True)
class Caller:
    """Who is calling, as far as the caller ID tells (R4.5: name, phone): what a greeting needs
    of a known customer, not the customer's whole row."""

    phone: str | None
    customer_id: int | None = None
    name: str | None = None  # to greet by
    language: str | None = None  # to speak in


def caller_phone(raw: str | None, settings: Settings) -> str | None:
    """The caller ID in E.164, or None when withheld or not a number."""
    try:
        return normalize_phone(raw or "", region=settings.region, field="From")
    except ValidationError:
        return None


def recognise_caller(session: Session, settings: Settings, raw_from: str | None) -> Caller:
    phone = caller_phone(raw_from, settings)
    known = caller_card(session, phone) if phone else None
    return Caller(phone, *known) if known else Caller(phone)


def score_call(
    session: Session,
    settings: Settings,
    call: PhoneCall,
    now: datetime,
    *,
    owners: Sequence[CallOwner] = (),
) -> None:
    """The call is over: its owner scores it (a survey attempt, R8.3), a manager's call lands in
    the case history (R9.5, R9.7), any other call keeps how it went."""
    owner = next((o for o in owners if o.purpose == call.purpose), None)
    if owner is not None:
        owner.ended(session, settings, call, now)
    elif call.purpose in CASE_CALL_PURPOSES:
        case_call_ended(session, call, now)
    elif call.outcome is None:
        call.outcome = call.status if call.status != "completed" else "answered"


def person_answered(call: PhoneCall, answered_by: str | None) -> bool:
    """An outbound call was picked up: Twilio's answering-machine verdict is kept on the call,
    and False means a machine took it (R8.3: an answering machine counts as no answer)."""
    call.answered_by = (answered_by or "")[:24] or None
    return (call.answered_by or "") not in MACHINE_ANSWERS


def transfer_ended(session: Session, call: PhoneCall, dial_status: str) -> bool:
    """After the <Dial>: True when nobody answered, and a callback task is open (R2.3)."""
    if dial_status == "completed":
        return False
    open_callback(
        session,
        call,
        reason=message("Call back: the transfer ended ({status})", status=dial_status or "unknown"),
    )
    return True


def open_callback(session: Session, call: PhoneCall, *, reason: Message) -> None:
    """R2.3: a caller we could not put through is called back: by the complaint hotline's
    officer after a transfer to the complaint hotline (R9.4), else by a receptionist."""
    role = (
        Role.HOTLINE_OFFICER
        if (call.data or {}).get("transfer") == "complaint_hotline"
        else Role.RECEPTIONIST
    )
    open_task(
        session,
        kind="callback",
        role=role,
        customer_id=call.customer_id,
        title=reason,
        detail=None,
        data={"phone": call.phone, "call_sid": call.call_sid, **(call.data or {})},
        dedupe_key=f"callback:{call.call_sid}",
    )


def attach_transcription(
    session: Session,
    *,
    call_sid: str,
    recording_url: str,
    text: str,
    now: datetime,
    owners: Sequence[CallOwner] = (),
) -> bool:
    """Twilio's transcription arrives after the call moved on: keep it beside the recording."""
    call = find_call(session, call_sid)
    text = text.strip()[:5000]
    if call is None or not recording_url or not text:
        return False
    if call.case_id is not None:
        case = session.get(Case, call.case_id)
        if case is not None and _transcribe_media(case, recording_url, text):
            return True
    if call.purpose in CASE_CALL_PURPOSES and transcription_arrived(
        session, call, recording_url, text, now
    ):
        return True
    if any(owner.transcribed(session, call, recording_url, text) for owner in owners):
        return True
    call.data = {
        **(call.data or {}),
        "transcriptions": {**(call.data or {}).get("transcriptions", {}), recording_url: text},
    }
    return False


def _transcribe_media(case: Case, recording_url: str, text: str) -> bool:
    media = [dict(item) for item in case.media or []]
    found = False
    for item in media:
        if item.get("url") == recording_url:
            placeholder = not item.get("text")
            item["text"], found = text, True
            if placeholder:
                # The spoken description replaces the "(see the recording)" stand-in.
                case.description = text
    case.media = media
    return found


def link_case(session: Session, call: PhoneCall, case: Case) -> None:
    """The case this call created (R2.3: the registration record names its call)."""
    call.case_id = case.id
    transcriptions = (call.data or {}).get("transcriptions", {})
    for url, text in transcriptions.items():
        _transcribe_media(case, url, text)
