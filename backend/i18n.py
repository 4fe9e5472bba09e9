"""Korean and English text for customers and staff, outside a web request as well as inside.

The catalogues are ordinary gettext `.po` files under `backend/translations/<lang>/LC_MESSAGES/`
(one per domain: `messages.po` for the backend, `bot.po`, `ivr.po` …). Babel reads them directly,
so a translator edits a `.po` file and nothing needs compiling. Message ids are the English text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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


def code_words(code: str) -> str:
    """A stored code (`air_conditioner`) as the English words that are its message id."""
    return code.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Message:
    """Words for a person whose language is known only when they read them (a task on the
    dashboard, a staff member's Telegram): the English message id and its values, translated
    late. `str()` gives the English text."""

    id: str
    values: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.id.format(**self.values) if self.values else self.id

    def in_language(self, language: str | None) -> str:
        return translate(language, self.id, **self.values)

    def stored(self) -> dict[str, object]:
        """The form kept in a JSON column, read back by `from_stored`."""
        return {"id": self.id, "values": {key: str(value) for key, value in self.values.items()}}

    @classmethod
    def from_stored(cls, data: Mapping[str, object]) -> Message:
        values = data.get("values")
        return cls(str(data.get("id", "")), dict(values) if isinstance(values, Mapping) else {})


def message(id: str, **values: object) -> Message:
    """`message("Renew contract {contract} (ends {ends})", contract=…, ends=…)`."""
    return Message(id, values)


def in_language(text: str | Message, language: str | None) -> str:
    """`text` for a reader of `language`: a Message translated, plain text as it is."""
    return text.in_language(language) if isinstance(text, Message) else text


def missing_translations(language: str, messages: list[str]) -> list[str]:
    """The ids among `messages` that `language` lacks (used by a test to keep catalogues whole)."""
    catalog = _catalog(language)
    return [message for message in messages if message not in catalog]
