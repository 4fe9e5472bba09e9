"""`aftersales bot --polling`: getUpdates long polling for a bot without a public URL.

Each update goes through the same path as a webhook delivery: stored (deduplicated by update_id),
then processed; the replies it queues are delivered from the outbox, and the photos people sent
are fetched, here too, so a single `aftersales bot --polling` is a working bot (a separate worker
may deliver as well: rows are leased, never sent twice).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from backend.db import Database, utcnow
from backend.inbox.media import fetch_due
from backend.inbox.models import InboundUpdate
from backend.inbox.service import process, store_update
from backend.outbox.worker import deliver_due
from backend.settings import Settings
from bot.files import fetch_telegram_file
from bot.handlers import process_update
from bot.registration import ALLOWED_UPDATES
from bot.transport import TelegramTransport, make_bot
from bot.webhook import chat_id_of

logger = logging.getLogger(__name__)


def handle_batch(database: Database, settings: Settings, updates: list[dict[str, Any]]) -> int:
    """Store and process updates as the webhook does; the number newly processed."""
    processed = 0
    for update in updates:
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            continue
        moment = utcnow()
        with database.session() as session:
            row_id = store_update(
                session,
                channel="telegram",
                update_id=update_id,
                payload=update,
                chat_id=chat_id_of(update),
                now=moment,
            )
        if row_id is None:
            continue
        with database.session() as session:
            row = session.get(InboundUpdate, row_id)
            assert row is not None
            processed += process(session, settings, moment, row, process_update)
    return processed


def fetch_files(database: Database, settings: Settings) -> int:
    """The photos people sent, fetched as the worker's `media_downloads` duty does."""
    try:
        with database.session() as session:
            return fetch_due(session, settings, utcnow(), {"telegram": fetch_telegram_file})
    except Exception:  # noqa: BLE001 - the worker's duty will try again; keep polling
        logger.exception("fetching sent files failed")
        return 0


async def fetch(bot: Bot, offset: int | None, timeout: int) -> list[dict[str, Any]]:
    updates = await bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
    return [update.to_dict() for update in updates]


def run_polling(
    settings: Settings,
    *,
    stop: threading.Event | None = None,
    timeout: int = 30,
    database: Database | None = None,
) -> None:
    """Poll until `stop` is set (or Ctrl-C); getUpdates' offset confirms what was stored."""
    stop = stop or threading.Event()
    database = database or Database(settings.database_url)
    bot, transport = make_bot(settings), TelegramTransport(settings)
    loop = asyncio.new_event_loop()
    offset: int | None = None
    loop.run_until_complete(bot.delete_webhook())  # getUpdates is refused while a webhook is set
    logger.info("Telegram long polling started")
    try:
        while not stop.is_set():
            try:
                updates = loop.run_until_complete(fetch(bot, offset, timeout))
            except TelegramError as error:
                logger.warning("getUpdates failed: %s; retrying in 5 s", error)
                stop.wait(5)
                continue
            handle_batch(database, settings, updates)
            if updates:
                offset = max(u["update_id"] for u in updates) + 1
            deliver_due(
                database,
                {"telegram": transport},
                max_attempts=settings.outbox_max_attempts,
                give_up_after=settings.outbox_give_up_after,
            )
            fetch_files(database, settings)
    except KeyboardInterrupt:
        pass
    finally:
        loop.run_until_complete(bot.shutdown())
        loop.close()
        transport.close()
