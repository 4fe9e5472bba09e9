"""The transports this configuration can use; rows of other channels wait until configured."""

from __future__ import annotations

from backend.outbox.transport import Transport
from backend.settings import Settings


def build_transports(settings: Settings) -> dict[str, Transport]:
    transports: dict[str, Transport] = {}
    if settings.telegram_enabled:
        from bot.transport import TelegramTransport

        transports["telegram"] = TelegramTransport(settings)
    if settings.voice_enabled:
        from ivr.transport import TwilioCallTransport, TwilioSmsTransport

        transports["voice"] = TwilioCallTransport(settings)
        if settings.twilio_phone_number:
            transports["sms"] = TwilioSmsTransport(settings)
    return transports
