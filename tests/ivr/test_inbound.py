"""Inbound calls played as Twilio plays them: TwiML parsed as XML, every request signed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.calls.models import PhoneCall
from backend.cases.models import Case
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.settings import Settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas
from tests.ivr.conftest import COMPLAINT_HOTLINE, HOTLINE
from tests.ivr.fake_twilio import PUBLIC_BASE_URL, Call, spoken
from tests.ivr.jobs import open_repair

CALLER = "+821030000001"  # a mobile number: it can receive SMS
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"


@pytest.fixture
def catalogue(people: Personas) -> None:
    people.product()
    people.technician()


def _gather(root: ET.Element) -> ET.Element:
    gather = root.find("Gather")
    assert gather is not None, ET.tostring(root, "unicode")
    return gather


def _steps_by_keys(call: Call) -> None:
    """A new caller reports a fault: name and address are said, everything else is keyed."""
    call.press("1")  # menu: report a fault
    call.say("홍길동")  # name (speech)
    call.press("1")  # product line: air conditioner (one model: no model question)
    call.press("*")  # serial number: skipped
    call.press("20260110")  # purchase date
    assert call.last is not None and call.last.find("Record") is not None  # the fault, recorded
    call.record(RECORDING)
    call.say("서울 중구 세종대로 110")  # address: in Seoul, so the city zone is not asked


def test_greeting_is_korean_with_a_menu_taking_keys_and_speech(
    client: FlaskClient, catalogue: None
) -> None:
    root = Call(client, "CA100", CALLER).start()
    say = root.find("Say")
    assert say is not None and say.attrib == {"voice": "Polly.Seoyeon", "language": "ko-KR"}
    gather = _gather(root)
    assert gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["language"] == "ko-KR"
    assert gather.attrib["action"] == f"{PUBLIC_BASE_URL}/ivr/menu"
    assert gather.attrib["actionOnEmptyResult"] == "true"
    assert "고장" in gather.attrib["hints"]
    english = [s for s in gather.iter("Say") if s.attrib["language"] == "en-US"]
    assert english and "press 9" in (english[0].text or "")


def test_digit_nine_switches_to_english(client: FlaskClient, catalogue: None) -> None:
    call = Call(client, "CA101", CALLER)
    call.start()
    root = call.press("9")
    gather = _gather(root)
    assert gather.attrib["language"] == "en-US"
    assert {s.attrib["voice"] for s in root.iter("Say")} == {"Polly.Joanna"}
    assert "To report a fault, press 1" in spoken(root)


def test_a_whole_fault_report_by_keys(
    client: FlaskClient, database: Database, catalogue: None, settings: Settings
) -> None:
    call = Call(client, "CA102", CALLER)
    call.start()
    _steps_by_keys(call)
    confirm = call.last
    assert confirm is not None and "세종대로" in spoken(confirm)
    done = call.press("1")  # yes, register it
    assert done.find("Hangup") is not None
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.channel == "phone" and case.customer.name == "홍길동"
        assert case.media[0]["kind"] == "recording" and case.media[0]["url"] == RECORDING
        number = case.number
        sms = session.scalars(select(OutboundMessage).where(OutboundMessage.channel == "sms")).all()
        assert any(number in m.payload["body"] for m in sms)  # the case number by SMS
        assert session.scalars(select(PhoneCall)).one().case_id == case.id  # R2.3
    # The case number read back digit by digit, and the promised arrival time.
    assert "A S, 2 0 2 6, 0 0 0 0 0 1" in spoken(done)
    assert number not in spoken(done)
    assert "11월 25일(수) 16:00" in spoken(done)
    # Twilio's transcription arrives later and replaces the stand-in description.
    response = call.post(
        "/ivr/transcription",
        {
            "RecordingUrl": RECORDING,
            "TranscriptionText": "찬바람이 안 나와요",
            "TranscriptionStatus": "completed",
        },
    )
    assert response.get_json() == {"attached": True}
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.description == "찬바람이 안 나와요"
        assert case.media[0]["text"] == "찬바람이 안 나와요"


def test_a_whole_fault_report_by_speech(
    client: FlaskClient, database: Database, catalogue: None
) -> None:
    call = Call(client, "CA103", CALLER)
    call.start()
    call.say("고장 신고요")
    call.say("홍길동")
    call.say("일 번")  # the first product line
    call.say("모르겠어요")  # serial number: don't know
    call.say("2026년 1월 10일")
    call.record(RECORDING, transcription="에어컨이 안 켜져요")
    call.say("서울 중구 세종대로 110")
    done = call.say("네")
    assert done.find("Hangup") is not None, spoken(done)
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.description == "에어컨이 안 켜져요" and case.zone == "city"
        assert case.unit is not None and str(case.unit.purchased_on) == "2026-01-10"


def _script() -> list[tuple[str, str]]:
    return [
        ("press", "1"),
        ("say", "홍길동"),
        ("press", "1"),
        ("press", "*"),
        ("press", "20260110"),
        ("record", RECORDING),
        ("say", "서울 중구 세종대로 110"),
    ]


@pytest.mark.parametrize("position", range(len(_script()) + 1))
def test_silence_then_an_invalid_answer_at_every_prompt_leads_to_a_person(
    client: FlaskClient, catalogue: None, position: int
) -> None:
    """Each prompt is repeated once on silence; the next failure connects a person."""
    call = Call(client, f"CA2{position:02d}", CALLER)
    call.start()
    for move, value in _script()[:position]:
        getattr(call, move)(value)
    before = call.action()
    again = call.silence()
    assert "Sorry" in spoken(again) or "죄송" in spoken(again)
    assert call.action() == before  # the same prompt, asked again
    node = again.find("Gather")
    bad = call.silence() if node is None or node.attrib.get("numDigits") != "1" else call.press("8")
    dial = bad.find("Dial")
    assert dial is not None, ET.tostring(bad, "unicode")
    assert (dial.text or "").strip() == HOTLINE
    assert dial.attrib["action"] == f"{PUBLIC_BASE_URL}/ivr/person/done"


def test_a_hang_up_mid_intake_becomes_a_callback_task_keeping_what_was_said(
    client: FlaskClient, database: Database, catalogue: None
) -> None:
    call = Call(client, "CA300", CALLER)
    call.start()
    call.press("1")
    call.say("홍길동")
    call.press("1")
    assert call.status("completed").get_json() == {"status": "applied"}
    assert call.replay_status("completed", 1).get_json() == {"status": "replayed"}
    with database.session() as session:
        task = session.scalars(select(Task)).one()  # R2.3: never nothing, and only once
        assert task.kind == "callback" and task.role == "receptionist"
        assert task.data is not None and task.data["answers"]["name"] == "홍길동"
        assert task.data["step"] == "serial" and task.data["phone"] == CALLER
        assert session.scalars(select(Case)).all() == []


def test_a_known_caller_is_greeted_by_name_and_hears_a_case_only_by_its_number(
    client: FlaskClient, database: Database, settings: Settings, catalogue: None, clock: Clock
) -> None:
    """Finding 5: the caller ID may be spoofed: the greeting names no case; menu 3 asks for the
    case number, and only the keyed number tells where the case stands."""
    number = open_repair(database, settings, at=clock(), phone=CALLER, name="김영희")
    root = Call(client, "CA400", CALLER).start()
    words = spoken(root)
    assert "김영희" in words
    assert "A S, 2 0 2 6" not in words and "16:00" not in words
    status = Call(client, "CA401", CALLER)
    status.start()
    asked = spoken(status.press("3"))
    assert "A S, 2 0 2 6" not in asked and "16:00" not in asked
    heard = spoken(status.press("2026000001#"))
    assert "A S, 2 0 2 6, 0 0 0 0 0 1" in heard and number not in heard
    assert "11월 25일(수) 16:00" in heard  # the promised arrival (R7.14)
    assert status.last is not None and _gather(status.last).attrib["action"].endswith("/ivr/menu")


def test_a_known_english_speaker_is_greeted_in_english(
    client: FlaskClient, database: Database, settings: Settings, catalogue: None, clock: Clock
) -> None:
    open_repair(database, settings, at=clock(), phone=CALLER, name="Jane Doe", language="en")
    root = Call(client, "CA402", CALLER).start()
    assert "Hello Jane Doe" in spoken(root)
    assert _gather(root).attrib["language"] == "en-US"


def test_zero_connects_the_hotline(client: FlaskClient, catalogue: None) -> None:
    call = Call(client, "CA500", CALLER)
    call.start()
    dial = call.press("0").find("Dial")
    assert dial is not None and (dial.text or "").strip() == HOTLINE


def test_a_complaint_about_after_sales_staff_goes_to_the_independent_hotline(
    client: FlaskClient, catalogue: None
) -> None:
    call = Call(client, "CA501", CALLER)
    call.start()
    call.press("2")
    dial = call.press("1").find("Dial")  # R9.4
    assert dial is not None and (dial.text or "").strip() == COMPLAINT_HOTLINE


def test_a_complaint_by_phone_is_registered(
    client: FlaskClient, database: Database, catalogue: None
) -> None:
    call = Call(client, "CA502", CALLER)
    call.start()
    call.press("2")
    call.press("2")  # not about staff: the complaint dialogue
    call.say("홍길동")
    call.press("2")  # packaging
    call.press("1")  # normal
    done = call.record(RECORDING, transcription="상자가 찢어져 왔어요")
    assert done.find("Hangup") is not None
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.kind == "complaint" and case.department == "warehouse_transport"  # R2.6
    assert "A S, 2 0 2 6, 0 0 0 0 0 1" in spoken(done)


def test_a_transfer_nobody_answers_becomes_a_callback(
    client: FlaskClient, database: Database, catalogue: None
) -> None:
    call = Call(client, "CA503", CALLER)
    call.start()
    call.press("0")
    root = ET.fromstring(call.post("/ivr/person/done", {"DialCallStatus": "no-answer"}).data)
    assert root.find("Hangup") is not None
    with database.session() as session:
        assert session.scalars(select(Task.kind)).all() == ["callback"]


def test_r9_3_key_5_leaves_a_suggestion_by_phone(
    client: FlaskClient, database: Database, catalogue: None
) -> None:
    call = Call(client, "CA503", CALLER)
    call.start()
    call.press("5")
    call.say("홍길동")
    done = call.record(RECORDING, transcription="주말에도 상담 전화를 받아 주세요")
    assert done.find("Hangup") is not None
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.kind == "suggestion" and case.channel == "phone"
    assert "A S, 2 0 2 6, 0 0 0 0 0 1" in spoken(done)
