"""TelegramTransport: outbox rows → Bot API calls through python-telegram-bot's Bot."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from backend.outbox.models import OutboundMessage
from backend.outbox.transport import TransportError
from backend.settings import Settings

logger = logging.getLogger(__name__)

# python-telegram-bot 22.2+ turns time periods (RetryAfter.retry_after …) from int seconds into
# timedelta; until a major release it warns whenever one is read as int, even inside its own
# RetryAfter constructor. PTB_TIMEDELTA is the library's documented opt-in to the new type: with
# it nothing warns, and `seconds_of` below reads either type (older versions still give ints).
os.environ.setdefault("PTB_TIMEDELTA", "true")


def make_bot(settings: Settings) -> Bot:
    """A Bot on `TELEGRAM_API_BASE_URL` (Telegram's, a self-hosted server or a test fake)."""
    base = settings.telegram_api_base_url.rstrip("/")
    return Bot(
        token=settings.telegram_bot_token or "",
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=HTTPXRequest(connection_pool_size=4, read_timeout=15, connect_timeout=10),
    )


def seconds_of(period: int | float | timedelta) -> float:
    """A Bot API time period in seconds, whichever type this PTB version uses."""
    return period.total_seconds() if isinstance(period, timedelta) else float(period)


def reply_markup_from(data: dict[str, Any] | None) -> Any:
    if not data:
        return None
    if "inline_keyboard" in data:
        if not any(data["inline_keyboard"]):
            return None  # no buttons: an edit without a markup is how Telegram removes them
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    return None


class TelegramTransport:
    channel = "telegram"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._documents = Path(settings.var_dir) / "documents"  # backend.knowledge's files
        # The worker delivers from several threads; an event loop (and the Bot's HTTP client
        # bound to it) serves one thread, so each thread gets its own pair.
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._loops_lock = threading.Lock()

    @property
    def _bot(self) -> Bot:
        return self._thread_pair()[0]

    @property
    def _loop(self) -> asyncio.AbstractEventLoop:
        return self._thread_pair()[1]

    def _thread_pair(self) -> tuple[Bot, asyncio.AbstractEventLoop]:
        pair: tuple[Bot, asyncio.AbstractEventLoop] | None = getattr(self._local, "pair", None)
        if pair is None:
            pair = self._local.pair = (make_bot(self._settings), asyncio.new_event_loop())
            with self._loops_lock:
                self._loops.append(pair[1])
        return pair

    def notify(self, message: OutboundMessage) -> str | None:
        """sendMessage / sendPhoto / sendDocument; editMessageText or editMessageReplyMarkup when
        the payload names a message to edit; answerCallbackQuery when it names a callback query."""
        try:
            sent = self._loop.run_until_complete(self._send(message))
        except RetryAfter as error:
            # Telegram's flood control: it says how long to wait; retrying sooner extends the ban.
            raise TransportError(
                "rate limited", retry_after=seconds_of(error.retry_after)
            ) from error
        except Forbidden as error:
            # "bot was blocked by the user" / "user is deactivated": no retry can succeed.
            raise TransportError(str(error), permanent=True) from error
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return None  # editing a message to what it already shows: nothing left to do
            raise TransportError(str(error), permanent=True) from error
        except InvalidToken as error:
            raise TransportError(str(error), permanent=True) from error
        except TelegramError as error:
            raise TransportError(str(error)) from error
        return str(sent) if sent is not None else None

    async def _send(self, message: OutboundMessage) -> int | None:
        payload = message.payload
        markup = reply_markup_from(payload.get("reply_markup"))
        chat_id = int(message.recipient)
        if payload.get("callback_query_id"):
            # Stops the button's spinner; the text, if any, shows as a short notice.
            await self._bot.answer_callback_query(
                str(payload["callback_query_id"]), text=payload.get("text")
            )
            return None
        if payload.get("edit_message_id") and "text" not in payload:
            result = await self._bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=int(payload["edit_message_id"]), reply_markup=markup
            )
            return getattr(result, "message_id", None)
        if payload.get("edit_message_id"):
            result = await self._bot.edit_message_text(
                chat_id=chat_id,
                message_id=int(payload["edit_message_id"]),
                text=payload["text"],
                reply_markup=markup,
            )
            return getattr(result, "message_id", None)
        if payload.get("document"):
            sent = await self._send_document(chat_id, payload, markup)
        elif payload.get("photo"):
            sent = await self._bot.send_photo(
                chat_id=chat_id,
                photo=payload["photo"],
                caption=payload.get("text"),
                reply_markup=markup,
            )
        else:
            sent = await self._bot.send_message(
                chat_id=chat_id, text=payload["text"], reply_markup=markup
            )
        return sent.message_id

    async def _send_document(self, chat_id: int, payload: dict[str, Any], markup: Any) -> Any:
        """sendDocument of a file the backend made (an invoice PDF, R7.5: its bytes travel in the
        payload) or of a stored document (R6.3; a file gone from disk cannot be retried)."""
        document = payload["document"]
        if "content_base64" in document:
            return await self._bot.send_document(
                chat_id=chat_id,
                document=InputFile(
                    base64.b64decode(document["content_base64"]),
                    filename=str(document.get("filename") or "document.pdf"),
                ),
                caption=payload.get("text"),
                reply_markup=markup,
            )
        path = self._documents / str(document["path"])
        if not path.resolve().is_relative_to(self._documents.resolve()) or not path.is_file():
            raise TransportError("the document's file is missing", permanent=True)
        with path.open("rb") as handle:
            return await self._bot.send_document(
                chat_id=chat_id,
                document=InputFile(handle, filename=str(document.get("filename") or path.name)),
                caption=payload.get("text"),
                reply_markup=markup,
            )

    def close(self) -> None:
        with self._loops_lock:
            loops, self._loops = self._loops, []
        for loop in loops:
            if not loop.is_running():
                loop.close()
