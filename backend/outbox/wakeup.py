"""The worker's doorbells: rung when a transaction that queued work commits.

An idle worker loop waits on its doorbell instead of sleeping between passes, so a reply leaves
as soon as the change that caused it is committed. Two bells: OUTBOX (rung by any transaction
that adds outbound rows, noticed at flush) and INBOX (rung by the webhook that stored an update
for the worker to process, `ring`).
- in one process (web + worker, the SQLite default), the commit sets a `threading.Event`;
- across processes on PostgreSQL, the same transaction sends `NOTIFY aftersales_<bell>`
  (delivered by the server at commit, never for a rolled-back transaction) and each worker
  LISTENs on a connection of its own (`listen`).
The poll interval stays as the safety net (a lost notification, rows written by bulk SQL).
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any

import psycopg
from sqlalchemy import event, text
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


def _install(database: Database, bells: dict[str, threading.Event]) -> None:
    postgres = database.engine.dialect.name == "postgresql"

    def after_flush(session: Session, _context: Any) -> None:
        if any(isinstance(row, OutboundMessage) for row in session.new):
            ring(session, OUTBOX)

    def before_commit(session: Session) -> None:
        if postgres:
            for bell in sorted(session.info.get(_RUNG, ())):
                session.execute(text(f"NOTIFY {channel(bell)}"))  # sent by the server at commit

    def after_commit(session: Session) -> None:
        for bell in session.info.pop(_RUNG, ()):
            bells[bell].set()

    def after_rollback(session: Session) -> None:
        session.info.pop(_RUNG, None)

    factory = database.sessionmaker
    event.listen(factory, "after_flush", after_flush)
    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda session, _tx: after_rollback(session))


def listen(database: Database, bells: dict[str, threading.Event], stop: threading.Event) -> None:
    """PostgreSQL only: ring each of `bells` (by name) on its NOTIFY from any process, until
    `stop` is set. A lost connection is opened again after a pause (the poll covers the gap)."""
    url = make_url(database.url).set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as connection:
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
