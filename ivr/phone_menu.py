"""The spoken parts of an inbound call that are not a dialogue: greeting, menu, a person."""

from __future__ import annotations

import re
from collections.abc import Mapping

from twilio.twiml.voice_response import VoiceResponse

from backend.calls.flows import Caller
from backend.dialogues.phone_inbound import menu_keys
from backend.settings import Settings
from ivr.parse import normalise_speech, spoken_number
from ivr.render import Speaker, absolute

MENU_ACTION = "/ivr/menu"
# What callers say instead of pressing a key at the main menu.
MENU_WORDS = {
    "1": ("고장", "수리", "접수", "report", "fault", "repair", "broken"),
    "2": ("불만", "항의", "민원", "complaint", "complain"),
    "3": ("상태", "진행", "조회", "status", "my case", "where"),
    "4": ("평가", "설문", "rate", "rating", "survey"),
    "5": ("제안", "건의", "아이디어", "suggest", "idea"),
    "6": ("반품", "환불", "교환", "return", "refund"),
    "0": ("상담원", "직원", "사람", "상담", "person", "agent", "operator", "human"),
    "9": ("영어", "english"),
}


def menu_choice(form: Mapping[str, str], *, allowed: str) -> str | None:
    """The menu key pressed or named; None for silence or anything else."""
    digits = (form.get("Digits") or "").strip().rstrip("#")
    if digits:
        return digits if len(digits) == 1 and digits in allowed else None
    speech = normalise_speech(form.get("SpeechResult") or "")
    if not speech:
        return None
    number = spoken_number(speech)
    if number is not None:
        return str(number) if str(number) in allowed else None
    for key, words in MENU_WORDS.items():
        if key in allowed and any(re.search(re.escape(word), speech) for word in words):
            return key
    return None


def greet(speaker: Speaker, response: VoiceResponse, caller: Caller) -> None:
    """By name when the caller ID is known. A caller ID can be spoofed, so nothing is said about
    any case (menu 3 asks for the case number)."""
    if caller.name is not None:
        speaker.say(
            response,
            "Hello {name}, thank you for calling our after-sales service.",
            name=caller.name,
        )
    else:
        speaker.say(response, "Hello, thank you for calling our after-sales service.")


def menu(speaker: Speaker, response: VoiceResponse, *, offer_survey: bool = False) -> None:
    keys = menu_keys(offer_survey=offer_survey)
    gather = speaker.gather(
        response, MENU_ACTION, hints=[*keys, *(w for k in keys for w in MENU_WORDS[k])]
    )
    speaker.say(
        gather,
        "To report a fault, press 1. To make a complaint, press 2. "
        "To hear the status of your case, press 3.",
    )
    if offer_survey:
        speaker.say(gather, "To rate your last repair, press 4.")
    speaker.say(gather, "To leave a suggestion, press 5.")
    speaker.say(gather, "To return a product, press 6.")
    speaker.say(gather, "To speak to a person, press 0.")
    if speaker.language == "ko":
        speaker.say_in(gather, "en", "For English, press 9.")
    response.redirect(absolute(speaker.settings, MENU_ACTION), method="POST")


def complaint_question(speaker: Speaker, response: VoiceResponse) -> None:
    """R9.4: a complaint about after-sales staff goes to the independent complaint hotline."""
    gather = speaker.gather(response, "/ivr/complaint", hints=["1", "2", "직원", "staff"])
    speaker.say(
        gather,
        "If your complaint is about our after-sales staff, press 1 to reach our "
        "independent complaint hotline. For any other complaint, press 2.",
    )
    response.redirect(absolute(speaker.settings, "/ivr/complaint"), method="POST")


def connect(speaker: Speaker, response: VoiceResponse, number: str | None) -> bool:
    """<Dial> a person; False when no number is configured (the caller gets a callback)."""
    if not number:
        speaker.say(
            response,
            "No one can take your call right now. We will call you back as "
            "soon as possible. Goodbye.",
        )
        response.hangup()
        return False
    speaker.say(response, "Please hold, we are connecting you to a person.")
    response.dial(
        number, action=absolute(speaker.settings, "/ivr/person/done"), method="POST", timeout=30
    )
    return True


def hotline(settings: Settings, *, complaint: bool) -> str | None:
    return settings.complaint_hotline_number if complaint else settings.hotline_phone_number
