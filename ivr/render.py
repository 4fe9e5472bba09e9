"""Dialogue prompts → TwiML: <Say> in Korean (Polly Seoyeon) or English, <Gather> for keys and
speech, <Record> for the caller's own words. Only rendering: no decision is taken here."""

from __future__ import annotations

import re
from typing import Any

from twilio.twiml.voice_response import Gather, VoiceResponse

from backend.dialogues.engine import Choice, Prompt
from backend.i18n import normalize_language, translate
from backend.settings import Settings

VOICES = {"ko": ("Polly.Seoyeon", "ko-KR"), "en": ("Polly.Joanna", "en-US")}
CASE_NUMBER = re.compile(r"\b[A-Z]{2}-\d{4}-\d{6}\b")
MAX_RECORDING_SECONDS = 120
SPOKEN_DESCRIPTION = 100  # read aloud, the start of a long description is enough to confirm it


def spell_case_number(number: str) -> str:
    """AS-2026-000042 → "A S, 2 0 2 6, 0 0 0 0 4 2": read back digit by digit."""
    return ", ".join(" ".join(group) for group in number.split("-"))


def absolute(settings: Settings, path: str) -> str:
    return settings.public_base_url.rstrip("/") + "/" + path.lstrip("/")


class Speaker:
    """Says things in one language and builds the <Gather> / <Record> verbs for it."""

    def __init__(self, settings: Settings, language: str | None) -> None:
        self.settings = settings
        self.language = normalize_language(language)
        self.voice, self.locale = VOICES[self.language]

    def text(self, message: str, **values: Any) -> str:
        text = translate(self.language, message, **values)
        return CASE_NUMBER.sub(lambda m: spell_case_number(m.group(0)), text).replace("\n", " ")

    def say(self, node: VoiceResponse | Gather, message: str, **values: Any) -> None:
        node.say(self.text(message, **values), voice=self.voice, language=self.locale)

    def say_in(self, node: VoiceResponse | Gather, language: str, message: str) -> None:
        voice, locale = VOICES[language]
        node.say(translate(language, message), voice=voice, language=locale)

    def gather(
        self,
        response: VoiceResponse,
        action: str,
        *,
        hints: list[str],
        num_digits: int | None = 1,
        finish_on_key: str | None = None,
        speech: bool = True,
        keys: bool = True,
    ) -> Gather:
        """Keys and speech; an empty result still reaches `action` (silence is re-asked there)."""
        options: dict[str, Any] = {
            "input": ("dtmf speech" if keys else "speech") if speech else "dtmf",
            "action": absolute(self.settings, action),
            "method": "POST",
            "timeout": 6,
            "action_on_empty_result": True,
            "language": self.locale,
        }
        if speech:
            options.update(speech_timeout="auto", hints=", ".join(h for h in hints if h)[:500])
        if num_digits:
            options["num_digits"] = num_digits
        if finish_on_key is not None:
            options["finish_on_key"] = finish_on_key
        return response.gather(**options)

    def choice_label(self, choice: Choice) -> str:
        return self.text(choice.label, **choice.values)


def render_prompt(
    speaker: Speaker, prompt: Prompt, *, action: str, response: VoiceResponse | None = None
) -> VoiceResponse:
    """One dialogue prompt as TwiML whose answer goes to `action` (appended to `response`)."""
    response = response if response is not None else VoiceResponse()
    if prompt.error:
        speaker.say(response, prompt.error)
    if prompt.finished:
        speaker.say(response, prompt.text, **prompt.values)
        response.hangup()
        return response
    if recorded(prompt):
        return _record(speaker, response, prompt, action)
    gather = speaker.gather(response, action, hints=_hints(speaker, prompt), **_keypad(prompt))
    # Issue 16: the wording written for the ear, each line its own short sentence.
    for part in _parts(speaker, prompt):
        gather.say(part, voice=speaker.voice, language=speaker.locale)
    for digit, choice in enumerate(prompt.choices, start=1):
        gather.say(
            speaker.text(
                "For {label}, press {digit}.", label=speaker.choice_label(choice), digit=digit
            ),
            voice=speaker.voice,
            language=speaker.locale,
        )
    for hint in _input_hints(prompt):
        speaker.say(gather, hint)
    response.redirect(absolute(speaker.settings, action), method="POST")
    return response


def _parts(speaker: Speaker, prompt: Prompt) -> list[str]:
    """A spoken wording of several lines as separate sentences (a pause between each)."""
    values = spoken_values(speaker, prompt.values)
    whole = translate(speaker.language, prompt.spoken or prompt.text, **values)
    return [
        CASE_NUMBER.sub(lambda m: spell_case_number(m.group(0)), line)
        for line in whole.split("\n")
        if line.strip()
    ]


def spoken_values(speaker: Speaker, values: dict[str, Any]) -> dict[str, Any]:
    """A summary read aloud is short: a phone number by its last four digits (and not overheard
    whole), a long description cut at a word near SPOKEN_DESCRIPTION characters."""
    spoken = dict(values)
    digits = re.sub(r"\D", "", str(values.get("phone") or ""))
    if len(digits) > 4:
        spoken["phone"] = speaker.text(
            "the number ending in {digits}", digits=" ".join(digits[-4:])
        )
    description = str(values.get("description") or "")
    if len(description) > SPOKEN_DESCRIPTION:
        spoken["description"] = cut_at_word(description, SPOKEN_DESCRIPTION)
    return spoken


def cut_at_word(text: str, limit: int) -> str:
    """The first `limit` characters, ending at a space when one is near, then "…"."""
    head = text[:limit].rstrip(" …")
    space = head.rfind(" ")
    if space >= limit * 0.6:
        head = head[:space]
    return head.rstrip(" ,.;:") + "…"


def recorded(prompt: Prompt) -> bool:
    """The caller's own words at length (the dialogue says so): a <Record>, not a speech guess."""
    return prompt.kind == "recording"


def _record(
    speaker: Speaker, response: VoiceResponse, prompt: Prompt, action: str
) -> VoiceResponse:
    speaker.say(response, prompt.text, **prompt.values)
    speaker.say(response, "Speak after the tone, then press the hash key.")
    response.record(
        action=absolute(speaker.settings, action),
        method="POST",
        max_length=MAX_RECORDING_SECONDS,
        timeout=5,
        play_beep=True,
        finish_on_key="#",
        transcribe=True,
        transcribe_callback=absolute(speaker.settings, "/ivr/transcription"),
    )
    # Nothing recorded: Twilio goes on to the next verb, which asks again.
    response.redirect(absolute(speaker.settings, action), method="POST")
    return response


def _keypad(prompt: Prompt) -> dict[str, Any]:
    if prompt.kind == "phone" or prompt.keypad:  # digits ending with the hash key
        return {"num_digits": None, "finish_on_key": "#", "speech": not prompt.keypad}
    if prompt.kind == "text" and not prompt.choices:  # words: no single key ends it early
        return {"num_digits": None, "keys": False}
    if prompt.kind == "date":
        return {"num_digits": 8, "finish_on_key": "#"}
    if prompt.choices and len(prompt.choices) > 9:
        return {"num_digits": 2}
    return {"num_digits": 1}


def _input_hints(prompt: Prompt) -> list[str]:
    if prompt.spoken:  # wording written for the ear says how to answer (issue 16)
        return []
    hints: list[str] = []
    if prompt.kind == "phone":
        hints.append("Enter the number on the keypad, then press the hash key.")
    elif prompt.kind == "date":
        hints.append("Enter eight digits: year, month and day, like 2 0 2 5 0 3 1 4.")
    elif prompt.keypad:
        pass  # the spoken wording says how to key it in
    elif prompt.kind == "text" and not prompt.choices:
        hints.append("Please say it after the tone.")
    elif prompt.kind == "text":
        hints.append("Or say it in your own words.")
    if prompt.optional and not prompt.keypad and prompt.step != "identify":
        hints.append("To skip, press the star key.")
    return hints


def _hints(speaker: Speaker, prompt: Prompt) -> list[str]:
    labels = [speaker.choice_label(choice) for choice in prompt.choices]
    digits = [str(n) for n in range(1, len(prompt.choices) + 1)]
    return [*labels, *digits, *prompt.hints]
