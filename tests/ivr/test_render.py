"""Rendering decisions taken from the prompt, not from step names: a "recording" prompt is a
<Record>, anything else a <Gather>; the confirm summary read aloud is short (last four digits of
the number, the start of a long description)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask.testing import FlaskClient

from backend.dialogues.engine import Choice, Prompt
from backend.settings import Settings
from ivr.render import SPOKEN_DESCRIPTION, Speaker, cut_at_word, render_prompt
from tests.factories import Personas
from tests.ivr.fake_twilio import Call, spoken

ACTION = "/ivr/dialogue"
LONG_FAULT = " ".join(
    (
        "에어컨을 켜면 처음 십 분 정도는 찬바람이 잘 나오다가",
        "그 뒤로는 미지근한 바람만 나오고",
        "실외기에서 딸깍딸깍 하는 소리가 반복해서 납니다",
        "필터 청소도 했고 전원도 다시 꽂아 봤는데 똑같습니다",
        "리모컨 화면에는 오류 코드 E5 가 잠깐 보였다가 사라집니다",
    )
)


def _verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


def test_a_recording_prompt_is_a_record_whatever_its_step_is_called(settings: Settings) -> None:
    prompt = Prompt(
        step="what_went_wrong",
        text="Please describe the fault in your own words.",
        kind="recording",
    )
    root = ET.fromstring(str(render_prompt(Speaker(settings, "ko"), prompt, action=ACTION)))
    assert _verbs(root) == ["Say", "Say", "Record", "Redirect"]
    record = root.find("Record")
    assert record is not None and record.attrib["transcribe"] == "true"
    assert record.attrib["finishOnKey"] == "#"


def test_a_text_prompt_named_description_is_a_gather_not_a_record(settings: Settings) -> None:
    prompt = Prompt(
        step="description", text="At what address should the technician come?", kind="text"
    )
    root = ET.fromstring(str(render_prompt(Speaker(settings, "en"), prompt, action=ACTION)))
    assert root.find("Record") is None
    gather = root.find("Gather")
    # Issue 16: words are listened for; no single stray key cuts the answer short.
    assert gather is not None and gather.attrib["input"] == "speech"
    assert "numDigits" not in gather.attrib


def test_the_summary_read_aloud_masks_the_number_and_cuts_a_long_description(
    settings: Settings,
) -> None:
    prompt = Prompt(
        step="confirm",
        kind="confirm",
        text="Please check your report:\nPhone: {phone}\nFault: {description}\n"
        "Shall we register it?",
        values={"phone": "+821012345678", "description": "word " * 80},
        choices=(Choice("yes", "Yes"), Choice("no", "No")),
    )
    said = spoken(ET.fromstring(str(render_prompt(Speaker(settings, "en"), prompt, action=ACTION))))
    assert "the number ending in 5 6 7 8" in said
    assert "12345678" not in said and "1234" not in said
    fault = said.split("Fault: ")[1].split(" Shall")[0]
    assert fault.endswith("…") and len(fault) <= SPOKEN_DESCRIPTION + 1
    assert not fault.startswith("word word word " * 30)


def test_a_short_description_and_a_short_number_are_read_as_they_are(settings: Settings) -> None:
    prompt = Prompt(
        step="confirm",
        kind="confirm",
        text="Fault: {description}. Phone: {phone}",
        values={"phone": "1330", "description": "No cold air"},
        choices=(Choice("yes", "Yes"),),
    )
    said = spoken(ET.fromstring(str(render_prompt(Speaker(settings, "en"), prompt, action=ACTION))))
    assert "Fault: No cold air. Phone: 1330" in said


def test_cut_at_word_ends_at_a_space_near_the_limit() -> None:
    assert cut_at_word("alpha beta gamma delta", 13) == "alpha beta…"
    assert cut_at_word("x" * 50, 10) == "x" * 10 + "…"


def test_a_phone_fault_report_confirms_with_the_last_four_digits_and_a_short_fault(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician()
    call = Call(client, "CA300", "+821030005678")
    call.start()
    call.press("1")  # report a fault
    call.say("홍길동")
    call.press("1")  # air conditioner
    call.press("*")  # no serial number
    call.press("20260110")
    call.record("https://api.twilio.com/rec/RE3", transcription=LONG_FAULT)
    confirm = call.say("서울 중구 세종대로 110")  # in Seoul: the city zone, not asked
    said = spoken(confirm)
    assert "끝자리가 5 6 7 8인 번호" in said
    assert "3000" not in said and "+8210" not in said
    assert "에어컨을 켜면" in said and "E5" not in said and "…" in said
