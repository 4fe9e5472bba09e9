"""The worker's doorbell: rung when a transaction that queued outbound rows commits.

An idle worker waits on the doorbell instead of sleeping between passes, so a reply leaves as
soon as the change that caused it is committed:
- in one process (web + worker, the SQLite default), the commit sets a `threading.Event`;
- across processes on PostgreSQL, the same transaction sends `NOTIFY aftersales_outbox`
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

CHANNEL = "aftersales_outbox"
_QUEUED = "outbox_queued"  # Session.info key: this transaction flushed new outbound rows
_doorbells: weakref.WeakKeyDictionary[Database, threading.Event] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def doorbell(database: Database) -> threading.Event:
    """The event rung after each commit through `database` that queued outbound rows (the
    session hooks are installed on first call; later calls return the same event)."""
    with _lock:
        bell = _doorbells.get(database)
        if bell is None:
            bell = _doorbells[database] = threading.Event()
            _install(database, bell)
        return bell


def _install(database: Database, bell: threading.Event) -> None:
    postgres = database.engine.dialect.name == "postgresql"

    def after_flush(session: Session, _context: Any) -> None:
        if any(isinstance(row, OutboundMessage) for row in session.new):
            session.info[_QUEUED] = True

    def before_commit(session: Session) -> None:
        if postgres and session.info.get(_QUEUED):
            session.execute(text(f"NOTIFY {CHANNEL}"))  # sent by the server at commit

    def after_commit(session: Session) -> None:
        if session.info.pop(_QUEUED, False):
            bell.set()

    def after_rollback(session: Session) -> None:
        session.info.pop(_QUEUED, None)

    factory = database.sessionmaker
    event.listen(factory, "after_flush", after_flush)
    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda session, _tx: after_rollback(session))


def listen(database: Database, bell: threading.Event, stop: threading.Event) -> None:
    """PostgreSQL only: ring `bell` on each NOTIFY from any process, until `stop` is set.
    A lost connection is opened again after a pause (the poll covers the gap)."""
    url = make_url(database.url).set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute(f"LISTEN {CHANNEL}")
                bell.set()  # rows queued while not listening: look once
                while not stop.is_set():
                    for _note in connection.notifies(timeout=1.0, stop_after=1):
                        bell.set()
        except psycopg.Error:
            logger.warning("outbox LISTEN connection lost; listening again shortly")
            stop.wait(2.0)
