"""APScheduler only decides *when*: each minute it calls `tick`; the worker drains the outbox."""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from backend.db import Database, utcnow
from backend.duties import tick
from backend.outbox.transports import build_transports
from backend.outbox.worker import run_forever
from backend.settings import Settings

logger = logging.getLogger(__name__)


class Worker:
    """The scheduler plus the outbox delivery loop, in background threads of this process."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.stop_event = threading.Event()
        self.scheduler = BackgroundScheduler(timezone=settings.tz)
        self._thread: threading.Thread | None = None

    def _tick(self) -> None:
        results = tick(self.database, self.settings, utcnow())
        if any(results.values()):
            logger.info("tick: %s", results)

    def start(self) -> None:
        self.scheduler.add_job(
            self._tick,
            "interval",
            minutes=1,
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow(),
        )
        self.scheduler.start()
        transports = build_transports(self.settings)
        self._thread = threading.Thread(
            target=run_forever,
            name="outbox",
            daemon=True,
            args=(self.database, transports, self.stop_event),
            kwargs={"max_attempts": self.settings.outbox_max_attempts},
        )
        self._thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.scheduler.shutdown(wait=False)
        if self._thread is not None:
            self._thread.join(timeout=5)
