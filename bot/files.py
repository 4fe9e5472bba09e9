"""Fetching a file people sent to the bot: getFile, then the file's bytes, through
python-telegram-bot on `TELEGRAM_API_BASE_URL` (a self-hosted Bot API server or the tests' fake
serve it too)."""

from __future__ import annotations

import asyncio
import threading

from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError

from backend.inbox.media import FetchedFile, FetchError
from backend.settings import Settings
from bot.transport import make_bot


class TelegramFiles:
    """One Bot and event loop per configuration, shared by the threads that fetch files."""

    def __init__(self, settings: Settings) -> None:
        self._bot = make_bot(settings)
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()  # one event loop runs in one thread at a time

    async def _download(self, file_id: str) -> FetchedFile:
        telegram_file = await self._bot.get_file(file_id)
        content = await telegram_file.download_as_bytearray()
        return FetchedFile(bytes(content), telegram_file.file_path)

    def fetch(self, file_id: str) -> FetchedFile:
        try:
            with self._lock:
                return self._loop.run_until_complete(self._download(file_id))
        except InvalidToken as error:
            # Its message may carry the token: never store or log that.
            raise FetchError("the Bot API refused the bot token") from error
        except (BadRequest, Forbidden) as error:
            # "wrong file_id", "file is too big": the same request will be refused again.
            raise FetchError(str(error), permanent=True) from error
        except TelegramError as error:  # network, 429, 5xx: later
            raise FetchError(str(error)) from error


_FETCHERS: dict[tuple[str, str], TelegramFiles] = {}
_FETCHERS_LOCK = threading.Lock()


def fetch_telegram_file(settings: Settings, file_id: str) -> FetchedFile:
    """The bytes behind a Telegram file id (FetchError says whether asking again can help)."""
    if not settings.telegram_bot_token:
        raise FetchError("TELEGRAM_BOT_TOKEN is not set")
    key = (settings.telegram_bot_token, settings.telegram_api_base_url)
    with _FETCHERS_LOCK:
        files = _FETCHERS.get(key) or _FETCHERS.setdefault(key, TelegramFiles(settings))
    return files.fetch(file_id)
