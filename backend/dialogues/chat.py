"""A Telegram chat's steps outside the running dialogue, decided in backend.

`bot/handlers.py` opens the chat once per update (`open_chat`: who writes, in which language,
and the conversation) and then turns the update into one call here or in `flows`, rendering
what comes back (texts and keyboards stay in `bot/`). Who may rate or sign off which case, which
job button starts a dialogue and which is a step of the job, and a chosen language's reach are
decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.cases.models import Case
from backend.cases.notices import job_buttons
from backend.cases.service import find_case, get_case, open_cases_of_customer
from backend.casework.flows import perform_action
from backend.complaints.flows import Satisfaction, record_satisfaction
from backend.db import insert_unless_exists
from backend.dialogues import engine
from backend.dialogues.engine import Context
from backend.dialogues.flows import Step, begin
from backend.dialogues.models import Conversation
from backend.dialogues.status import cases_text
from backend.errors import Conflict, DomainError, TransitionNotAllowed
from backend.fieldwork.jobs import action_done_text, technician_for_chat, work_job
from backend.i18n import normalize_language, translate
from backend.inbox.models import TelegramChat
from backend.outbox.service import enqueue
from backend.people.models import Customer, Technician

# A job button either starts the dialogue that asks what the step needs (a reason, the parts)
# or is the step itself.
JOB_DIALOGUES = {
    "decline": "job_decline",
    "resolve": "job_resolve",
    "quote": "job_quote",
    "pay": "job_pay",
}
SIMPLE_JOB_ACTIONS = frozenset({"accept", "depart", "arrive", "take_to_workshop", "escalate"})


@dataclass(frozen=True)
class ChatState:
    """Who writes in a private chat, in which language, and their conversation."""

    preference: TelegramChat  # the chat's own record: chosen language, link-code attempts
    language: str
    conversation: Conversation
    customer: Customer | None
    technician: Technician | None


class ChatRefused(DomainError):
    """Finding 5: only a private chat with its own user is served (what is said there is about
    that user's cases); a group, or a sender who is not the chat, gets a polite refusal."""

    status = 403
    code = "chat_refused"


REFUSAL = "For your privacy I only answer in a private chat with you. Please write to me directly."


def open_chat(
    session: Session,
    *,
    chat_id: int,
    user_language: str | None,
    private: bool = True,
    sender_id: int | None = None,
    now: datetime | None = None,
) -> ChatState:
    """The chat's record (added on first contact), its technician or customer, and its
    conversation in the chat's language; `ChatRefused` unless the chat is private and its
    sender is the chat itself (`sender_id`, when the channel tells it). A private chat gets the
    refusal queued (`now`); groups are ignored as before (their chatter is not for us)."""
    if not private or (sender_id is not None and sender_id != chat_id):
        if now is not None and private:
            lang = normalize_language(user_language)
            enqueue(
                session,
                channel="telegram",
                recipient=chat_id,
                payload={"text": translate(lang, REFUSAL)},
                purpose="bot_reply",
                now=now,
            )
        raise ChatRefused(REFUSAL)
    preference = _chat_record(session, chat_id)
    technician = technician_for_chat(session, chat_id)
    # A technician's chat speaks the technician's language, as their job cards and reminders do.
    language = (
        technician.language
        if technician is not None
        else (preference.language or normalize_language(user_language))
    )
    conversation = engine.get_conversation(session, "telegram", str(chat_id), language=language)
    conversation.language = language
    customer = session.scalar(select(Customer).where(Customer.telegram_chat_id == chat_id))
    if customer is not None and conversation.customer_id is None:
        conversation.customer_id = customer.id
    return ChatState(preference, language, conversation, customer, technician)


def _chat_record(session: Session, chat_id: int) -> TelegramChat:
    """The chat's record, added on first contact; a chat's first messages arriving together
    find one record (issue 9, finding 6)."""
    record = session.get(TelegramChat, chat_id) or insert_unless_exists(
        session, TelegramChat, {"chat_id": chat_id, "link_failures": 0}, unique=["chat_id"]
    )
    record = record or session.get(TelegramChat, chat_id)  # the other request's, committed
    assert record is not None
    return record


def choose_language(
    code: str,
    *,
    preference: TelegramChat,
    conversation: Conversation,
    customer: Customer | None,
    technician: Technician | None,
) -> str:
    """The chat's language, chosen: the customer's and the technician's too (job cards,
    reminders and /today follow it)."""
    language = normalize_language(code)
    preference.language = conversation.language = language
    if customer is not None:
        customer.language = language
    if technician is not None:
        technician.language = language
    return language


@dataclass(frozen=True)
class MyCases:
    """ "My cases": the text at once for a linked customer, else the status dialogue's step."""

    text: str | None = None
    step: Step | None = None


def my_cases(ctx: Context, customer: Customer | None, *, language: str) -> MyCases:
    """A linked chat's cases (any running dialogue stops); otherwise the status dialogue asks
    for the phone number first."""
    if customer is None:
        return MyCases(step=begin(ctx, "status"))
    engine.cancel(ctx)
    text = cases_text(ctx.session, customer.id, settings=ctx.settings, now=ctx.now, lang=language)
    return MyCases(text=text)


def case_note(
    ctx: Context, customer: Customer | None, *, text: str, media: list[dict[str, Any]]
) -> Step | None:
    """A customer writing outside a dialogue: a note to the case it is about (the dialogue asks
    which when several are open); None when there is no text or no open case to add it to."""
    cases = open_cases_of_customer(ctx.session, customer.id) if customer else []
    if not text or not cases:
        return None
    return begin(ctx, "case_note", text=text, media=media)


def rate_case(ctx: Context, customer: Customer | None, number: str) -> Step | None:
    """The rating survey of case `number` (R8.4), for its own customer only; None otherwise."""
    case = find_case(ctx.session, number)
    if case is None or customer is None or case.customer_id != customer.id:
        return None
    return begin(ctx, "survey", case_number=number)


@dataclass(frozen=True)
class SignOff:
    """The customer's confirmation of the service certificate (R7.4): the case, or why not."""

    case: Case | None = None
    already_confirmed: bool = False
    refusal: DomainError | None = None


def sign_off(ctx: Context, customer: Customer, number: str) -> SignOff:
    """The customer confirms the work on case `number` with the Telegram button (R7.4)."""
    try:
        with ctx.session.begin_nested():
            case = get_case(ctx.session, number)
            perform_action(
                ctx.session,
                case,
                "sign_off",
                actor=Actor("customer", id=customer.id, channel="telegram"),
                body={"signed_by": customer.name, "note": "confirmed with the Telegram button"},
                settings=ctx.settings,
                now=ctx.now,
            )
    except TransitionNotAllowed:
        return SignOff(already_confirmed=True)
    except DomainError as error:
        return SignOff(refusal=error)
    return SignOff(case=case)


QUOTE_ANSWERS = ("accept_quote", "decline_quote")


def answer_quote(ctx: Context, customer: Customer, number: str, action: str) -> SignOff:
    """The customer accepts or declines the quote on case `number` with its button (R4.11)."""
    if action not in QUOTE_ANSWERS:
        return SignOff(refusal=DomainError("unknown answer", field="action"))
    try:
        with ctx.session.begin_nested():
            case = get_case(ctx.session, number)
            perform_action(
                ctx.session,
                case,
                action,
                actor=Actor("customer", id=customer.id, channel="telegram"),
                body={},
                settings=ctx.settings,
                now=ctx.now,
            )
    except (TransitionNotAllowed, Conflict):  # answered already (or the visit is over)
        return SignOff(already_confirmed=True)
    except DomainError as error:
        return SignOff(refusal=error)
    return SignOff(case=case)


@dataclass(frozen=True)
class JobStep:
    """A job button pressed: a dialogue begun, or the step done (the card's new buttons and
    what the technician is told), or a refusal; `unknown` for a button that is no step."""

    dialogue: Step | None = None
    buttons: dict[str, object] | None = None
    done_text: str = ""
    refusal: DomainError | None = None
    unknown: bool = False


def job_button(
    ctx: Context, technician: Technician, action: str, number: str, *, language: str
) -> JobStep:
    """A technician's job button: only on their own jobs (R6.5)."""
    if action in JOB_DIALOGUES:
        step = begin(ctx, JOB_DIALOGUES[action], case_number=number, technician_id=technician.id)
        return JobStep(dialogue=step)
    if action not in SIMPLE_JOB_ACTIONS:
        return JobStep(unknown=True)
    try:
        with ctx.session.begin_nested():
            case = work_job(
                ctx.session,
                technician,
                number,
                action,
                settings=ctx.settings,
                now=ctx.now,
                channel="telegram",
            )
    except DomainError as error:
        return JobStep(refusal=error)
    done = action_done_text(case, action, settings=ctx.settings, now=ctx.now, language=language)
    return JobStep(buttons=job_buttons(case, language), done_text=done)


def complaint_satisfaction(
    ctx: Context, customer: Customer | None, number: str, *, satisfied: bool
) -> Satisfaction:
    """The customer's button under an answer: satisfied or not (R2.10); not: a formal case
    (R2.9). Only their own complaint, and only the first answer counts."""
    case = find_case(ctx.session, number)
    if customer is None or case is None or case.customer_id != customer.id:
        return Satisfaction(recorded=False)
    return record_satisfaction(
        ctx.session,
        case,
        satisfied=satisfied,
        settings=ctx.settings,
        now=ctx.now,
        channel="telegram",
    )
