"""The decisions a phone request or a Telegram update leads to, tested in backend with time
passed in: whose call an answered call is and who picked it up (R8.3, R9.5), the main menu's
keys and retries (R2.3, R9.4), and who may rate, sign off or work which case in a chat (R6.5).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.calls.models import CallPurpose, PhoneCall
from backend.cases.service import get_case
from backend.composition import COMPONENTS
from backend.db import Database
from backend.dialogues import chat, phone, phone_inbound, phone_outbound
from backend.dialogues.engine import Context
from backend.people.models import Customer, Technician
from backend.settings import Settings
from backend.surveys.duties import survey_calls
from backend.surveys.models import Survey, SurveyStatus
from tests.factories import Personas
from tests.ivr.jobs import Job, finished_job, open_repair

WEDNESDAY_10AM = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
TUESDAY_3PM = WEDNESDAY_10AM - timedelta(hours=19)
HOTLINE, COMPLAINT_HOTLINE = "+82215880001", "+82215880002"
CALLER = "+821030000001"  # open_repair's customer


@pytest.fixture(autouse=True)
def dialogues() -> None:
    """Every dialogue, as the composition root installs them (other rule tests install fewer)."""
    COMPONENTS.install_dialogues()


@pytest.fixture
def voice(settings: Settings) -> Settings:
    return settings.with_overrides(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="token",
        twilio_phone_number="+8215880000",
        hotline_phone_number=HOTLINE,
        complaint_hotline_number=COMPLAINT_HOTLINE,
    )


def _survey_call(database: Database, settings: Settings, people: Personas) -> tuple[Job, int]:
    """A finished job whose rating call the duty has queued; the job and the call's id."""
    people.product()
    job = finished_job(database, settings, people.technician(), resolved_at=TUESDAY_3PM)
    with database.session() as session:
        assert survey_calls(session, settings, WEDNESDAY_10AM) == 1
        return job, session.scalars(select(PhoneCall.id)).one()


# A call we placed is answered (R8.3) --------------------------------------------------------
def test_a_survey_call_answered_by_a_person_greets_by_name_and_asks_the_first_grade(
    database: Database, voice: Settings, people: Personas
) -> None:
    job, call_id = _survey_call(database, voice, people)
    with database.session() as session:
        answered = phone_outbound.survey_call_answered(
            session,
            voice,
            WEDNESDAY_10AM,
            case_number=job.number,
            call_sid="CA-survey-1",
            call_id=str(call_id),
            answered_by="human",
        )
        assert answered.conversation is not None and answered.prompt is not None
        assert answered.name == "홍길동" and answered.prompt.step == "attitude"
        assert answered.conversation.dialogue == "survey"


def test_a_survey_call_answered_by_a_machine_hangs_up_and_counts_as_no_answer(
    database: Database, voice: Settings, people: Personas
) -> None:
    job, call_id = _survey_call(database, voice, people)
    with database.session() as session:
        answered = phone_outbound.survey_call_answered(
            session,
            voice,
            WEDNESDAY_10AM,
            case_number=job.number,
            call_sid="CA-survey-1",
            call_id=str(call_id),
            answered_by="machine_end_beep",
        )
        assert answered.conversation is None  # hang up: nobody is asked anything
        form = {"CallSid": "CA-survey-1", "CallStatus": "completed", "SequenceNumber": "1"}
        assert phone.status_callback(session, voice, form, call_id=None, now=WEDNESDAY_10AM) == (
            "applied"
        )
        call = session.get(PhoneCall, call_id)
        assert call is not None and call.outcome == "machine"
        survey = session.scalars(select(Survey)).one()
        assert survey.status == SurveyStatus.PENDING and survey.next_attempt_at is not None


def test_a_call_for_a_survey_that_is_not_this_calls_hangs_up(
    database: Database, voice: Settings, people: Personas
) -> None:
    _job, call_id = _survey_call(database, voice, people)
    other = open_repair(database, voice, at=WEDNESDAY_10AM, phone="010-3000-0002")
    with database.session() as session:
        answered = phone_outbound.survey_call_answered(
            session,
            voice,
            WEDNESDAY_10AM,
            case_number=other,
            call_sid="CA-survey-1",
            call_id=str(call_id),
            answered_by="human",
        )
        assert answered.conversation is None and answered.prompt is None


def test_an_opinion_call_for_another_case_hangs_up(
    database: Database, voice: Settings, people: Personas
) -> None:
    _job, call_id = _survey_call(database, voice, people)
    other = open_repair(database, voice, at=WEDNESDAY_10AM, phone="010-3000-0002")
    with database.session() as session:
        answered = phone_outbound.opinion_call_answered(
            session,
            voice,
            WEDNESDAY_10AM,
            case_number=other,
            call_sid="CA-survey-1",
            call_id=str(call_id),
            answered_by="human",
        )
        assert answered.conversation is None


def test_a_notice_left_on_a_machine_offers_no_person(session: Session) -> None:
    call = _call(session, "CA-notice-1", direction="outbound")
    call.data = {"message": {"text": "Your contract ends on {day}.", "values": {"day": "1 Dec"}}}
    notice = phone_outbound.notice_call_answered(
        session, call_sid="CA-notice-1", call_id=None, answered_by="machine_start"
    )
    assert notice.found and not notice.person
    assert (notice.text, notice.values) == ("Your contract ends on {day}.", {"day": "1 Dec"})
    assert call.answered_by == "machine_start"
    unknown = phone_outbound.notice_call_answered(
        session, call_sid="CA-nobody", call_id=None, answered_by="human"
    )
    assert not unknown.found


# The main menu (contract: 1 fault, 2 complaint, 3 my case, 0 a person) ---------------------
def _call(session: Session, sid: str, *, direction: str = "inbound") -> PhoneCall:
    call = PhoneCall(
        call_sid=sid,
        direction=direction,
        purpose=CallPurpose.INBOUND,
        phone=CALLER,
        status="in-progress",
        placed_at=WEDNESDAY_10AM,
        callbacks=[],
        data={},
    )
    session.add(call)
    session.flush()
    return call


def _menu(session: Session, settings: Settings, *keys: str | None) -> phone_inbound.MenuStep:
    """The main menu answered with `keys` in turn (None: silence); the last step."""
    step = None
    for key in keys:
        step = phone_inbound.menu_choice(
            session,
            settings,
            WEDNESDAY_10AM,
            call_sid="CA-menu-1",
            call_id=None,
            raw_from=CALLER,
            choose=lambda _allowed, key=key: key,  # type: ignore[misc]
        )
    assert step is not None
    return step


def test_silence_at_the_menu_asks_again_once_then_puts_the_caller_through(
    session: Session, voice: Settings
) -> None:
    first = _menu(session, voice, None)
    assert first.again and first.menu and not first.transfer
    second = _menu(session, voice, None)
    assert second.transfer and second.dial == HOTLINE and not second.again


def test_the_menu_offers_english_in_korean_and_rating_only_with_an_open_survey(
    session: Session, voice: Settings
) -> None:
    offered: list[str] = []

    def choose(allowed: str) -> str | None:
        offered.append(allowed)
        return "9"

    step = phone_inbound.menu_choice(
        session,
        voice,
        WEDNESDAY_10AM,
        call_sid="CA-menu-1",
        call_id=None,
        raw_from=CALLER,
        choose=choose,
    )
    assert offered == ["1230569"]  # no survey open: no 4; 5 a suggestion (R9.3), 6 a return
    assert step.menu and step.conversation.language == "en"
    phone_inbound.menu_choice(
        session,
        voice,
        WEDNESDAY_10AM,
        call_sid="CA-menu-1",
        call_id=None,
        raw_from=CALLER,
        choose=choose,
    )
    assert offered[-1] == "123056"  # in English: no 9


def test_a_complaint_about_staff_goes_to_the_complaint_hotline(
    session: Session, voice: Settings
) -> None:
    step = phone_inbound.complaint_choice(
        session,
        voice,
        WEDNESDAY_10AM,
        call_sid="CA-menu-1",
        call_id=None,
        raw_from=CALLER,
        choose=lambda allowed: "1" if allowed == "12" else None,
    )
    assert step.transfer and step.dial == COMPLAINT_HOTLINE  # R9.4


def test_no_one_taking_the_transfer_promises_a_callback(session: Session, voice: Settings) -> None:
    _call(session, "CA-menu-1")
    step = phone_inbound.person_done(
        session,
        voice,
        WEDNESDAY_10AM,
        call_sid="CA-menu-1",
        call_id=None,
        raw_from=CALLER,
        dial_status="no-answer",
    )
    assert step.callback and step.hang_up  # R2.3
    done = phone_inbound.person_done(
        session,
        voice,
        WEDNESDAY_10AM,
        call_sid="CA-menu-1",
        call_id=None,
        raw_from=CALLER,
        dial_status="completed",
    )
    assert not done.callback and done.hang_up


# A Telegram chat ------------------------------------------------------------------------------
def _chat_context(session: Session, settings: Settings, chat_id: int) -> tuple[Context, Customer]:
    state = chat.open_chat(session, chat_id=chat_id, user_language="en")
    customer = session.scalars(select(Customer)).first()
    assert customer is not None
    return Context(session, settings, WEDNESDAY_10AM, "telegram", state.conversation), customer


def test_only_the_cases_own_customer_may_rate_it(
    database: Database, settings: Settings, people: Personas
) -> None:
    people.product()
    number = finished_job(database, settings, people.technician(), resolved_at=TUESDAY_3PM).number
    with database.session() as session:
        ctx, owner = _chat_context(session, settings, 5001)
        stranger = Customer(name="남", phone="+821099999999", language="ko")
        session.add(stranger)
        session.flush()
        assert chat.rate_case(ctx, stranger, number) is None
        assert chat.rate_case(ctx, None, number) is None
        assert chat.rate_case(ctx, owner, "AS-2026-999999") is None
        step = chat.rate_case(ctx, owner, number)
        assert step is not None and step.refusal is None and step.prompt is not None


def test_a_job_button_of_another_technicians_job_is_refused(
    database: Database, settings: Settings, people: Personas
) -> None:
    people.product()
    mine = people.technician()
    number = open_repair(database, settings, at=WEDNESDAY_10AM)
    other = people.technician("이영희", phone="010-2000-0002")
    with database.session() as session:
        ctx, _customer = _chat_context(session, settings, 5002)
        case = get_case(session, number)
        assert case.assigned_technician_id == mine
        stranger = session.get(Technician, other)
        assert stranger is not None
        refused = chat.job_button(ctx, stranger, "accept", number, language="en")
        assert refused.refusal is not None and refused.buttons is None  # R6.5
        assert chat.job_button(ctx, stranger, "dance", number, language="en").unknown
