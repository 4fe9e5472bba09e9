"""A phone call's conversation: what each of Twilio's requests during a call does, in backend.

`ivr/views.py` turns a request into one call here and speaks what comes back: the inbound call
recorded (R2.3) with its conversation, one answer to the running dialogue (with the case it
registers), a transfer to a person (R9.4), and the end of a call, which scores it and keeps a
dialogue cut short for a callback (R2.3). The call machinery (`backend.calls`) knows nothing of
dialogues; this module puts the two together.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.calls.flows import (
    Caller,
    CallOwner,
    attach_transcription,
    caller_phone,
    link_case,
    open_callback,
    recognise_caller,
    score_call,
)
from backend.calls.models import CallPurpose, PhoneCall
from backend.calls.service import apply_status, find_call, record_inbound
from backend.db import as_loaded
from backend.dialogues import engine
from backend.dialogues.engine import Answer, Context, Prompt
from backend.dialogues.flows import finished_case
from backend.dialogues.models import Conversation
from backend.errors import NotFound
from backend.i18n import DEFAULT_LANGUAGE, message
from backend.people.models import Customer, Role
from backend.phones import mask_phone
from backend.settings import Settings
from backend.surveys.calling import SURVEY_CALLS
from backend.surveys.service import open_survey_of_customer
from backend.tasks.service import open_task

logger = logging.getLogger(__name__)

MAX_TRIES = 2  # a prompt is asked again once; then the caller is offered a person
CALLED_DIALOGUES = ("survey", "opinion")  # dialogues of calls we placed: no callback, no person
NOTHING_HEARD = "Sorry, I did not hear anything."
# The domains whose calls' ends and transcriptions are theirs (the rating survey, R8.3).
CALL_OWNERS: tuple[CallOwner, ...] = (SURVEY_CALLS,)


def inbound_call(
    session: Session, settings: Settings, *, call_sid: str, raw_from: str | None, now: datetime
) -> tuple[PhoneCall, Caller, Conversation]:
    """Record the call (R2.3) and open its conversation in the caller's known language."""
    caller = recognise_caller(session, settings, raw_from)
    call = record_inbound(
        session,
        call_sid=call_sid,
        phone=caller.phone or "unknown",
        customer_id=caller.customer_id,
        now=now,
    )
    conversation = engine.get_conversation(
        session,
        "phone",
        call_sid,
        language=caller.language,
        customer_id=caller.customer_id,
        first_contact=True,
    )
    _belongs_to(conversation, caller)
    return call, caller, conversation


def _belongs_to(conversation: Conversation, caller: Caller) -> None:
    """A known caller's conversation is theirs; one already theirs is left clean (no flush)."""
    if caller.customer_id is not None and conversation.customer_id != caller.customer_id:
        conversation.customer_id = caller.customer_id


def first_request(
    session: Session, settings: Settings, *, call_sid: str, raw_from: str | None, now: datetime
) -> tuple[Caller, Conversation]:
    """A call's first request (`/ivr/voice`): the caller recognised, the call recorded (R2.3)
    and its conversation opened in the caller's language, as `inbound_call` does.

    The busiest phone request (issue 14): on PostgreSQL the three are one statement, one round
    trip (`first_request_statement`); elsewhere `inbound_call`'s three. A repeated first request (a
    retry) inserts nothing and reads the conversation the first one opened."""
    if session.get_bind().dialect.name != "postgresql":
        _call, caller, conversation = inbound_call(
            session, settings, call_sid=call_sid, raw_from=raw_from, now=now
        )
        return caller, conversation
    phone = caller_phone(raw_from, settings)
    session.flush()  # nothing is pending at a request's start; a Core statement skips autoflush
    row = (
        session.connection()
        .execute(
            first_request_statement(),
            {"caller": phone, "number": phone or "unknown", "sid": call_sid, "at": now},
        )
        .one()
    )
    caller = Caller(phone, row.customer_id, row.name, row.language)
    if row.conversation_id is None:  # opened by an earlier request of this call
        conversation = engine.get_conversation(session, "phone", call_sid)
        _belongs_to(conversation, caller)
        return caller, conversation
    return caller, as_loaded(
        session,
        Conversation,
        {
            "id": row.conversation_id,
            "channel": "phone",
            "address": call_sid,
            "dialogue": None,
            "step": None,
            "data": {},
            "language": row.language or DEFAULT_LANGUAGE,
            "retries": 0,
            "customer_id": row.customer_id,
        },
    )


@functools.cache
def first_request_statement() -> Any:
    """PostgreSQL: the customer with the calling number (`caller`, NULL when withheld), the
    inbound call `sid` from `number` at `at` inserted unless there, and its conversation
    likewise, in the customer's language — one statement. Columns: customer_id, name,
    language (NULL for an unknown number), call_id and conversation_id (NULL where the row was
    there already)."""
    customers, calls = cast(Table, Customer.__table__), cast(Table, PhoneCall.__table__)
    conversations = cast(Table, Conversation.__table__)
    known = (
        select(customers.c.id, customers.c.name, customers.c.language)
        .where(customers.c.phone == bindparam("caller", type_=customers.c.phone.type))
        .cte("known")
    )
    customer_id = select(known.c.id).scalar_subquery()
    call_sid = bindparam("sid", type_=calls.c.call_sid.type)
    at = bindparam("at", type_=calls.c.placed_at.type)  # the columns' own defaults would clash
    call = (
        postgresql.insert(calls)
        .from_select(
            ["call_sid", "direction", "purpose", "phone", "customer_id", "status", "placed_at"]
            + ["created_at", "callbacks", "data"],
            select(
                call_sid,
                literal("inbound"),
                literal(CallPurpose.INBOUND.value),
                bindparam("number", type_=calls.c.phone.type),
                customer_id,
                literal("in-progress"),
                at,
                at,
                literal([], calls.c.callbacks.type),
                literal({}, calls.c.data.type),
            ),
        )
        .on_conflict_do_nothing(index_elements=["call_sid"])
        .returning(calls.c.id)
        .cte("call")
    )
    conversation = (
        postgresql.insert(conversations)
        .from_select(
            ["channel", "address", "data", "language", "customer_id", "retries"]
            + ["created_at", "updated_at"],
            select(
                literal("phone"),
                call_sid,
                literal({}, conversations.c.data.type),
                func.coalesce(select(known.c.language).scalar_subquery(), DEFAULT_LANGUAGE),
                customer_id,
                literal(0),
                at,
                at,
            ),
        )
        .on_conflict_do_nothing(index_elements=["channel", "address"])
        .returning(conversations.c.id)
        .cte("conversation")
    )
    return select(
        customer_id.label("customer_id"),
        select(known.c.name).scalar_subquery().label("name"),
        select(known.c.language).scalar_subquery().label("language"),
        select(call.c.id).scalar_subquery().label("call_id"),
        select(conversation.c.id).scalar_subquery().label("conversation_id"),
    )


def call_context(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    call_sid: str,
    call_id: str | None,
    raw_from: str | None,
) -> tuple[PhoneCall, Context]:
    """The call and conversation of this request; a call first seen here is recorded too."""
    call = find_call(session, call_sid, call_id)
    conversation = engine.get_conversation(session, "phone", call_sid)
    if call is None:
        call, _caller, conversation = inbound_call(
            session, settings, call_sid=call_sid, raw_from=raw_from, now=now
        )
    return call, Context(session, settings, now, "phone", conversation)


def has_open_survey(session: Session, conversation: Conversation) -> bool:
    """Whether the caller may rate a job now (menu 4, R8.3's call-back)."""
    customer_id = conversation.customer_id
    return bool(customer_id and open_survey_of_customer(session, customer_id))


def begin(ctx: Context, name: str, **options: Any) -> Prompt:
    """Start dialogue `name` on the phone; what a phone cannot give is skipped."""
    return skip_unanswerable(ctx, engine.start(ctx, name, **options))


def skip_unanswerable(ctx: Context, prompt: Prompt) -> Prompt:
    """A photo or a location cannot be given by phone: skip it when the dialogue allows."""
    while prompt.kind in ("photo", "location") and prompt.optional and prompt.error is None:
        prompt = engine.advance(ctx, Answer(skip=True))
    return prompt


def missed(conversation: Conversation) -> bool:
    """Silence or an invalid key at a menu: True when it is time to offer a person."""
    conversation.retries += 1
    return conversation.retries >= MAX_TRIES


@dataclass(frozen=True)
class PhoneStep:
    """What to say after one answer on the phone."""

    call: PhoneCall
    conversation: Conversation
    prompt: Prompt | None = None  # the next question, the same one again, or the closing words
    idle: bool = False  # no dialogue running: hang up a call we placed, else the main menu
    offer_survey: bool = False  # with `idle` on an inbound call: menu 4 is offered
    goodbye: bool = False  # gave up in a call we placed: thank the person and hang up
    transfer: bool = False  # gave up in the caller's own dialogue: a person, at `dial`
    dial: str | None = None  # None with `transfer`: no number, a callback task is open
    said: Prompt | None = None  # with `idle`: a finished answer said before the menu (my case)


def answer_step(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    call_sid: str,
    call_id: str | None,
    raw_from: str | None,
    read: Callable[[Prompt, str], Answer | None],
) -> PhoneStep:
    """One answer to the running dialogue. `read(prompt, language)` turns the request into the
    answer to the prompt; the step, the case it registers (linked to the call, R2.3) and, after
    a second miss, a person or a goodbye are decided here."""
    call, ctx = call_context(
        session, settings, now, call_sid=call_sid, call_id=call_id, raw_from=raw_from
    )
    conversation = ctx.conversation
    if conversation.dialogue is None:
        inbound = call.direction != "outbound"
        offer = inbound and has_open_survey(session, conversation)
        return PhoneStep(call, conversation, idle=True, offer_survey=offer)
    name = conversation.dialogue
    answer = read(engine.current_prompt(ctx), conversation.language)
    if answer is None:
        conversation.retries += 1
        prompt = engine.current_prompt(ctx, error=NOTHING_HEARD)
    else:
        prompt = skip_unanswerable(ctx, engine.advance(ctx, answer))
    if prompt.error is not None and conversation.retries >= MAX_TRIES:
        return give_up(ctx, call, name)
    case = finished_case(ctx, prompt)
    if case is not None:
        link_case(session, call, case)
    if prompt.finished and name == "status" and call.direction != "outbound":
        # The case the caller keyed in (finding 5) is said, then the menu again, as menu 3 does.
        offer = has_open_survey(session, conversation)
        return PhoneStep(call, conversation, said=prompt, idle=True, offer_survey=offer)
    return PhoneStep(call, conversation, prompt=prompt)


def give_up(ctx: Context, call: PhoneCall, name: str) -> PhoneStep:
    """Two misses: a call we placed ends politely (the answers given so far are saved); a
    caller's own dialogue goes to a person."""
    if name in CALLED_DIALOGUES:
        engine.cancel(ctx)
        return PhoneStep(call, ctx.conversation, goodbye=True)
    number = transfer_to_person(ctx.session, ctx.settings, ctx.now, call, ctx.conversation)
    return PhoneStep(call, ctx.conversation, transfer=True, dial=number)


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
        engine.cancel(Context(session, settings, now, "phone", conversation))
    call.data = {**(call.data or {}), "transfer": "complaint_hotline" if complaint else "hotline"}
    number = settings.complaint_hotline_number if complaint else settings.hotline_phone_number
    if not number:
        open_callback(session, call, reason=message("Call back: no hotline number is configured"))
    return number or None


def status_callback(
    session: Session,
    settings: Settings,
    form: Mapping[str, str],
    *,
    call_id: str | None,
    now: datetime,
    owners: Sequence[CallOwner] = CALL_OWNERS,
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


def transcription_arrived(
    session: Session, *, call_sid: str, recording_url: str, text: str, now: datetime
) -> bool:
    """Twilio's transcription of a <Record>: kept beside the recording on the case or survey."""
    return attach_transcription(
        session,
        call_sid=call_sid,
        recording_url=recording_url,
        text=text,
        now=now,
        owners=CALL_OWNERS,
    )


def call_ended(
    session: Session,
    settings: Settings,
    call: PhoneCall,
    now: datetime,
    *,
    owners: Sequence[CallOwner] = (),
) -> None:
    """The call is over: it is scored; a dialogue cut short is kept for a callback (R2.3)."""
    score_call(session, settings, call, now, owners=owners)
    conversation = session.scalar(
        select(Conversation).where(
            Conversation.channel == "phone", Conversation.address == call.call_sid
        )
    )
    if conversation is None or conversation.dialogue is None:
        return
    if conversation.dialogue not in CALLED_DIALOGUES:  # we called them: no callback
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
        title=message(
            "Call back: caller hung up during {dialogue} ({time})",
            dialogue=conversation.dialogue,
            time=f"{local:%Y-%m-%d %H:%M}",
        ),
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


def _summary(said: dict[str, Any], step: str | None) -> str:
    lines = [
        f"{key}: {value}"
        for key, value in said.items()
        if key not in ("verified", "customer_id", "media", "model_ids")
    ]
    lines.append(f"stopped at: {step}")
    return "\n".join(lines)[:3000]
