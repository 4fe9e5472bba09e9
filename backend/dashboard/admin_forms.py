"""Reading the administration forms: trimmed text, dates and whole numbers, errors as flashes."""

from __future__ import annotations

from datetime import date

from flask import flash, request

from backend.dashboard.i18n import gettext
from backend.errors import DomainError, ValidationError


def field(name: str, limit: int = 200) -> str:
    """A form field's text, without NUL characters, trimmed and cut to `limit`."""
    return request.form.get(name, "").replace("\x00", "").strip()[:limit]


def form_date(name: str) -> date:
    try:
        return date.fromisoformat(field(name, 10))
    except ValueError as error:
        raise ValidationError("a date like 2027-01-31", field=name) from error


def form_whole(name: str, maximum: int = 10**9) -> int:
    text = field(name, 12)
    if not text.isascii() or not text.isdecimal() or int(text) > maximum:
        raise ValidationError(f"a whole number from 0 to {maximum:,}", field=name)
    return int(text)


def refused(error: DomainError) -> None:
    """The error beside the form: its field and message, in a flash."""
    where = f"{error.field}: " if error.field else ""
    flash(f"{where}{gettext(error.message)}", "error")


def required(name: str, limit: int = 200) -> str:
    text = field(name, limit)
    if not text:
        raise ValidationError("required", field=name)
    return text
