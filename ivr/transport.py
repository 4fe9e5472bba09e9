"""Twilio transports: outbound calls (Calls resource) and SMS (Messages resource)."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from backend.outbox.models import OutboundMessage
from backend.outbox.transport import TransportError
from backend.settings import Settings

logger = logging.getLogger(__name__)


def make_client(settings: Settings) -> Client:
    """A twilio Client whose REST calls go to TWILIO_API_BASE_URL (a fake in tests)."""
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client


def absolute_url(settings: Settings, path: str) -> str:
    return settings.public_base_url.rstrip("/") + "/" + path.lstrip("/")


# Twilio's "Too Many Requests" (HTTP 429, error 20429) names no wait in what the library hands
# back, so the row waits this long; it is not a failed attempt (backend/outbox/worker.py).
RATE_LIMIT_WAIT_SECONDS = 60.0
TOO_MANY_REQUESTS = 20429


def _translate(error: TwilioException) -> TransportError:
    if isinstance(error, TwilioRestException):
        status = error.status or 0
        text = f"twilio {status} {error.code}: {error.msg}"
        if status == 429 or error.code == TOO_MANY_REQUESTS:
            return TransportError(text, retry_after=RATE_LIMIT_WAIT_SECONDS)
        return TransportError(text, permanent=400 <= status < 500)
    return TransportError(f"twilio: {error}")


def _status_path(payload: dict[str, object]) -> str:
    """/ivr/status, naming our call row so an outcome is matched even before the CallSid is."""
    call_id = payload.get("call_id")
    return f"/ivr/status?call_id={call_id}" if call_id is not None else "/ivr/status"


class TwilioCallTransport:
    """Places a call whose TwiML is a route of this app; the outcome comes to /ivr/status."""

    channel = "voice"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client = make_client(settings)

    def notify(self, message: OutboundMessage) -> str | None:
        payload = message.payload
        try:
            call = self._client.calls.create(
                to=message.recipient,
                from_=self._settings.twilio_phone_number,
                url=absolute_url(self._settings, payload["path"]),
                status_callback=absolute_url(self._settings, _status_path(payload)),
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                machine_detection=payload.get("machine_detection", "Enable"),
                timeout=payload.get("timeout", 30),
            )
        except TwilioException as error:
            raise _translate(error) from error
        return call.sid


class TwilioSmsTransport:
    channel = "sms"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client = make_client(settings)

    def notify(self, message: OutboundMessage) -> str | None:
        try:
            sms = self._client.messages.create(
                to=message.recipient,
                from_=self._settings.twilio_phone_number,
                body=message.payload["body"][:1600],
            )
        except TwilioException as error:
            raise _translate(error) from error
        return sms.sid
