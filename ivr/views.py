"""/ivr/*: Twilio's webhooks. Each checks the signature, turns the form into a backend call, and
answers TwiML (or JSON for status callbacks). Decisions live in backend/; this only translates."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from twilio.twiml.voice_response import VoiceResponse

from backend.api.errors import error_response
from backend.dialogues import phone, phone_inbound, phone_outbound
from backend.dialogues.engine import Answer, Prompt
from backend.dialogues.models import Conversation
from backend.dialogues.phone_inbound import MenuStep
from backend.dialogues.phone_outbound import AnsweredCall
from backend.errors import DomainError, NotFound
from backend.i18n import normalize_language
from backend.web import db_session, now, settings
from ivr import phone_menu
from ivr.parse import answer_from_form
from ivr.render import Speaker, recorded, render_prompt
from ivr.security import twilio_only

logger = logging.getLogger(__name__)
blueprint = Blueprint("ivr", __name__, url_prefix="/ivr")

DIALOGUE_ACTION = "/ivr/dialogue"


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def form() -> dict[str, str]:
    return {key: value for key, value in request.form.items()}


def _call_sid() -> str:
    sid = (request.form.get("CallSid") or "").strip()
    if not sid or len(sid) > 64:
        raise NotFound("CallSid is required", field="CallSid")
    return sid


def _speaker(conversation: Conversation) -> Speaker:
    return Speaker(settings(), conversation.language)


@blueprint.errorhandler(DomainError)
def _domain_error(error: DomainError) -> ResponseReturnValue:
    return error_response(error.status, error.code, error.message, error.field)


# --- inbound: greeting and menu -------------------------------------------------------------


@blueprint.post("/voice")
@twilio_only
def voice() -> ResponseReturnValue:
    """An inbound call: greet (by name when known, naming no case), offer the menu."""
    step = phone_inbound.greeting(
        db_session(), settings(), now(), call_sid=_call_sid(), raw_from=request.form.get("From")
    )
    return _spoken(step)


@blueprint.post("/menu")
@twilio_only
def main_menu() -> ResponseReturnValue:
    """A key (or word) at the main menu."""
    step = phone_inbound.menu_choice(db_session(), settings(), now(), **_call(), choose=_choose)
    return _spoken(step)


@blueprint.post("/complaint")
@twilio_only
def complaint() -> ResponseReturnValue:
    """Menu 2: staff complaints to the independent hotline (R9.4), others to the dialogue."""
    step = phone_inbound.complaint_choice(
        db_session(), settings(), now(), **_call(), choose=_choose
    )
    return _spoken(step)


def _call() -> dict[str, Any]:
    """Which call this request is about, as Twilio names it."""
    return {
        "call_sid": _call_sid(),
        "call_id": request.args.get("call_id"),
        "raw_from": request.form.get("From"),
    }


def _choose(allowed: str) -> str | None:
    return phone_menu.menu_choice(request.form, allowed=allowed)


def _spoken(step: MenuStep) -> ResponseReturnValue:
    """The menu step as TwiML, said in the order MenuStep lists its parts."""
    speaker = _speaker(step.conversation)
    response = VoiceResponse()
    if step.caller is not None:
        phone_menu.greet(speaker, response, step.caller)
    if step.again:
        speaker.say(response, "Sorry, I did not get that.")
    if step.said is not None:
        speaker.say(response, step.said.text, **step.said.values)
    if step.prompt is not None:
        render_prompt(speaker, step.prompt, action=DIALOGUE_ACTION, response=response)
    if step.complaint_question:
        phone_menu.complaint_question(speaker, response)
    if step.menu:
        phone_menu.menu(speaker, response, offer_survey=step.offer_survey)
    if step.transfer:
        phone_menu.connect(speaker, response, step.dial)
    if step.callback:
        speaker.say(
            response,
            "Sorry, no one could answer. We will call you back as soon as possible. Goodbye.",
        )
    if step.goodbye:
        speaker.say(response, "Thank you. Goodbye.")
    if step.goodbye or step.hang_up:
        response.hangup()
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
        if step.said is not None:
            speaker.say(response, step.said.text, **step.said.values)
        if step.call.direction == "outbound":
            response.hangup()
        else:
            phone_menu.menu(speaker, response, offer_survey=step.offer_survey)
        db_session().commit()  # a dialogue may just have ended (my case, said)
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


@blueprint.post("/person/done")
@twilio_only
def person_done() -> ResponseReturnValue:
    """After the <Dial>: nobody answered → a receptionist calls back (R2.3)."""
    step = phone_inbound.person_done(
        db_session(),
        settings(),
        now(),
        **_call(),
        dial_status=request.form.get("DialCallStatus", ""),
    )
    return _spoken(step)


# --- outbound calls ----------------------------------------------------------------------------


@blueprint.post("/survey/<number>")
@twilio_only
def survey_call(number: str) -> ResponseReturnValue:
    """A rating call was answered (R8.3): a person hears the survey, a machine hears nothing."""
    answered = phone_outbound.survey_call_answered(
        db_session(), settings(), now(), case_number=number, **_answered()
    )
    return _greeted(answered)


@blueprint.post("/opinion/<number>")
@twilio_only
def opinion_call(number: str) -> ResponseReturnValue:
    """A call a manager asked for (R9.5 opinion, R9.7 check) was answered: its questions."""
    answered = phone_outbound.opinion_call_answered(
        db_session(), settings(), now(), case_number=number, **_answered()
    )
    return _greeted(answered)


@blueprint.post("/quote/<number>")
@twilio_only
def quote_call(number: str) -> ResponseReturnValue:
    """A quote call was answered (R4.11): the total, then 1 to accept or 2 to decline."""
    answered = phone_outbound.quote_call_answered(
        db_session(), settings(), now(), case_number=number, **_answered()
    )
    return _greeted(answered)


def _answered() -> dict[str, Any]:
    """Which outbound call was picked up, and Twilio's verdict on who picked it up."""
    return {
        "call_sid": _call_sid(),
        "call_id": request.args.get("call_id"),
        "answered_by": request.form.get("AnsweredBy"),
    }


def _greeted(answered: AnsweredCall) -> ResponseReturnValue:
    """Hello by name and the first question; nothing but a hang-up when no one is to hear it."""
    response = VoiceResponse()
    if answered.conversation is None or answered.prompt is None:
        response.hangup()
    else:
        speaker = _speaker(answered.conversation)
        speaker.say(response, "Hello {name}, this is the after-sales service.", name=answered.name)
        render_prompt(speaker, answered.prompt, action=DIALOGUE_ACTION, response=response)
    db_session().commit()
    return twiml(response)


@blueprint.post("/notice")
@twilio_only
def notice_call() -> ResponseReturnValue:
    """A contract-expiry notice (R7.15) or another proactive call (R9.5): the message, then 1
    for a person now."""
    notice = phone_outbound.notice_call_answered(db_session(), **_answered())
    response = VoiceResponse()
    if not notice.found:
        response.hangup()
        return twiml(response)
    speaker = Speaker(settings(), notice.language)
    if not notice.person:  # a machine hears the message and the call ends
        speaker.say(response, notice.text, **notice.values)
    else:
        gather = speaker.gather(response, "/ivr/notice/reply", hints=["1"])
        speaker.say(gather, notice.text, **notice.values)
        speaker.say(gather, "To speak to a person now, press 1.")
        speaker.say(response, "Thank you. Goodbye.")
    response.hangup()
    db_session().commit()
    return twiml(response)


@blueprint.post("/notice/reply")
@twilio_only
def notice_reply() -> ResponseReturnValue:
    """After a notice: 1 for a person, else goodbye."""
    step = phone_inbound.notice_reply(db_session(), settings(), now(), **_call(), choose=_choose)
    return _spoken(step)


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
    attached = phone.transcription_arrived(
        session,
        call_sid=request.form.get("CallSid", ""),
        recording_url=request.form.get("RecordingUrl", ""),
        text=request.form.get("TranscriptionText", ""),
        now=now(),
    )
    session.commit()
    return jsonify({"attached": attached})


__all__ = ["blueprint"]
