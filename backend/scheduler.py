"""APScheduler only decides *when*: each minute it runs the duties; the worker drains the outbox.

The duties and transports come from the composition root (backend/composition.py), passed in."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from backend.db import Database, utcnow
from backend.dialogues import engine
from backend.dialogues.engine import Dialogue
from backend.duties import NamedDuty, tick
from backend.outbox.transport import Transport
from backend.outbox.worker import run_forever
from backend.settings import Settings

logger = logging.getLogger(__name__)


class Worker:
    """The scheduler plus the outbox delivery loop, in background threads of this process."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        duties: Sequence[NamedDuty],
        dialogues: Sequence[Dialogue],
        build_transports: Callable[[Settings], dict[str, Transport]],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.settings = settings
        self.duties, self.dialogues = duties, dialogues
        self.build_transports = build_transports
        self.clock = clock  # the sandbox's clock moves forward when asked
        self.stop_event = threading.Event()
        self.scheduler = BackgroundScheduler(timezone=settings.tz)
        self._thread: threading.Thread | None = None

    def _tick(self) -> None:
        results = tick(self.database, self.settings, self.clock(), duties=self.duties)
        if any(results.values()):
            logger.info("tick: %s", results)

    def start(self) -> None:
        engine.install(self.dialogues)  # `inbound_retry` runs the Telegram dialogues
        self.scheduler.add_job(
            self._tick,
            "interval",
            minutes=1,
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow(),  # APScheduler's own timeline is real time
        )
        self.scheduler.start()
        transports = self.build_transports(self.settings)
        self._thread = threading.Thread(
            target=run_forever,
            name="outbox",
            daemon=True,
            args=(self.database, transports, self.stop_event),
            kwargs={
                "max_attempts": self.settings.outbox_max_attempts,
                "give_up_after": self.settings.outbox_give_up_after,
                "clock": self.clock,
            },
        )
        self._thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.scheduler.shutdown(wait=False)
        if self._thread is not None:
            self._thread.join(timeout=5)
