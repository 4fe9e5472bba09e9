"""The public suggestion form's input: read, checked, and the signed token it carries (R9.8).

No session and no login: the form carries a token signed with the install's secret key that
says when (request clock) and for which place it was served. A post without a valid, recent
token is refused: a page cannot post to it from elsewhere without fetching the form first,
and a stale copy cannot be replayed for ever. A hidden field that people never see (the
honeypot) catches the robots that fill every field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from backend.errors import ValidationError
from backend.i18n import LANGUAGES
from backend.phones import normalize_phone

TOKEN_SALT = "public-suggestion-form"
TOKEN_LIFETIME = timedelta(hours=2)
MIN_TEXT, MAX_TEXT = 5, 2000
MAX_NAME, MAX_PLACE, MAX_PHONE = 100, 100, 40
HONEYPOT = "website"


def form_language(raw: str | None) -> str:
    return raw if raw in LANGUAGES else "ko"


def clean_place(raw: str | None) -> str | None:
    text = "".join(ch for ch in (raw or "") if ch.isprintable()).strip()[:MAX_PLACE]
    return text or None


def issue_token(secret: str, *, place: str | None, now: datetime) -> str:
    return URLSafeSerializer(secret, salt=TOKEN_SALT).dumps(
        {"t": int(now.timestamp()), "p": place or ""}
    )


def token_is_valid(secret: str, token: str, *, now: datetime) -> bool:
    """Signed by this install, and served within TOKEN_LIFETIME before `now`."""
    try:
        data = URLSafeSerializer(secret, salt=TOKEN_SALT).loads(token[:500])
    except BadSignature:
        return False
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        return False
    served = datetime.fromtimestamp(data["t"], tz=now.tzinfo)
    return served <= now + timedelta(minutes=1) and now - served <= TOKEN_LIFETIME


@dataclass
class SuggestionForm:
    """What the visitor typed, kept to show again with the errors beside their fields."""

    text: str = ""
    name: str = ""
    phone: str = ""
    place: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    phone_e164: str | None = None

    @classmethod
    def read(cls, values: dict[str, str]) -> SuggestionForm:
        def value(name: str, limit: int) -> str:
            return (values.get(name) or "").replace("\x00", "").strip()[:limit]

        return cls(
            text=value("text", MAX_TEXT + 1),
            name=value("name", MAX_NAME),
            phone=value("phone", MAX_PHONE),
            place=clean_place(values.get("place")),
        )

    def check(self, region: str) -> bool:
        """Fill `errors` (field → English message id); True when there are none."""
        if len(self.text) < MIN_TEXT:
            self.errors["text"] = "Please write your suggestion (at least 5 characters)."
        elif len(self.text) > MAX_TEXT:
            self.errors["text"] = "Please keep your suggestion under 2,000 characters."
        if self.phone:
            try:
                self.phone_e164 = normalize_phone(self.phone, region=region)
            except ValidationError:
                self.errors["phone"] = "This phone number does not look right."
        return not self.errors
