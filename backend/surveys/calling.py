"""Rating calls (R8.3, R9.5): when to call, retries, and the fallback to a written survey.

Every job gets up to three calls over two working days, inside calling hours on business days,
never two calls to one customer within an hour. Busy, no answer, failure, an answering machine
or a hang-up before the first grade count as a failed attempt. After the last one the customer
gets the survey in Telegram (a button) or an SMS asking them to call back.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.calls.flows import CallOwner
from backend.calls.models import CallPurpose, PhoneCall
from backend.calls.service import (
    MIN_GAP_PER_CUSTOMER,
    last_outbound_at,
    next_calling_moment,
    outcome_of,
    place_call,
)
from backend.i18n import translate
from backend.outbox.models import OutboundMessage, OutboxChannel, OutboxStatus
from backend.outbox.service import enqueue
from backend.phones import can_receive_sms
from backend.settings import Settings
from backend.surveys.models import QUESTIONS, Survey, SurveyStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_GAP = timedelta(hours=3)
# A call whose outcome never came back (lost status callback) counts as failed after this.
LOST_CALL_AFTER = timedelta(hours=2)
FAILED_OUTCOMES = frozenset(
    {"busy", "no-answer", "failed", "canceled", "machine", "hung_up", "lost"}
)


def retry_at(settings: Settings, survey: Survey, now: datetime) -> datetime:
    """The next attempt: later the same day, and the last one on the following working day."""
    calendar = calendar_for(settings)
    soon = next_calling_moment(settings, now + RETRY_GAP)
    if survey.attempts < MAX_ATTEMPTS - 1:
        return soon
    first_day = calendar.local_date(datetime.fromisoformat(survey.attempt_log[0]["at"]))
    if calendar.local_date(soon) > first_day:
        return soon
    opening, closing = settings.calling_hours
    afternoon = min(time(min(opening.hour + 4, 23), opening.minute), closing)
    return next_calling_moment(
        settings, calendar.at(calendar.next_business_day(first_day), afternoon)
    )


def due_surveys(session: Session, now: datetime) -> list[Survey]:
    moment = func.coalesce(Survey.next_attempt_at, Survey.due_at)
    return list(
        session.scalars(
            select(Survey)
            .where(
                Survey.status == SurveyStatus.PENDING, Survey.attempts < MAX_ATTEMPTS, moment <= now
            )
            .order_by(moment, Survey.id)
        ).all()
    )


def call_survey(
    session: Session, settings: Settings, survey: Survey, now: datetime
) -> PhoneCall | None:
    """Place the next rating call of `survey`, unless this customer was called within the hour."""
    case = survey.case
    phone = case.customer.phone
    last = last_outbound_at(session, phone)
    if last is not None and now < last + MIN_GAP_PER_CUSTOMER:
        survey.next_attempt_at = last + MIN_GAP_PER_CUSTOMER
        return None
    attempt = survey.attempts + 1
    call = place_call(
        session,
        settings,
        purpose=CallPurpose.SURVEY,
        phone=phone,
        path=f"/ivr/survey/{case.number}",
        now=now,
        customer_id=case.customer_id,
        case=case,
        survey_id=survey.id,
        dedupe_key=f"survey-call:{survey.id}:{attempt}",
    )
    if call is None:
        return None
    survey.attempts, survey.status, survey.channel = attempt, SurveyStatus.CALLING, "phone"
    survey.next_attempt_at = None
    survey.attempt_log = [
        *(survey.attempt_log or []),
        {"attempt": attempt, "at": now.isoformat(), "call_id": call.id, "outcome": None},
    ]
    return call


def survey_call_ended(session: Session, settings: Settings, call: PhoneCall, now: datetime) -> str:
    """The outcome of one rating call: done, answers kept, a retry, or the written fallback."""
    survey = session.get(Survey, call.survey_id)
    outcome = outcome_of(call)
    if survey is None:
        return outcome
    if outcome == "answered" and not any(getattr(survey, q) is not None for q in QUESTIONS):
        outcome = "hung_up"  # picked up, but no grade given: worth another try
    call.outcome = outcome
    _log_outcome(survey, call.id, outcome)
    if outcome not in FAILED_OUTCOMES:
        if survey.status != SurveyStatus.ANSWERED:
            survey.status = SurveyStatus.PARTIAL  # R8.4: the grades given are kept
        return outcome
    if survey.status not in (SurveyStatus.CALLING, SurveyStatus.IN_PROGRESS):
        return outcome  # answered another way meanwhile
    if survey.attempts < MAX_ATTEMPTS:
        survey.status = SurveyStatus.PENDING
        survey.next_attempt_at = retry_at(settings, survey, now)
    else:
        fall_back(session, survey, now)
    return outcome


def _log_outcome(survey: Survey, call_id: int | None, outcome: str) -> None:
    survey.attempt_log = [
        {**entry, "outcome": outcome} if entry.get("call_id") == call_id else entry
        for entry in (survey.attempt_log or [])
    ]


def fall_back(session: Session, survey: Survey, now: datetime) -> str | None:
    """No call reached the customer: offer the survey in writing (Telegram button, else SMS)."""
    case = survey.case
    customer = case.customer
    language = customer.language
    survey.status, survey.next_attempt_at = SurveyStatus.UNREACHABLE, None
    channel: str | None = None
    if customer.telegram_chat_id is not None:
        text = translate(
            language,
            "We could not reach you by phone. How was the repair {number}? "
            "Please rate it with the button below.",
            number=case.number,
        )
        button = {
            "text": translate(language, "Rate the repair"),
            "callback_data": f"survey:start:{case.number}",
        }
        enqueue(
            session,
            channel=OutboxChannel.TELEGRAM,
            recipient=customer.telegram_chat_id,
            payload={"text": text, "reply_markup": {"inline_keyboard": [[button]]}},
            case=case,
            purpose="survey_fallback",
            dedupe_key=f"survey-fallback:{survey.id}",
            now=now,
        )
        channel = "telegram"
    elif can_receive_sms(customer.phone):
        text = translate(
            language,
            "We could not reach you about the repair {number}. To rate our "
            "service, call us back and press 4.",
            number=case.number,
        )
        enqueue(
            session,
            channel=OutboxChannel.SMS,
            recipient=customer.phone,
            payload={"body": text},
            case=case,
            purpose="survey_fallback",
            dedupe_key=f"survey-fallback:{survey.id}",
            now=now,
        )
        channel = "sms"
    survey.channel = channel or survey.channel
    survey.attempt_log = [
        *(survey.attempt_log or []),
        {"fallback": channel or "none", "at": now.isoformat()},
    ]
    logger.info("survey of %s: fallback by %s", case.number, channel or "nothing")
    return channel


def lost_calls(session: Session, now: datetime) -> list[Survey]:
    """Surveys still waiting for a call outcome long after the call was placed."""
    calling = session.scalars(select(Survey).where(Survey.status == SurveyStatus.CALLING)).all()
    return [s for s in calling if s.attempt_log and _call_lost(session, s, now)]


def _call_lost(session: Session, survey: Survey, now: datetime) -> bool:
    """Dialled long ago without an outcome, or refused for good by the provider. A call still
    waiting in the outbox (a worker that was down, a deferred call) is not lost: not dialled."""
    entry = survey.attempt_log[-1]
    row = session.scalar(
        select(OutboundMessage).where(
            OutboundMessage.dedupe_key == f"survey-call:{survey.id}:{entry.get('attempt')}"
        )
    )
    if row is not None and row.status == OutboxStatus.FAILED:
        return True
    if row is not None and row.status != OutboxStatus.SENT:
        return False
    dialled = (row.sent_at if row is not None else None) or datetime.fromisoformat(entry["at"])
    return dialled + LOST_CALL_AFTER <= now


def survey_call_deferred(session: Session, call: PhoneCall, start: datetime) -> None:
    """The worker found the call too late and it waits for the next calling hours: the same
    attempt, moved (not a failed one, so the survey keeps its three real tries)."""
    survey = session.get(Survey, call.survey_id) if call.survey_id is not None else None
    if survey is None:
        return
    survey.attempt_log = [
        {**entry, "at": start.isoformat(), "deferred": entry.get("deferred", 0) + 1}
        if entry.get("call_id") == call.id
        else entry
        for entry in (survey.attempt_log or [])
    ]


def survey_comment_transcribed(
    session: Session, call: PhoneCall, recording_url: str, text: str
) -> bool:
    """Twilio's transcription of the comment recorded in a rating call joins the survey."""
    survey = session.get(Survey, call.survey_id) if call.survey_id is not None else None
    if survey is None or survey.comment_recording_url != recording_url:
        return False
    survey.comment = text
    return True


def give_up_on_lost_calls(session: Session, settings: Settings, now: datetime) -> int:
    """A call whose status callback never came counts as one failed attempt (never stuck)."""
    surveys = lost_calls(session, now)
    for survey in surveys:
        _log_outcome(survey, survey.attempt_log[-1].get("call_id"), "lost")
        if survey.attempts < MAX_ATTEMPTS:
            survey.status = SurveyStatus.PENDING
            survey.next_attempt_at = retry_at(settings, survey, now)
        else:
            fall_back(session, survey, now)
    return len(surveys)


# The rating survey as the owner of its calls, for the call machinery's callbacks (R8.3).
SURVEY_CALLS = CallOwner(CallPurpose.SURVEY, survey_call_ended, survey_comment_transcribed)
