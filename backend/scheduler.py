"""APScheduler only decides *when*: each minute it runs the duties; the worker drains the outbox.

The duties and transports come from the composition root (backend/composition.py), passed in."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from backend.db import Database, utcnow
from backend.dialogues import engine
from backend.dialogues.engine import Dialogue
from backend.duties import NamedDuty, tick
from backend.inbox.service import Processor
from backend.inbox.worker import run_inbox
from backend.memory import release_free_memory
from backend.outbox.pacing import Limits, Pacer
from backend.outbox.transport import Transport
from backend.outbox.wakeup import BELLS, INBOX, OUTBOX, doorbell, listen
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
        processors: Mapping[str, Processor] | None = None,
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
        self._inbox: list[threading.Thread] = []
        self.processors = processors or {}
        # rung by this process's commits that queue work, and by NOTIFY from other processes
        self.bells = {name: doorbell(database, name) for name in BELLS}

    def _tick(self) -> None:
        results = tick(self.database, self.settings, self.clock(), duties=self.duties)
        if any(results.values()):
            logger.info("tick: %s", results)
        release_free_memory()  # the tick's rows are freed: do not keep their pages (README "Soak")

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
        if self.database.engine.dialect.name == "postgresql":  # other processes' commits
            threading.Thread(
                target=listen,
                name="outbox-listen",
                daemon=True,
                args=(self.database, self.bells, self.stop_event),
            ).start()
        self._thread = threading.Thread(
            target=run_forever,
            name="outbox",
            daemon=True,
            args=(self.database, transports, self.stop_event),
            kwargs={
                "max_attempts": self.settings.outbox_max_attempts,
                "give_up_after": self.settings.outbox_give_up_after,
                "clock": self.clock,
                "threads": self.settings.outbox_threads,
                "pacer": Pacer(
                    Limits(
                        telegram=self.settings.telegram_per_second,
                        voice=self.settings.twilio_calls_per_second,
                        sms=self.settings.twilio_sms_per_second,
                    )
                ),
                "wake": self.bells[OUTBOX],
            },
        )
        self._thread.start()
        if self.settings.webhook_queue:  # the webhook stores; this process's threads process
            self._inbox = [
                threading.Thread(
                    target=run_inbox,
                    name=f"inbox-{n}",
                    daemon=True,
                    args=(self.database, self.settings, self.processors, self.stop_event),
                    kwargs={"clock": self.clock, "wake": self.bells[INBOX]},
                )
                for n in range(self.settings.inbox_threads)
            ]
            for thread in self._inbox:
                thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        for bell in self.bells.values():
            bell.set()
        for thread in self._inbox:
            thread.join(timeout=5)
        self.scheduler.shutdown(wait=False)
        if self._thread is not None:
            self._thread.join(timeout=5)
