"""The rules the channels used to decide themselves, tested in backend with time passed in:
callbacks after a cut-short call (R2.3, R9.4), an answering machine as no answer (R8.3), the
link-code lock-out, and the intake's own choice not to confirm into the chat that names the case.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.calls.flows import open_callback, person_answered, transfer_ended
from backend.calls.models import CallPurpose, PhoneCall
from backend.casework.flows import intake_case
from backend.casework.intake import CustomerInput, IntakeRequest, ProductInput
from backend.dialogues import engine, phone
from backend.dialogues.engine import Context
from backend.dialogues.intake import INTAKE
from backend.fieldwork.links import LINK_ATTEMPTS, create_link_code, link_telegram
from backend.i18n import message
from backend.inbox.models import TelegramChat
from backend.outbox.models import OutboundMessage
from backend.people.models import Role, Technician
from backend.settings import Settings
from backend.tasks.models import Task
from tests.factories import Personas

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Seoul


def _inbound(session: Session, sid: str = "CA-rules-1") -> PhoneCall:
    call = PhoneCall(
        call_sid=sid,
        direction="inbound",
        purpose=CallPurpose.INBOUND,
        phone="+821030000001",
        status="in-progress",
        placed_at=NOW,
        callbacks=[],
        data={},
    )
    session.add(call)
    session.flush()
    return call


def _tasks(session: Session) -> list[Task]:
    return list(session.scalars(select(Task).order_by(Task.id)))


# R2.3 / R9.4: who calls back ----------------------------------------------------------------
def test_a_caller_who_hangs_up_mid_report_becomes_a_receptionists_callback(
    session: Session, settings: Settings
) -> None:
    engine.install([INTAKE])
    call = _inbound(session)
    conversation = engine.get_conversation(session, "phone", call.call_sid or "")
    ctx = Context(session, settings, NOW, "phone", conversation)
    engine.start(ctx, "intake", phone="+821030000001")
    call.status = "completed"
    phone.call_ended(session, settings, call, NOW)
    [task] = _tasks(session)
    assert (task.kind, task.role) == ("callback", Role.RECEPTIONIST)
    assert task.data is not None and task.data["dialogue"] == "intake"
    assert call.outcome == "hung_up" and conversation.dialogue is None


def test_a_survey_call_cut_short_opens_no_callback(session: Session, settings: Settings) -> None:
    engine.install([INTAKE])
    call = _inbound(session)
    conversation = engine.get_conversation(session, "phone", call.call_sid or "")
    conversation.dialogue, conversation.step = "survey", "attitude"
    call.status = "completed"
    phone.call_ended(session, settings, call, NOW)
    assert _tasks(session) == [] and conversation.dialogue is None


def test_no_one_answering_a_complaint_transfer_calls_back_from_the_complaint_hotline(
    session: Session,
) -> None:
    call = _inbound(session)
    call.data = {"transfer": "complaint_hotline"}
    assert transfer_ended(session, call, "no-answer") is True
    [task] = _tasks(session)
    assert (task.kind, task.role) == ("callback", Role.HOTLINE_OFFICER)


def test_an_answered_transfer_needs_no_callback_and_an_ordinary_one_goes_to_reception(
    session: Session,
) -> None:
    call = _inbound(session)
    call.data = {"transfer": "hotline"}
    assert transfer_ended(session, call, "completed") is False
    assert _tasks(session) == []
    open_callback(session, call, reason=message("Call back: no hotline number is configured"))
    assert [t.role for t in _tasks(session)] == [Role.RECEPTIONIST]


def test_without_a_hotline_number_the_transfer_is_a_callback(
    session: Session, settings: Settings
) -> None:
    call = _inbound(session)
    conversation = engine.get_conversation(session, "phone", call.call_sid or "")
    no_numbers = settings.with_overrides(hotline_phone_number=None, complaint_hotline_number=None)
    assert phone.transfer_to_person(session, no_numbers, NOW, call, conversation) is None
    assert [t.kind for t in _tasks(session)] == ["callback"]


# R8.3: an answering machine is no answer ------------------------------------------------------
def test_an_answering_machine_counts_as_no_answer_and_a_person_as_an_answer(
    session: Session,
) -> None:
    call = _inbound(session)
    assert person_answered(call, "machine_end_beep") is False
    assert call.answered_by == "machine_end_beep"
    assert person_answered(call, "human") is True
    assert person_answered(call, None) is True and call.answered_by is None


# link codes ---------------------------------------------------------------------------------
def test_five_wrong_codes_block_the_chat_for_an_hour_even_for_the_right_code(
    session: Session, settings: Settings, people: Personas
) -> None:
    technician = session.get(Technician, people.technician())
    assert technician is not None
    code, _expires = create_link_code(session, technician, now=NOW, created_by="admin")
    chat = TelegramChat(chat_id=555)
    session.add(chat)
    session.flush()
    for attempt in range(LINK_ATTEMPTS):
        outcome = link_telegram(session, chat, chat_id=555, code="WRONG-CODE", now=NOW)
        assert outcome.technician is None and not outcome.blocked, attempt
    assert link_telegram(session, chat, chat_id=555, code=code, now=NOW).blocked
    later = NOW + timedelta(hours=1, seconds=1)
    linked = link_telegram(session, chat, chat_id=555, code=code, now=later)
    assert linked.technician is not None and linked.technician.telegram_chat_id == 555


def test_a_right_code_resets_the_count_and_keeps_the_chats_language(
    session: Session, people: Personas
) -> None:
    technician = session.get(Technician, people.technician())
    assert technician is not None
    code, _expires = create_link_code(session, technician, now=NOW, created_by="admin")
    chat = TelegramChat(chat_id=777, language="en", link_failures=LINK_ATTEMPTS - 1)
    session.add(chat)
    session.flush()
    outcome = link_telegram(session, chat, chat_id=777, code=code, now=NOW)
    assert outcome.technician is technician and technician.language == "en"
    assert chat.link_failures == 0 and chat.link_blocked_until is None


# intake confirmation --------------------------------------------------------------------------
def _repair(chat: int | None, confirmed_in: int | None) -> IntakeRequest:
    return IntakeRequest(
        kind="repair",
        channel="telegram",
        customer=CustomerInput(
            name="홍길동", phone="010-3000-0001", address="서울 중구 세종대로 110", zone="city"
        ),
        description="찬바람이 안 나와요",
        product=ProductInput(model="AC-1", serial_number="SN-1", purchased_on=date(2026, 1, 10)),
        telegram_chat_id=chat,
        confirmed_in_chat=confirmed_in,
    )


def _confirmations(session: Session, number: str) -> list[OutboundMessage]:
    query = select(OutboundMessage).where(OutboundMessage.dedupe_key == f"intake:{number}")
    return list(session.scalars(query))


def test_intake_sends_no_confirmation_into_the_chat_whose_dialogue_names_the_case(
    session: Session, settings: Settings, people: Personas
) -> None:
    people.product()
    actor = Actor("customer", channel="telegram")
    case = intake_case(session, _repair(4242, 4242), settings=settings, now=NOW, actor=actor)
    assert _confirmations(session, case.number) == []


def test_intake_confirms_to_the_customers_chat_when_the_dialogue_ran_elsewhere(
    session: Session, settings: Settings, people: Personas
) -> None:
    people.product()
    actor = Actor("customer", channel="telegram")
    # A repair's confirmation follows its dispatch (issue 16: it says what is promised).
    case = intake_case(session, _repair(4242, 9999), settings=settings, now=NOW, actor=actor)
    [row] = _confirmations(session, case.number)
    assert (row.channel, row.recipient) == ("telegram", "4242")
