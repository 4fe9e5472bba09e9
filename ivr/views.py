"""/ivr/*: Twilio's webhooks. Each checks the signature, turns the form into a backend call, and
answers TwiML (or JSON for status callbacks). Decisions live in backend/; this only translates."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from twilio.twiml.voice_response import VoiceResponse

from backend.api.errors import error_response
from backend.calls.flows import attach_transcription, person_answered, transfer_ended
from backend.calls.models import PhoneCall
from backend.calls.service import find_call
from backend.dialogues import engine, phone
from backend.dialogues.engine import Answer, Context, Prompt
from backend.dialogues.models import Conversation
from backend.errors import DomainError, NotFound
from backend.i18n import normalize_language
from backend.people.models import Customer
from backend.surveys.calling import SURVEY_CALLS
from backend.surveys.service import open_survey_of_customer, survey_for_case
from backend.web import db_session, now, settings
from ivr import phone_menu
from ivr.parse import answer_from_form
from ivr.render import Speaker, recorded, render_prompt
from ivr.security import twilio_only

logger = logging.getLogger(__name__)
blueprint = Blueprint("ivr", __name__, url_prefix="/ivr")

DIALOGUE_ACTION = "/ivr/dialogue"
CALL_OWNERS = (SURVEY_CALLS,)  # the domains whose calls' ends and transcriptions are theirs


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
    call, ctx = phone.call_context(
        db_session(),
        settings(),
        now(),
        call_sid=_call_sid(),
        call_id=request.args.get("call_id"),
        raw_from=request.form.get("From"),
    )
    return call, ctx.conversation, ctx


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
    _call, caller, conversation = phone.inbound_call(
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
    return phone.has_open_survey(db_session(), conversation)


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
    response = VoiceResponse()
    if phone.missed(conversation):
        _person(call, conversation, response)
    else:
        _speaker(conversation).say(response, "Sorry, I did not get that.")
        ask(response)
    db_session().commit()
    return twiml(response)


def _start(ctx: Context, response: VoiceResponse, dialogue: str, **options: Any) -> None:
    prompt = phone.begin(ctx, dialogue, **options)
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
    step = phone.answer_step(
        db_session(),
        settings(),
        now(),
        call_sid=_call_sid(),
        call_id=request.args.get("call_id"),
        raw_from=request.form.get("From"),
        read=_read_answer,
    )
    speaker = _speaker(step.conversation)
    response = VoiceResponse()
    if step.idle:
        if step.call.direction == "outbound":
            response.hangup()
        else:
            phone_menu.menu(speaker, response, offer_survey=step.offer_survey)
        return twiml(response)
    if step.goodbye:
        speaker.say(response, "Thank you for your time. Goodbye.")
        response.hangup()
    elif step.transfer:
        phone_menu.connect(speaker, response, step.dial)
    elif step.prompt is not None:
        render_prompt(speaker, step.prompt, action=DIALOGUE_ACTION, response=response)
    db_session().commit()
    return twiml(response)


def _read_answer(prompt: Prompt, language: str) -> Answer | None:
    """The caller's keys or words as the answer to `prompt`; None when nothing usable came."""
    answer = answer_from_form(prompt, request.form, normalize_language(language))
    if answer is None and prompt.optional and recorded(prompt):
        return Answer(skip=True)  # an optional recording left silent: skipped
    return answer


# --- a person --------------------------------------------------------------------------------


def _person(
    call: PhoneCall, conversation: Conversation, response: VoiceResponse, *, complaint: bool = False
) -> None:
    """<Dial> the hotline (the complaint hotline for staff complaints, R9.4); without a number
    the backend has opened a callback task (R2.3) and the caller is told so."""
    number = phone.transfer_to_person(
        db_session(), settings(), now(), call, conversation, complaint=complaint
    )
    phone_menu.connect(_speaker(conversation), response, number)


@blueprint.post("/person/done")
@twilio_only
def person_done() -> ResponseReturnValue:
    """After the <Dial>: nobody answered → a receptionist calls back (R2.3)."""
    call, conversation, _ctx = _caller_context()
    response = VoiceResponse()
    if transfer_ended(db_session(), call, request.form.get("DialCallStatus", "")):
        _speaker(conversation).say(
            response,
            "Sorry, no one could answer. We will call you back as soon as possible. Goodbye.",
        )
    response.hangup()
    db_session().commit()
    return twiml(response)


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
    if not person_answered(call, request.form.get("AnsweredBy")):
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
    if not person_answered(call, request.form.get("AnsweredBy")):
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
    person = person_answered(call, request.form.get("AnsweredBy"))
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    speaker = Speaker(settings(), customer.language if customer else None)
    message = (call.data or {}).get("message") or {}
    if not person:  # a machine hears the message and the call ends
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
        outcome = phone.status_callback(
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
