"""SQLite's writers queue on a lock in the process (backend/db.py `queue_writers`) instead of
polling the file's lock on the busy timeout: with the busy timeout at zero, a second thread's
transaction would fail at once ("database is locked") without the queue; with it, it waits for
the first transaction to end — by commit, rollback or a closed connection — and then runs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from backend.db import queue_writers

WAIT = 30.0  # seconds a test waits for an event before failing (never a measured time)


def _engine(path: Path, beginning: threading.Event) -> Engine:
    """An engine like make_engine's for SQLite, but with no busy timeout at all; `beginning` is
    set by each transaction as it begins, before it queues."""
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"timeout": 0, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    event.listen(engine, "begin", lambda _connection: beginning.set())
    queue_writers(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE log (who TEXT)"))
    return engine


def _second_writer(
    engine: Engine, order: list[str], beginning: threading.Event
) -> threading.Thread:
    """A thread writing once; returned when its transaction has begun to begin."""
    beginning.clear()

    def write() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO log VALUES ('second')"))
            order.append("second")

    thread = threading.Thread(target=write)
    thread.start()
    assert beginning.wait(WAIT)
    return thread


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_a_second_writer_waits_for_the_first_to_end_instead_of_failing(
    tmp_path: Path, ending: str
) -> None:
    beginning = threading.Event()
    engine = _engine(tmp_path / "queue.db", beginning)
    order: list[str] = []
    connection = engine.connect()
    connection.execute(text("INSERT INTO log VALUES ('first')"))  # holds the write lock
    second = _second_writer(engine, order, beginning)
    order.append("first")
    if ending == "commit":
        connection.commit()
    elif ending == "rollback":
        connection.rollback()
    connection.close()  # "close": given back by the pool's reset of an unfinished transaction
    second.join(WAIT)
    assert not second.is_alive()
    assert order == ["first", "second"]
    with engine.connect() as reader:
        rows = [who for (who,) in reader.execute(text("SELECT who FROM log ORDER BY rowid"))]
    assert rows == (["second"] if ending != "commit" else ["first", "second"])
    engine.dispose()


def test_without_the_queue_the_same_second_writer_fails_at_once(tmp_path: Path) -> None:
    """What the queue spares: SQLite itself refuses the second BEGIN IMMEDIATE here."""
    path = tmp_path / "plain.db"
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})

    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE log (who TEXT)"))
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("INSERT INTO log VALUES ('first')"))
        with pytest.raises(Exception, match="database is locked"):
            second.execute(text("INSERT INTO log VALUES ('second')"))
    engine.dispose()
