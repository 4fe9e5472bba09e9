"""The worker's doorbells: rung when a transaction that queued work commits.

An idle worker loop waits on its doorbell instead of sleeping between passes, so a reply leaves
as soon as the change that caused it is committed. Two bells: OUTBOX (rung by any transaction
that adds outbound rows, noticed at flush) and INBOX (rung by the webhook that stored an update
for the worker to process, `ring`).
- in one process (web + worker, the SQLite default), the commit sets a `threading.Event`;
- across processes on PostgreSQL, `NOTIFY aftersales_<bell>` once the transaction has committed
  (never for a rolled-back one), and each worker LISTENs on a connection of its own (`listen`).
  The NOTIFY is not sent inside the business transaction: a committing transaction that has
  notified holds PostgreSQL's one notification lock through its WAL flush, so every such commit
  in the database would wait for the one before (measured: the queued webhook's commits queued
  behind each other). A thread of the process (`Notifier`) sends it instead, on an autocommit
  connection of its own, one NOTIFY per bell for all the commits that rang it since the last.
The poll interval stays as the safety net (a lost notification, rows written by bulk SQL, a
process that ended between its commit and its NOTIFY).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from backend.db import Database
from backend.outbox.models import OutboundMessage

logger = logging.getLogger(__name__)

OUTBOX, INBOX = "outbox", "inbox"
BELLS = (OUTBOX, INBOX)
_RUNG = "doorbells_rung"  # Session.info key: the bells this transaction rings at commit
_doorbells: weakref.WeakKeyDictionary[Database, dict[str, threading.Event]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def channel(bell: str) -> str:
    """The PostgreSQL notification channel of a bell."""
    return f"aftersales_{bell}"


def doorbell(database: Database, bell: str = OUTBOX) -> threading.Event:
    """The event rung after each commit through `database` that queued work for `bell` (the
    session hooks are installed on first call; later calls return the same events)."""
    with _lock:
        bells = _doorbells.get(database)
        if bells is None:
            bells = _doorbells[database] = {name: threading.Event() for name in BELLS}
            _install(database, bells)
        return bells[bell]


def ring(session: Session, bell: str) -> None:
    """Ring `bell` when this session's transaction commits (nothing if it rolls back)."""
    session.info.setdefault(_RUNG, set()).add(bell)


def conninfo(database: Database) -> str:
    """A libpq connection string for `database` (the SQLAlchemy URL without its driver)."""
    url = make_url(database.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Notifier:
    """Sends the NOTIFYs of committed transactions from a thread of its own (PostgreSQL).

    `send(bells)` returns at once; the thread sends `NOTIFY` for each bell rung since its last
    pass on an autocommit connection, so a burst of commits costs one NOTIFY per bell, and no
    committing transaction waits for the server's notification lock. A lost connection is
    opened again at the next bell (the workers' poll covers the gap). The thread starts on the
    first bell in each process (a forked web worker gets its own) and ends, closing its
    connection, after IDLE_SECONDS without one (the next bell starts it again)."""

    IDLE_SECONDS = 60.0

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.lock = threading.Lock()
        self.pending: set[str] = set()
        self.wake = threading.Event()
        self.pid: int | None = None  # the process whose thread runs, None when none does
        self.thread: threading.Thread | None = None

    def send(self, bells: set[str]) -> None:
        with self.lock:
            self.pending |= bells
            if self.pid != os.getpid():
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self._run, name="outbox-notify", daemon=True)
                self.thread.start()
        self.wake.set()

    def _take(self) -> set[str] | None:
        """The bells to send now; None when the thread has been idle long enough to end."""
        rung = self.wake.wait(self.IDLE_SECONDS)
        self.wake.clear()
        with self.lock:
            bells, self.pending = self.pending, set()
            if not rung and not bells:
                self.pid = None  # the next send starts a thread again
                return None
        return bells

    def _run(self) -> None:
        connection: psycopg.Connection[Any] | None = None
        try:
            while (bells := self._take()) is not None:
                try:
                    if connection is None or connection.closed:
                        connection = psycopg.connect(
                            self.conninfo, autocommit=True, connect_timeout=5
                        )
                    for bell in sorted(bells):
                        connection.execute(f"NOTIFY {channel(bell)}")
                except Exception:  # noqa: BLE001 - the thread must outlive any failure
                    logger.warning(
                        "could not send the workers' NOTIFY; their poll will find the rows"
                    )
                    if connection is not None:
                        connection.close()
                    connection = None
        finally:
            if connection is not None:
                connection.close()


def _install(database: Database, bells: dict[str, threading.Event]) -> None:
    notifier = (
        Notifier(conninfo(database)) if database.engine.dialect.name == "postgresql" else None
    )

    def after_flush(session: Session, _context: Any) -> None:
        if any(isinstance(row, OutboundMessage) for row in session.new):
            ring(session, OUTBOX)

    def after_commit(session: Session) -> None:
        rung: set[str] = session.info.pop(_RUNG, set())
        for bell in rung:
            bells[bell].set()
        if rung and notifier is not None:
            notifier.send(rung)

    def after_rollback(session: Session) -> None:
        session.info.pop(_RUNG, None)

    factory = database.sessionmaker
    event.listen(factory, "after_flush", after_flush)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda session, _tx: after_rollback(session))


def listen(database: Database, bells: dict[str, threading.Event], stop: threading.Event) -> None:
    """PostgreSQL only: ring each of `bells` (by name) on its NOTIFY from any process, until
    `stop` is set. A lost connection is opened again after a pause (the poll covers the gap)."""
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo(database), autocommit=True) as connection:
                by_channel = {channel(name): bell for name, bell in bells.items()}
                for name, bell in by_channel.items():
                    connection.execute(f"LISTEN {name}")
                    bell.set()  # work queued while not listening: look once
                while not stop.is_set():
                    for note in connection.notifies(timeout=1.0, stop_after=1):
                        if note.channel in by_channel:
                            by_channel[note.channel].set()
        except psycopg.Error:
            logger.warning("outbox LISTEN connection lost; listening again shortly")
            stop.wait(2.0)
