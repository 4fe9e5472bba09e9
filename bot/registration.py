"""`aftersales bot --set-webhook` / `--delete-webhook`: tell Telegram where to deliver updates.

The webhook is `PUBLIC_BASE_URL` + /telegram/webhook with `TELEGRAM_WEBHOOK_SECRET` as the
secret token Telegram sends back in `X-Telegram-Bot-Api-Secret-Token` (bot/webhook.py checks it).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from typing import Any

from telegram.error import InvalidToken, TelegramError

from backend.settings import Settings
from bot.transport import make_bot

WEBHOOK_PATH = "/telegram/webhook"
# What the handlers read; anything else (channel posts, inline queries …) is never sent to us.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # the Bot API's rule for secret_token


class WebhookSetupError(Exception):
    """The webhook cannot be set up as configured; the message says what to change."""


def webhook_url(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/") + WEBHOOK_PATH


def _run(call: Coroutine[Any, Any, Any]) -> Any:
    try:
        return asyncio.run(call)
    except InvalidToken as error:  # its text may carry the token: never print that
        raise WebhookSetupError("Telegram refused TELEGRAM_BOT_TOKEN") from error
    except TelegramError as error:
        raise WebhookSetupError(f"Telegram refused: {error}") from error


def check_secret(settings: Settings) -> str:
    secret = settings.telegram_webhook_secret
    if not secret:
        raise WebhookSetupError(
            "set TELEGRAM_WEBHOOK_SECRET first: without it anyone who finds "
            "the webhook URL could post updates"
        )
    if not SECRET_TOKEN.fullmatch(secret):
        raise WebhookSetupError(
            "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, "
            "0-9, _ and - (Telegram's rule)"
        )
    return secret


def set_webhook(settings: Settings) -> str:
    """Register the webhook (replacing any other, ending long polling); the URL set."""
    secret, url = check_secret(settings), webhook_url(settings)

    async def call() -> bool:
        async with make_bot(settings) as bot:  # getMe first: a wrong token says so plainly
            return bool(
                await bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            )

    _run(call())
    return url


def delete_webhook(settings: Settings) -> None:
    """Remove the webhook (`aftersales bot --polling` does so too before it polls)."""

    async def call() -> bool:
        async with make_bot(settings) as bot:
            return bool(await bot.delete_webhook())

    _run(call())
