"""Korean and English text for customers and staff, outside a web request as well as inside.

The catalogues are ordinary gettext `.po` files under `backend/translations/<lang>/LC_MESSAGES/`
(one per domain: `messages.po` for the backend, `bot.po`, `ivr.po` …). Babel reads them directly,
so a translator edits a `.po` file and nothing needs compiling. Message ids are the English text.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"
TRANSLATIONS = Path(__file__).parent / "translations"


@cache
def _catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            catalog: Catalog = read_po(handle, locale=language)
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string:
                merged[message.id] = str(message.string)
    return merged


def normalize_language(language: str | None) -> str:
    code = (language or "").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def translate(language: str | None, message: str, **values: Any) -> str:
    """`message` in `language` (English when no translation exists), with {values} filled in."""
    text = _catalog(normalize_language(language)).get(message, message)
    return text.format(**values) if values else text


def missing_translations(language: str, messages: list[str]) -> list[str]:
    """The ids among `messages` that `language` lacks (used by a test to keep catalogues whole)."""
    catalog = _catalog(language)
    return [message for message in messages if message not in catalog]
