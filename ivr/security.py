"""Every /ivr/ request must carry a valid X-Twilio-Signature (403 and no side effect otherwise)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request
from twilio.request_validator import RequestValidator

from backend.api.errors import error_response
from backend.settings import Settings
from backend.web import settings as current_settings

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def signed_url(settings: Settings) -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL + path + query, so it holds behind a proxy."""
    query = request.query_string.decode("latin-1")
    return settings.public_base_url.rstrip("/") + request.path + (f"?{query}" if query else "")


def signature_is_valid(settings: Settings) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.twilio_auth_token:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    return bool(validator.validate(signed_url(settings), request.form, signature))


def _field_with_nul() -> str | None:
    """The first form or query field holding a NUL character (CallSid, CallStatus …), if any."""
    for source in (request.form, request.args):
        for name, value in source.items(multi=True):
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "")[:64] or "form"
    return None


def twilio_only(view: F) -> F:
    """Refuse what Twilio did not sign; answer 503 when voice is not configured at all."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        settings = current_settings()
        if not settings.voice_enabled:
            return error_response(
                503, "voice_disabled", "voice is not configured (TWILIO_AUTH_TOKEN is unset)"
            )
        if not signature_is_valid(settings):
            logger.warning("refused %s: missing or invalid X-Twilio-Signature", request.path)
            return error_response(
                403,
                "bad_signature",
                "the X-Twilio-Signature header is missing or not valid",
                field="X-Twilio-Signature",
            )
        if (field := _field_with_nul()) is not None:
            # Twilio never sends NUL; PostgreSQL text cannot hold it (a 500 otherwise).
            logger.warning("refused %s: a NUL character in %s", request.path, field)
            return error_response(
                400, "bad_request", "form fields may not contain NUL characters", field=field
            )
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
