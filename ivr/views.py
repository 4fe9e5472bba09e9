"""/ivr/*: Twilio's webhooks. Each checks the signature, turns the form into a backend call, and
answers TwiML (or JSON for status callbacks). Decisions live in backend/; this only translates."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from twilio.twiml.voice_response import VoiceResponse

from backend.api.errors import error_response
from backend.calls.flows import (
    attach_transcription,
    inbound_call,
    link_case,
    status_callback,
)
from backend.calls.models import PhoneCall
from backend.calls.service import MACHINE_ANSWERS, find_call
from backend.dialogues import engine
from backend.dialogues.engine import Answer, Context, Prompt
from backend.dialogues.models import Conversation
from backend.errors import DomainError, NotFound
from backend.people.models import Customer, Role
from backend.surveys.calling import SURVEY_CALLS
from backend.surveys.service import open_survey_of_customer, survey_for_case
from backend.tasks.service import open_task
from backend.web import db_session, now, settings
from ivr import phone_menu
from ivr.parse import answer_from_form
from ivr.render import Speaker, recorded, render_prompt
from ivr.security import twilio_only

logger = logging.getLogger(__name__)
blueprint = Blueprint("ivr", __name__, url_prefix="/ivr")

DIALOGUE_ACTION = "/ivr/dialogue"
CALL_OWNERS = (SURVEY_CALLS,)  # the domains whose calls' ends and transcriptions are theirs
MAX_TRIES = 2  # a prompt is asked again once; then the caller is offered a person


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def form() -> dict[str, str]:
    return {key: value for key, value in request.form.items()}


def _call_sid() -> str:
    sid = (request.form.get("CallSid") or "").strip()
    if not sid or len(sid) > 64:
        raise NotFound("CallSid is required", field="CallSid")
    return sid


def _caller_context() -> tuple[PhoneCall, Conversation, Context]:
    """The call and conversation of this request; a call first seen here is recorded too."""
    session = db_session()
    sid = _call_sid()
    call = find_call(session, sid, request.args.get("call_id"))
    conversation = engine.get_conversation(session, "phone", sid)
    if call is None:
        call, _caller, conversation = inbound_call(
            session, settings(), call_sid=sid, raw_from=request.form.get("From"), now=now()
        )
    return call, conversation, Context(session, settings(), now(), "phone", conversation)


def _speaker(conversation: Conversation) -> Speaker:
    return Speaker(settings(), conversation.language)


@blueprint.errorhandler(DomainError)
def _domain_error(error: DomainError) -> ResponseReturnValue:
    return error_response(error.status, error.code, error.message, error.field)


# --- inbound: greeting and menu -------------------------------------------------------------


@blueprint.post("/voice")
@twilio_only
def voice() -> ResponseReturnValue:
    """An inbound call: greet (by name when known), mention an open case, offer the menu."""
    session = db_session()
    _call, caller, conversation = inbound_call(
        session, settings(), call_sid=_call_sid(), raw_from=request.form.get("From"), now=now()
    )
    conversation.retries = 0
    speaker = _speaker(conversation)
    response = VoiceResponse()
    phone_menu.greet(speaker, response, caller)
    phone_menu.menu(speaker, response, offer_survey=_has_open_survey(conversation))
    session.commit()
    return twiml(response)


def _has_open_survey(conversation: Conversation) -> bool:
    customer_id = conversation.customer_id
    return bool(customer_id and open_survey_of_customer(db_session(), customer_id))


@blueprint.post("/menu")
@twilio_only
def main_menu() -> ResponseReturnValue:
    call, conversation, ctx = _caller_context()
    speaker = _speaker(conversation)
    offer_survey = _has_open_survey(conversation)
    choice = phone_menu.menu_choice(
        request.form,
        allowed="1230" + ("4" if offer_survey else "") + ("9" if speaker.language == "ko" else ""),
    )
    if choice is None:
        return _again(
            call,
            conversation,
            lambda r: phone_menu.menu(_speaker(conversation), r, offer_survey=offer_survey),
        )
    conversation.retries = 0
    response = VoiceResponse()
    if choice == "9":
        conversation.language = "en"
        phone_menu.menu(_speaker(conversation), response, offer_survey=offer_survey)
    elif choice == "1":
        _start(ctx, response, "intake", phone=request.form.get("From"))
    elif choice == "2":
        phone_menu.complaint_question(speaker, response)
    elif choice == "3":
        _status(ctx, speaker, response, offer_survey)
    elif choice == "4":
        _start_survey(ctx, response)
    else:
        _person(call, conversation, response)
    db_session().commit()
    return twiml(response)


def _again(call: PhoneCall, conversation: Conversation, ask: Any) -> ResponseReturnValue:
    """Silence or an invalid key: ask once more, then offer a person (never stuck)."""
    conversation.retries += 1
    response = VoiceResponse()
    if conversation.retries >= MAX_TRIES:
        _person(call, conversation, response)
    else:
        _speaker(conversation).say(response, "Sorry, I did not get that.")
        ask(response)
    db_session().commit()
    return twiml(response)


def _start(ctx: Context, response: VoiceResponse, dialogue: str, **options: Any) -> None:
    prompt = _skip_unanswerable(ctx, engine.start(ctx, dialogue, **options))
    render_prompt(_speaker(ctx.conversation), prompt, action=DIALOGUE_ACTION, response=response)


def _status(ctx: Context, speaker: Speaker, response: VoiceResponse, offer_survey: bool) -> None:
    """Menu 3: the "my cases" dialogue, said, then the menu again (only for the caller's own
    number do we say more than the case numbers, R6.5)."""
    prompt = engine.start(ctx, "status", phone=request.form.get("From"))
    if not prompt.finished:  # no caller ID: the number is asked first
        render_prompt(speaker, prompt, action=DIALOGUE_ACTION, response=response)
        return
    engine.cancel(ctx)
    speaker.say(response, prompt.text, **prompt.values)
    phone_menu.menu(speaker, response, offer_survey=offer_survey)


def _start_survey(ctx: Context, response: VoiceResponse) -> None:
    survey = open_survey_of_customer(ctx.session, ctx.conversation.customer_id or 0)
    if survey is None:
        phone_menu.menu(_speaker(ctx.conversation), response)
        return
    _start(ctx, response, "survey", case_number=survey.case.number)


@blueprint.post("/complaint")
@twilio_only
def complaint() -> ResponseReturnValue:
    """Menu 2: staff complaints to the independent hotline (R9.4), others to the dialogue."""
    call, conversation, ctx = _caller_context()
    choice = phone_menu.menu_choice(request.form, allowed="12")
    if choice is None:
        return _again(
            call, conversation, lambda r: phone_menu.complaint_question(_speaker(conversation), r)
        )
    conversation.retries = 0
    response = VoiceResponse()
    if choice == "1":
        _person(call, conversation, response, complaint=True)
    else:
        _start(ctx, response, "complaint", phone=request.form.get("From"))
    db_session().commit()
    return twiml(response)


# --- a running dialogue (intake, complaint, survey) -----------------------------------------


@blueprint.post("/dialogue")
@twilio_only
def dialogue_step() -> ResponseReturnValue:
    """One answer to the running dialogue; the next prompt, the same one again, or a person."""
    call, conversation, ctx = _caller_context()
    speaker = _speaker(conversation)
    if conversation.dialogue is None:
        response = VoiceResponse()
        if call.direction == "outbound":
            response.hangup()
        else:
            phone_menu.menu(speaker, response, offer_survey=_has_open_survey(conversation))
        return twiml(response)
    name = conversation.dialogue
    prompt = engine.current_prompt(ctx)
    answer = answer_from_form(prompt, request.form, speaker.language)
    if answer is None and prompt.optional and recorded(prompt):
        answer = Answer(skip=True)
    if answer is None:
        conversation.retries += 1
        prompt = engine.current_prompt(ctx, error="Sorry, I did not hear anything.")
    else:
        prompt = _skip_unanswerable(ctx, engine.advance(ctx, answer))
    response = VoiceResponse()
    if prompt.error is not None and conversation.retries >= MAX_TRIES:
        _give_up(call, conversation, response, name)
    else:
        if prompt.finished:
            link_case(call, (prompt.result or {}).get("case_number"), ctx.session)
        render_prompt(speaker, prompt, action=DIALOGUE_ACTION, response=response)
    ctx.session.commit()
    return twiml(response)


def _skip_unanswerable(ctx: Context, prompt: Prompt) -> Prompt:
    """A photo or a location cannot be given by phone: skip it when the dialogue allows."""
    while prompt.kind in ("photo", "location") and prompt.optional and prompt.error is None:
        prompt = engine.advance(ctx, Answer(skip=True))
    return prompt


def _give_up(
    call: PhoneCall, conversation: Conversation, response: VoiceResponse, name: str
) -> None:
    speaker = _speaker(conversation)
    if name in ("survey", "opinion"):
        # Answers given so far are saved; a call we placed ends politely.
        engine.cancel(Context(db_session(), settings(), now(), "phone", conversation))
        speaker.say(response, "Thank you for your time. Goodbye.")
        response.hangup()
        return
    _person(call, conversation, response, complaint=False)


# --- a person --------------------------------------------------------------------------------


def _person(
    call: PhoneCall, conversation: Conversation, response: VoiceResponse, *, complaint: bool = False
) -> None:
    """<Dial> the hotline (the complaint hotline for staff complaints, R9.4); what was said so far
    is kept on the call so that a failed transfer still leads to a callback (R2.3)."""
    if conversation.dialogue is not None:
        call.data = {
            **(call.data or {}),
            "interrupted": {
                "dialogue": conversation.dialogue,
                "step": conversation.step,
                "answers": dict(conversation.data or {}),
            },
        }
        engine.cancel(Context(db_session(), settings(), now(), "phone", conversation))
    call.data = {**(call.data or {}), "transfer": "complaint_hotline" if complaint else "hotline"}
    number = phone_menu.hotline(settings(), complaint=complaint)
    if not phone_menu.connect(_speaker(conversation), response, number):
        _callback_task(call, reason="no hotline number is configured")


@blueprint.post("/person/done")
@twilio_only
def person_done() -> ResponseReturnValue:
    """After the <Dial>: nobody answered → a receptionist calls back (R2.3)."""
    call, conversation, _ctx = _caller_context()
    status = request.form.get("DialCallStatus", "")
    response = VoiceResponse()
    if status != "completed":
        _callback_task(call, reason=f"transfer ended: {status or 'unknown'}")
        _speaker(conversation).say(
            response,
            "Sorry, no one could answer. We will call you back as soon as possible. Goodbye.",
        )
    response.hangup()
    db_session().commit()
    return twiml(response)


def _callback_task(call: PhoneCall, *, reason: str) -> None:
    role = (
        Role.HOTLINE_OFFICER
        if (call.data or {}).get("transfer") == "complaint_hotline"
        else Role.RECEPTIONIST
    )
    open_task(
        db_session(),
        kind="callback",
        role=role,
        customer_id=call.customer_id,
        title=f"Call back: {reason}",
        detail=None,
        data={"phone": call.phone, "call_sid": call.call_sid, **(call.data or {})},
        dedupe_key=f"callback:{call.call_sid}",
    )


# --- outbound calls ----------------------------------------------------------------------------


@blueprint.post("/survey/<number>")
@twilio_only
def survey_call(number: str) -> ResponseReturnValue:
    """A rating call was answered (R8.3): a person hears the survey, a machine hears nothing."""
    session = db_session()
    call = find_call(session, _call_sid(), request.args.get("call_id"))
    survey = survey_for_case(session, number)
    response = VoiceResponse()
    if call is None or survey is None or call.survey_id != survey.id:
        response.hangup()
        return twiml(response)
    call.answered_by = (request.form.get("AnsweredBy") or "")[:24] or None
    if (call.answered_by or "") in MACHINE_ANSWERS:
        response.hangup()  # R8.3: a machine is no answer; the duty calls again later
        session.commit()
        return twiml(response)
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    conversation = engine.get_conversation(
        session, "phone", call.call_sid or "", language=customer.language if customer else None
    )
    ctx = Context(session, settings(), now(), "phone", conversation)
    speaker = _speaker(conversation)
    speaker.say(
        response,
        "Hello {name}, this is the after-sales service.",
        name=customer.name if customer else "",
    )
    prompt = engine.start(ctx, "survey", case_number=number)
    render_prompt(speaker, prompt, action=DIALOGUE_ACTION, response=response)
    session.commit()
    return twiml(response)


@blueprint.post("/opinion/<number>")
@twilio_only
def opinion_call(number: str) -> ResponseReturnValue:
    """A call a manager asked for (R9.5 opinion, R9.7 check) was answered: its questions."""
    session = db_session()
    call = find_call(session, _call_sid(), request.args.get("call_id"))
    response = VoiceResponse()
    if call is None or call.case is None or call.case.number != number:
        response.hangup()
        return twiml(response)
    call.answered_by = (request.form.get("AnsweredBy") or "")[:24] or None
    if (call.answered_by or "") in MACHINE_ANSWERS:
        response.hangup()  # a machine gives no opinion; the case history says so
        session.commit()
        return twiml(response)
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    conversation = engine.get_conversation(
        session, "phone", call.call_sid or "", language=customer.language if customer else None
    )
    speaker = _speaker(conversation)
    speaker.say(
        response,
        "Hello {name}, this is the after-sales service.",
        name=customer.name if customer else "",
    )
    prompt = engine.start(
        Context(session, settings(), now(), "phone", conversation), "opinion", call_id=call.id
    )
    render_prompt(speaker, prompt, action=DIALOGUE_ACTION, response=response)
    session.commit()
    return twiml(response)


@blueprint.post("/notice")
@twilio_only
def notice_call() -> ResponseReturnValue:
    """A contract-expiry notice (R7.15) or another proactive call (R9.5): the message, then 1
    for a person now."""
    session = db_session()
    call = find_call(session, _call_sid(), request.args.get("call_id"))
    response = VoiceResponse()
    if call is None:
        response.hangup()
        return twiml(response)
    call.answered_by = (request.form.get("AnsweredBy") or "")[:24] or None
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    speaker = Speaker(settings(), customer.language if customer else None)
    message = (call.data or {}).get("message") or {}
    if (call.answered_by or "") in MACHINE_ANSWERS:
        speaker.say(response, message.get("text", ""), **message.get("values", {}))
        response.hangup()
    else:
        gather = speaker.gather(response, "/ivr/notice/reply", hints=["1"])
        speaker.say(gather, message.get("text", ""), **message.get("values", {}))
        speaker.say(gather, "To speak to a person now, press 1.")
        speaker.say(response, "Thank you. Goodbye.")
        response.hangup()
    session.commit()
    return twiml(response)


@blueprint.post("/notice/reply")
@twilio_only
def notice_reply() -> ResponseReturnValue:
    call, conversation, _ctx = _caller_context()
    response = VoiceResponse()
    if phone_menu.menu_choice(request.form, allowed="1") == "1":
        _person(call, conversation, response)
    else:
        _speaker(conversation).say(response, "Thank you. Goodbye.")
        response.hangup()
    db_session().commit()
    return twiml(response)


# --- callbacks ---------------------------------------------------------------------------------


@blueprint.post("/status")
@twilio_only
def call_status() -> ResponseReturnValue:
    """Twilio's call-status callback: applied once; a replay or unknown CallSid changes nothing."""
    session = db_session()
    try:
        outcome = status_callback(
            session,
            settings(),
            form(),
            call_id=request.args.get("call_id"),
            now=now(),
            owners=CALL_OWNERS,
        )
    except NotFound:
        logger.info("status callback for an unknown call")
        return error_response(404, "unknown_call", "no call with this CallSid", field="CallSid")
    session.commit()
    return jsonify({"status": outcome})


@blueprint.post("/transcription")
@twilio_only
def transcription() -> ResponseReturnValue:
    """Twilio's transcription of a <Record>: kept beside the recording on the case or survey."""
    session = db_session()
    attached = attach_transcription(
        session,
        call_sid=request.form.get("CallSid", ""),
        recording_url=request.form.get("RecordingUrl", ""),
        text=request.form.get("TranscriptionText", ""),
        now=now(),
        owners=CALL_OWNERS,
    )
    session.commit()
    return jsonify({"attached": attached})


__all__ = ["blueprint"]
