"""An inbound call in backend: what the greeting, a key at the main menu or at the complaint
question, and the end of a transfer lead to.

`ivr/views.py` reads Twilio's form, calls one function here, and speaks the `MenuStep` it gets
back (the words live in `ivr/phone_menu.py`). The keys' meanings (contract: 1 report a fault,
2 a complaint, 3 my case, 0 a person; 4 rates a job when one is open, 9 English) are decided
here, as are the retries and the hand-over to a person (R2.3, R9.4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from backend.calls.flows import Caller, transfer_ended
from backend.calls.models import PhoneCall
from backend.dialogues import engine
from backend.dialogues.engine import Context, Prompt
from backend.dialogues.models import Conversation
from backend.dialogues.phone import begin, call_context, first_request, missed, transfer_to_person
from backend.i18n import normalize_language
from backend.settings import Settings
from backend.surveys.models import Survey
from backend.surveys.service import open_survey_of_customer

MENU_KEYS = "1230"  # report a fault, a complaint, my case, a person (contract)
RATE_KEY = "4"  # offered only while a survey of the caller's is open (R8.3's call-back)
ENGLISH_KEY = "9"  # offered while the call is in Korean
SUGGESTION_KEY = "5"  # leave a suggestion (R2.10, R9.3)
RETURN_KEY = "6"  # return a product (R3.1–R3.3)
COMPLAINT_KEYS = "12"  # R9.4: 1 about our staff (independent hotline), 2 anything else


def menu_keys(*, offer_survey: bool) -> str:
    """The main menu's keys: 4 (rate the last repair) only while a survey is open."""
    return MENU_KEYS + SUGGESTION_KEY + RETURN_KEY + (RATE_KEY if offer_survey else "")


# The caller's keys or words as one of the allowed keys, None for silence or anything else.
Choose = Callable[[str], str | None]


@dataclass(frozen=True)
class MenuStep:
    """What the caller hears next, in the order the fields are listed."""

    conversation: Conversation
    caller: Caller | None = None  # greet (by name when known; no case is named: finding 5)
    again: bool = False  # nothing usable came: "sorry", then the same question again
    said: Prompt | None = None  # a finished dialogue's answer, said (the status of my cases)
    prompt: Prompt | None = None  # a dialogue's question
    complaint_question: bool = False  # R9.4: about our staff, or another complaint?
    menu: bool = False  # the main menu
    offer_survey: bool = False  # with `menu`: key 4 rates the last repair
    transfer: bool = False  # a person, at `dial`
    dial: str | None = None  # None with `transfer`: no number, a callback task is open
    callback: bool = False  # the transfer failed: a receptionist calls back (R2.3)
    goodbye: bool = False  # thank the caller and hang up
    hang_up: bool = False


def greeting(
    session: Session, settings: Settings, now: datetime, *, call_sid: str, raw_from: str | None
) -> MenuStep:
    """An inbound call: recorded (R2.3), greeted, then the main menu."""
    caller, conversation = first_request(
        session, settings, call_sid=call_sid, raw_from=raw_from, now=now
    )
    if conversation.retries:  # a repeated first request; a fresh row is left clean (no flush)
        conversation.retries = 0
    offer = open_survey(session, conversation) is not None
    return MenuStep(conversation, caller=caller, menu=True, offer_survey=offer)


def menu_choice(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    call_sid: str,
    call_id: str | None,
    raw_from: str | None,
    choose: Choose,
) -> MenuStep:
    """A key (or word) at the main menu: a dialogue, the complaint question, my cases, a
    person; silence or a wrong key asks again once, then offers a person."""
    call, ctx = call_context(
        session, settings, now, call_sid=call_sid, call_id=call_id, raw_from=raw_from
    )
    conversation = ctx.conversation
    survey = open_survey(session, conversation)
    survey_open = survey is not None
    keys = menu_keys(offer_survey=survey_open)
    korean = normalize_language(conversation.language) == "ko"
    choice = choose(keys + (ENGLISH_KEY if korean else ""))
    if choice is None:
        return _again(
            ctx, call, MenuStep(conversation, again=True, menu=True, offer_survey=survey_open)
        )
    conversation.retries = 0
    if choice == ENGLISH_KEY:
        conversation.language = "en"
        return MenuStep(conversation, menu=True, offer_survey=survey_open)
    if choice == "1":
        return MenuStep(conversation, prompt=begin(ctx, "intake", phone=raw_from))
    if choice == "2":
        return MenuStep(conversation, complaint_question=True)
    if choice == "3":
        return my_cases(ctx, raw_from, offer_survey=survey_open)
    if choice == RATE_KEY:
        return rate_last_repair(ctx, survey)
    if choice == SUGGESTION_KEY:
        return MenuStep(conversation, prompt=begin(ctx, "suggestion", phone=raw_from))
    if choice == RETURN_KEY:
        return MenuStep(conversation, prompt=begin(ctx, "return", phone=raw_from))
    return _person(ctx, call)


def my_cases(ctx: Context, raw_from: str | None, *, offer_survey: bool) -> MenuStep:
    """Menu 3: the "my cases" dialogue: the caller keys in a case number (and, without a
    caller ID, the phone number first); that case is said, then the menu again (finding 5)."""
    prompt = engine.start(ctx, "status", phone=raw_from)
    if not prompt.finished:
        return MenuStep(ctx.conversation, prompt=prompt)
    engine.cancel(ctx)
    return MenuStep(ctx.conversation, said=prompt, menu=True, offer_survey=offer_survey)


def rate_last_repair(ctx: Context, survey: Survey | None) -> MenuStep:
    """Menu 4: the rating survey of the caller's open survey (R8.3), else the menu again."""
    if survey is None:
        return MenuStep(ctx.conversation, menu=True)
    return MenuStep(ctx.conversation, prompt=begin(ctx, "survey", case_number=survey.case.number))


def complaint_choice(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    call_sid: str,
    call_id: str | None,
    raw_from: str | None,
    choose: Choose,
) -> MenuStep:
    """Menu 2: staff complaints to the independent complaint hotline (R9.4), others to the
    complaint dialogue."""
    call, ctx = call_context(
        session, settings, now, call_sid=call_sid, call_id=call_id, raw_from=raw_from
    )
    choice = choose(COMPLAINT_KEYS)
    if choice is None:
        return _again(ctx, call, MenuStep(ctx.conversation, again=True, complaint_question=True))
    ctx.conversation.retries = 0
    if choice == "1":
        return _person(ctx, call, complaint=True)
    return MenuStep(ctx.conversation, prompt=begin(ctx, "complaint", phone=raw_from))


def notice_reply(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    call_sid: str,
    call_id: str | None,
    raw_from: str | None,
    choose: Choose,
) -> MenuStep:
    """After a notice (R7.15, R9.5): 1 puts the person through, anything else says goodbye."""
    call, ctx = call_context(
        session, settings, now, call_sid=call_sid, call_id=call_id, raw_from=raw_from
    )
    if choose("1") == "1":
        return _person(ctx, call)
    return MenuStep(ctx.conversation, goodbye=True)


def person_done(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    call_sid: str,
    call_id: str | None,
    raw_from: str | None,
    dial_status: str,
) -> MenuStep:
    """After the <Dial>: nobody answered → a receptionist calls back (R2.3); the call ends."""
    call, ctx = call_context(
        session, settings, now, call_sid=call_sid, call_id=call_id, raw_from=raw_from
    )
    callback = transfer_ended(session, call, dial_status)
    return MenuStep(ctx.conversation, callback=callback, hang_up=True)


def open_survey(session: Session, conversation: Conversation) -> Survey | None:
    """The caller's survey that may be answered now (menu 4), if any."""
    customer_id = conversation.customer_id
    return open_survey_of_customer(session, customer_id) if customer_id else None


def _again(ctx: Context, call: PhoneCall, ask_again: MenuStep) -> MenuStep:
    """Silence or an invalid key: ask once more, then offer a person (never stuck)."""
    return _person(ctx, call) if missed(ctx.conversation) else ask_again


def _person(ctx: Context, call: PhoneCall, *, complaint: bool = False) -> MenuStep:
    number = transfer_to_person(
        ctx.session, ctx.settings, ctx.now, call, ctx.conversation, complaint=complaint
    )
    return MenuStep(ctx.conversation, transfer=True, dial=number)
