"""Dialogue prompts → Telegram message payloads (text + keyboard), in Korean or English.

A payload is what the outbox stores: {"text", optional "reply_markup"} with the Bot API's JSON
keyboards. Choices become inline buttons whose callback data is `dlg:<step>:<value>`; the phone
number is asked with a contact-sharing button, a location with a location button (contract).
"""

from __future__ import annotations

from typing import Any

from backend.dialogues.engine import Prompt
from backend.i18n import translate

MAX_TEXT = 4000  # Telegram refuses messages over 4096 characters
MAX_CALLBACK = 64  # bytes of callback_data Telegram accepts
SKIP = "__skip"
LANGUAGE_NAMES = (("ko", "한국어"), ("en", "English"))
MENU = (
    ("report", "🛠 Report a fault"),
    ("complaint", "📝 Make a complaint"),
    ("status", "📋 My cases"),
    ("rate", "⭐ Rate a service"),
    ("suggest", "💡 Leave a suggestion"),  # R2.10, R9.3
    ("return", "↩️ Return a product"),  # R3.1–R3.3
)
REMOVE_KEYBOARD = {"remove_keyboard": True}


def clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def prompt_text(prompt: Prompt, language: str) -> str:
    """The question in `language`, after the reason the last answer was refused."""
    values = {key: value for key, value in prompt.values.items()}
    text = (
        translate(language, prompt.text, **values) if values else translate(language, prompt.text)
    )
    if prompt.error:
        text = "⚠️ " + translate(language, prompt.error) + "\n\n" + text
    return clip(text)


def callback_for(prompt: Prompt, index: int) -> str:
    """`dlg:<step>:<value>`, or the choice's position when the value is too long to carry."""
    data = f"dlg:{prompt.step}:{prompt.choices[index].value}"
    return data if len(data.encode()) <= MAX_CALLBACK else f"dlg:{prompt.step}:#{index}"


def skip_label(prompt: Prompt) -> str:
    return "Don't know" if prompt.step in ("serial", "purchase_date") else "Skip"


def inline_keyboard(prompt: Prompt, language: str) -> dict[str, Any] | None:
    rows: list[list[dict[str, str]]] = []
    buttons = [
        {
            "text": translate(language, choice.label, **choice.values)[:60],
            "callback_data": callback_for(prompt, index),
        }
        for index, choice in enumerate(prompt.choices)
    ]
    if prompt.kind == "grade":  # 1–4 side by side, the scale reads at a glance
        rows.append(buttons)
    else:
        rows += [[button] for button in buttons]
    if prompt.optional:
        rows.append(
            [
                {
                    "text": translate(language, skip_label(prompt)),
                    "callback_data": f"dlg:{prompt.step}:{SKIP}",
                }
            ]
        )
    return {"inline_keyboard": rows} if rows else None


def reply_keyboard(prompt: Prompt, language: str) -> dict[str, Any] | None:
    """Contact and location are asked with reply-keyboard buttons (inline ones cannot)."""
    if prompt.kind == "phone":
        first = {"text": translate(language, "📱 Share my phone number"), "request_contact": True}
    elif prompt.kind == "location":
        first = {"text": translate(language, "📍 Share my location"), "request_location": True}
    else:
        return None
    rows = [[first]]
    if prompt.optional:
        rows.append([{"text": translate(language, skip_label(prompt))}])
    return {"keyboard": rows, "resize_keyboard": True, "one_time_keyboard": True}


def render_prompt(prompt: Prompt, language: str) -> dict[str, Any]:
    """The outbox payload asking `prompt`."""
    markup = reply_keyboard(prompt, language) or (
        None if prompt.finished else inline_keyboard(prompt, language)
    )
    return {"text": prompt_text(prompt, language), "reply_markup": markup or REMOVE_KEYBOARD}


def language_keyboard() -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": name, "callback_data": f"lang:{code}"} for code, name in LANGUAGE_NAMES]
        ]
    }


def main_menu(language: str) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": translate(language, label), "callback_data": f"menu:{item}"}]
            for item, label in MENU
        ]
    }


def text_payload(
    language: str, message: str, *, markup: dict[str, Any] | None = None, **values: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": clip(translate(language, message, **values))}
    if markup is not None:
        payload["reply_markup"] = markup
    return payload
