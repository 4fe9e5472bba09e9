"""Sandbox settings: the app's own transports pointed at the sandbox's wire-format endpoints.

Nothing is faked above the wire: python-telegram-bot and twilio send real HTTP requests to
`/sandbox/telegram/…` and `/sandbox/twilio/…` of this very app, and the sandbox page posts real
updates to `/telegram/webhook` and signed requests to `/ivr/…`.
"""

from __future__ import annotations

import hashlib
import hmac

from backend.settings import Settings, SettingsError

BOT_TOKEN = "1000001:sandbox"
ACCOUNT_SID = "AC" + "5a" * 16  # the shape of a Twilio account SID
DESK_NUMBER = "+8215880000"  # the number the sandbox phone dials, and calls come from
TELEGRAM_PREFIX = "/sandbox/telegram"
TWILIO_PREFIX = "/sandbox/twilio"


def real_credentials(settings: Settings) -> list[str]:
    """The real channel credentials configured (the sandbox refuses to run beside them)."""
    named = {
        "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token,
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
    }
    return [name for name, value in named.items() if value]


def _derived(secret_key: str, purpose: str) -> str:
    """A per-install secret for one purpose, so the sandbox still checks signatures."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


def sandbox_settings(settings: Settings, base_url: str | None = None) -> Settings:
    """`settings` with Telegram and Twilio served by the sandbox at `base_url` (default:
    PUBLIC_BASE_URL). Refused when real credentials are configured: a sandbox must never
    answer for, or send through, a real bot or account."""
    if configured := real_credentials(settings):
        raise SettingsError(
            f"the sandbox cannot run with real credentials configured ({', '.join(configured)})"
        )
    base = (base_url or settings.public_base_url).rstrip("/")
    return settings.with_overrides(
        sandbox=True,
        public_base_url=base,
        telegram_bot_token=BOT_TOKEN,
        telegram_webhook_secret=_derived(settings.secret_key, "telegram-webhook"),
        telegram_api_base_url=base + TELEGRAM_PREFIX,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=_derived(settings.secret_key, "twilio-auth"),
        twilio_phone_number=DESK_NUMBER,
        twilio_api_base_url=base + TWILIO_PREFIX,
    )
