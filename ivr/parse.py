"""Twilio's form (Digits, SpeechResult, RecordingUrl) → the dialogue's `Answer`."""

from __future__ import annotations

import re
from collections.abc import Mapping

from backend.dialogues.engine import Answer, Choice, Prompt
from backend.i18n import translate
from backend.parsing import ascii_digits, whole_number

# Spoken numbers as Twilio's recogniser writes them ("일 번", "one", "first").
SPOKEN_DIGITS: dict[str, int] = {
    "영": 0,
    "공": 0,
    "zero": 0,
    "일": 1,
    "하나": 1,
    "한": 1,
    "첫": 1,
    "첫째": 1,
    "one": 1,
    "first": 1,
    "이": 2,
    "둘": 2,
    "두": 2,
    "둘째": 2,
    "two": 2,
    "second": 2,
    "삼": 3,
    "셋": 3,
    "세": 3,
    "셋째": 3,
    "three": 3,
    "third": 3,
    "사": 4,
    "넷": 4,
    "넷째": 4,
    "four": 4,
    "fourth": 4,
    "오": 5,
    "다섯": 5,
    "five": 5,
    "fifth": 5,
    "육": 6,
    "여섯": 6,
    "six": 6,
    "sixth": 6,
    "칠": 7,
    "일곱": 7,
    "seven": 7,
    "seventh": 7,
    "팔": 8,
    "여덟": 8,
    "eight": 8,
    "eighth": 8,
    "구": 9,
    "아홉": 9,
    "nine": 9,
    "ninth": 9,
}
SPOKEN_YES = {"yes", "yeah", "yep", "네", "예", "응", "맞아요", "좋아요"}
SPOKEN_NO = {"no", "nope", "아니요", "아니오", "아니"}


def normalise_speech(text: str) -> str:
    return re.sub(r"[.,!?。]", "", text).strip().lower()


def spoken_number(text: str) -> int | None:
    """ "2", "2번", "이 번", "두 번째", "number two" → the number; None otherwise."""
    words = normalise_speech(text).replace("number", "").replace("번째", "").replace("번", "")
    words = words.replace("press", "").strip()
    compact = words.replace(" ", "")
    if ascii_digits(compact) and len(compact) <= 2:
        return int(compact)
    return SPOKEN_DIGITS.get(compact)


def recording_answer(form: Mapping[str, str], language: str) -> Answer:
    """A <Record> result: the recording's address, and its transcription when Twilio has one."""
    transcription = (form.get("TranscriptionText") or "").strip()
    text = transcription or translate(language, "(spoken on the phone: see the recording)")
    media = {
        "kind": "recording",
        "url": form.get("RecordingUrl", ""),
        "sid": form.get("RecordingSid", ""),
        "text": transcription,
        "duration": form.get("RecordingDuration", ""),
    }
    return Answer(text=text, media=media)


def answer_from_form(prompt: Prompt, form: Mapping[str, str], language: str) -> Answer | None:
    """What the caller did at `prompt`; None when they did nothing (silence)."""
    if form.get("RecordingUrl"):
        return recording_answer(form, language)
    digits = (form.get("Digits") or "").strip()
    if digits in ("*", "**") and prompt.optional:
        return Answer(skip=True)
    if digits:
        return _keyed(prompt, digits.rstrip("#"))
    speech = (form.get("SpeechResult") or "").strip()
    if speech:
        return _spoken(prompt, speech, language)
    return None


def _keyed(prompt: Prompt, digits: str) -> Answer:
    number = whole_number(digits, minimum=1, maximum=len(prompt.choices))
    if prompt.choices and number is not None:
        return Answer(choice=prompt.choices[number - 1].value)
    if prompt.kind in ("phone", "date") or (prompt.kind == "text" and len(digits) >= 4):
        return Answer(text=digits)  # a typed number is text, never a verified contact (R6.5)
    if prompt.kind == "text":
        return Answer()  # a stray key where words are wanted: the dialogue asks again
    return Answer(choice=digits)  # not one of the choices: the dialogue says so


def _spoken(prompt: Prompt, speech: str, language: str) -> Answer:
    if prompt.choices:
        value = match_choice(prompt.choices, speech, language)
        if value is not None:
            return Answer(choice=value)
    return Answer(text=speech)


def match_choice(choices: tuple[Choice, ...], speech: str, language: str) -> str | None:
    """The choice the caller named: by its number, yes/no, or the words of its label."""
    number = spoken_number(speech)
    if number is not None and 1 <= number <= len(choices):
        return choices[number - 1].value
    said = normalise_speech(speech)
    if len(choices) == 2 and said in SPOKEN_YES:
        return choices[0].value  # contract: 1 means yes / the first choice
    if len(choices) == 2 and said in SPOKEN_NO:
        return choices[1].value
    best: tuple[int, str] | None = None
    for choice in choices:
        for lang in (language, "en"):
            label = normalise_speech(translate(lang, choice.label, **choice.values))
            if label and label == said:
                return choice.value
            # The longest label heard wins: "very satisfied" over "satisfied".
            if label and label in said and (best is None or len(label) > best[0]):
                best = (len(label), choice.value)
    return best[1] if best else None
