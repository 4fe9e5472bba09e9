"""What a call's events cause: a recognised caller, a call's end, a hang-up in the middle (R2.3)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.calls.models import PhoneCall
from backend.calls.proactive import CASE_CALL_PURPOSES, case_call_ended, transcription_arrived
from backend.calls.service import MACHINE_ANSWERS, apply_status, find_call, record_inbound
from backend.cases.machine import TERMINAL
from backend.cases.models import Case
from backend.cases.service import find_case
from backend.db import utcnow
from backend.dialogues import engine
from backend.dialogues.models import Conversation
from backend.errors import NotFound, ValidationError
from backend.people.models import Customer, Role
from backend.people.service import get_customer_by_phone
from backend.phones import mask_phone, normalize_phone
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
    """Who is calling, as far as the caller ID tells (R4.5: name, phone)."""

    phone: str | None
    customer: Customer | None
    open_case: Case | None


def caller_phone(raw: str | None, settings: Settings) -> str | None:
    """The caller ID in E.164, or None when withheld or not a number."""
    try:
        return normalize_phone(raw or "", region=settings.region, field="From")
    except ValidationError:
        return None


def recognise_caller(session: Session, settings: Settings, raw_from: str | None) -> Caller:
    phone = caller_phone(raw_from, settings)
    customer = get_customer_by_phone(session, phone) if phone else None
    open_case = latest_open_case(session, customer.id) if customer else None
    return Caller(phone, customer, open_case)


def latest_open_case(session: Session, customer_id: int) -> Case | None:
    return session.scalar(
        select(Case)
        .where(Case.customer_id == customer_id, Case.status.not_in(TERMINAL))
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(1)
    )


def inbound_call(
    session: Session, settings: Settings, *, call_sid: str, raw_from: str | None, now: datetime
) -> tuple[PhoneCall, Caller, Conversation]:
    """Record the call (R2.3) and open its conversation in the caller's known language."""
    caller = recognise_caller(session, settings, raw_from)
    call = record_inbound(
        session,
        call_sid=call_sid,
        phone=caller.phone or "unknown",
        customer_id=caller.customer.id if caller.customer else None,
        now=now,
    )
    conversation = engine.get_conversation(
        session, "phone", call_sid, language=caller.customer.language if caller.customer else None
    )
    if caller.customer is not None:
        conversation.customer_id = caller.customer.id
    return call, caller, conversation


def status_callback(
    session: Session,
    settings: Settings,
    form: Mapping[str, str],
    *,
    call_id: str | None,
    now: datetime,
    owners: Sequence[CallOwner] = (),
) -> str:
    """Apply a Twilio status callback once: "applied", or "replayed" when seen before."""
    call = find_call(session, form.get("CallSid"), call_id)
    if call is None:
        raise NotFound("no call with this CallSid", field="CallSid")
    if not apply_status(call, form, now):
        return "replayed"
    if call.over:
        call_ended(session, settings, call, now, owners=owners)
    return "applied"


def call_ended(
    session: Session,
    settings: Settings,
    call: PhoneCall,
    now: datetime,
    *,
    owners: Sequence[CallOwner] = (),
) -> None:
    """The call is over: its owner scores it (a survey attempt); a dialogue cut short is kept
    for a callback."""
    owner = next((o for o in owners if o.purpose == call.purpose), None)
    if owner is not None:
        owner.ended(session, settings, call, now)
    elif call.purpose in CASE_CALL_PURPOSES:
        case_call_ended(session, call, now)
    elif call.outcome is None:
        call.outcome = call.status if call.status != "completed" else "answered"
    conversation = session.scalar(
        select(Conversation).where(
            Conversation.channel == "phone", Conversation.address == call.call_sid
        )
    )
    if conversation is None or conversation.dialogue is None:
        return
    if conversation.dialogue not in ("survey", "opinion"):  # we called them: no callback
        hung_up_mid_dialogue(session, settings, call, conversation, now)
    conversation.dialogue = conversation.step = None


def hung_up_mid_dialogue(
    session: Session, settings: Settings, call: PhoneCall, conversation: Conversation, now: datetime
) -> None:
    """R2.3: a call cut short is never lost; a receptionist calls back with what was said."""
    said = {
        key: value
        for key, value in (conversation.data or {}).items()
        if value not in (None, "", [], {}) and not key.endswith("_page")
    }
    local = calendar_for(settings).local(now)
    open_task(
        session,
        kind="callback",
        role=Role.RECEPTIONIST,
        title=f"Call back: caller hung up during {conversation.dialogue} ({local:%Y-%m-%d %H:%M})",
        customer_id=call.customer_id,
        detail=_summary(said, conversation.step),
        data={
            "phone": call.phone,
            "call_sid": call.call_sid,
            "dialogue": conversation.dialogue,
            "step": conversation.step,
            "answers": said,
        },
        dedupe_key=f"callback:{call.call_sid}",
    )
    call.outcome = "hung_up"
    logger.info(
        "call %s from %s ended during %s at %s: callback task opened",
        call.id,
        mask_phone(call.phone),
        conversation.dialogue,
        conversation.step,
    )


def person_answered(call: PhoneCall, answered_by: str | None) -> bool:
    """An outbound call was picked up: Twilio's answering-machine verdict is kept on the call,
    and False means a machine took it (R8.3: an answering machine counts as no answer)."""
    call.answered_by = (answered_by or "")[:24] or None
    return (call.answered_by or "") not in MACHINE_ANSWERS


def transfer_to_person(
    session: Session,
    settings: Settings,
    now: datetime,
    call: PhoneCall,
    conversation: Conversation,
    *,
    complaint: bool = False,
) -> str | None:
    """The number to <Dial> for a person: the hotline, or the independent complaint hotline for
    a complaint about staff (R9.4). What was said so far is kept on the call, so that a failed
    transfer still leads to a callback (R2.3); None (no number configured) opens the callback."""
    if conversation.dialogue is not None:
        call.data = {
            **(call.data or {}),
            "interrupted": {
                "dialogue": conversation.dialogue,
                "step": conversation.step,
                "answers": dict(conversation.data or {}),
            },
        }
        engine.cancel(engine.Context(session, settings, now, "phone", conversation))
    call.data = {**(call.data or {}), "transfer": "complaint_hotline" if complaint else "hotline"}
    number = settings.complaint_hotline_number if complaint else settings.hotline_phone_number
    if not number:
        open_callback(session, call, reason="no hotline number is configured")
    return number or None


def transfer_ended(session: Session, call: PhoneCall, dial_status: str) -> bool:
    """After the <Dial>: True when nobody answered, and a callback task is open (R2.3)."""
    if dial_status == "completed":
        return False
    open_callback(session, call, reason=f"transfer ended: {dial_status or 'unknown'}")
    return True


def open_callback(session: Session, call: PhoneCall, *, reason: str) -> None:
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
        title=f"Call back: {reason}",
        detail=None,
        data={"phone": call.phone, "call_sid": call.call_sid, **(call.data or {})},
        dedupe_key=f"callback:{call.call_sid}",
    )


def _summary(said: dict[str, Any], step: str | None) -> str:
    lines = [
        f"{key}: {value}"
        for key, value in said.items()
        if key not in ("verified", "customer_id", "media", "model_ids")
    ]
    lines.append(f"stopped at: {step}")
    return "\n".join(lines)[:3000]


def attach_transcription(
    session: Session,
    *,
    call_sid: str,
    recording_url: str,
    text: str,
    now: datetime | None = None,
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
        session, call, recording_url, text, now or utcnow()
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


def link_case(call: PhoneCall, case_number: str | None, session: Session) -> None:
    """The case this call created (R2.3: the registration record names its call)."""
    case = find_case(session, case_number)
    if case is not None:
        call.case_id = case.id
        transcriptions = (call.data or {}).get("transcriptions", {})
        for url, text in transcriptions.items():
            _transcribe_media(case, url, text)
