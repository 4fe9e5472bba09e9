"""The Twilio REST resources the product calls (Calls, Messages), in Twilio's wire format, and
the signature Twilio puts on each request it makes to the app."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from twilio.request_validator import RequestValidator

from backend.sandbox.store import SandboxStore
from backend.settings import Settings

Answer = tuple[int, dict[str, Any]]
RESOURCES = {"Calls": "CA", "Messages": "SM"}


def not_found() -> Answer:
    return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}


def sign(settings: Settings, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature for a request to `url` with `params`, as Twilio computes it."""
    return str(RequestValidator(settings.twilio_auth_token or "").compute_signature(url, params))


class TwilioApi:
    """Twilio's side of the account: a created call rings the sandbox phone; an SMS shows."""

    def __init__(self, store: SandboxStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def create(self, resource: str, form: Mapping[str, str]) -> Answer:
        prefix = RESOURCES.get(resource)
        if prefix is None:
            return not_found()
        if not form.get("To"):
            return 400, {
                "code": 21604,
                "message": "A 'To' phone number is required.",
                "status": 400,
            }
        sid = self.store.sid(prefix)
        if resource == "Calls":
            self.store.add(
                "twilio.call",
                sid=sid,
                to=form["To"],
                from_=form.get("From"),
                url=form.get("Url"),
                status_callback=form.get("StatusCallback"),
            )
        else:
            self.store.add("twilio.sms", sid=sid, to=form["To"], body=form.get("Body") or "")
        return 201, {
            "sid": sid,
            "to": form["To"],
            "from": form.get("From"),
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "body": form.get("Body"),
            "date_created": format_datetime(self.clock(), usegmt=True),
        }
