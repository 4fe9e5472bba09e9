"""Processing stored updates off the webhook's path (AFTERSALES_WEBHOOK_QUEUE: the webhook
stores and acknowledges; this loop, in each worker process, runs the channel's processor).

Woken by the inbox doorbell (backend/outbox/wakeup.py) when a webhook commits an update, with
the poll interval as a safety net. Each update is processed in a transaction of its own; a
failure is kept for the `inbound_retry` duty exactly as on the inline path (service.process).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime

from backend.db import Database, utcnow
from backend.inbox.models import InboundUpdate
from backend.inbox.service import Processor, claim_received, process
from backend.outbox.wakeup import INBOX, doorbell
from backend.settings import Settings

logger = logging.getLogger(__name__)


def process_received(
    database: Database,
    settings: Settings,
    processors: Mapping[str, Processor],
    now: datetime,
    limit: int = 20,
) -> int:
    """One pass: claim up to `limit` waiting updates, process each in its own transaction."""
    with database.session() as session:
        ids = [row.id for row in claim_received(session, now, limit)]
    for row_id in ids:
        with database.session() as session:
            row = session.get(InboundUpdate, row_id)
            if row is not None:
                process(session, settings, now, row, processors.get(row.channel))
    return len(ids)


def run_inbox(
    database: Database,
    settings: Settings,
    processors: Mapping[str, Processor],
    stop: threading.Event,
    *,
    idle_seconds: float = 1.0,
    clock: Callable[[], datetime] = utcnow,
    wake: threading.Event | None = None,
) -> None:
    """The processing loop: work while updates wait, then wait for the doorbell."""
    bell = wake if wake is not None else doorbell(database, INBOX)
    while not stop.is_set():
        bell.clear()  # before looking: a ring while we look is not missed
        try:
            done = process_received(database, settings, processors, clock())
        except Exception:  # noqa: BLE001 - a database hiccup: wait and try again
            logger.exception("inbox pass failed")
            done = 0
        if not done:
            bell.wait(idle_seconds)
