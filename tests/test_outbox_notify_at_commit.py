"""A commit that queued an outbox row rings the other processes' workers (PostgreSQL NOTIFY),
however the row reached the database: flushed early, or only by the commit itself.

Found by benchmarks/jobqueue.py (its wake-up run without a flush): `Session.commit()` runs the
`before_commit` hooks before its own final flush, so a doorbell that sent NOTIFY from
`before_commit` missed a row that only the commit flushed, which then waited for a worker's next
poll (~1 s). The NOTIFY is now sent after the commit (backend/outbox/wakeup.py), when every
flush, the commit's own included, has rung its bell.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy.engine import make_url

from backend.db import Database
from backend.outbox.service import enqueue
from backend.outbox.wakeup import OUTBOX, channel, doorbell
from tests.concurrency import own_databases

WAIT = 5.0  # seconds to wait for the notification before failing (never a measured time)


def _notified(database: Database, *, flush: bool) -> bool:
    """Whether a listener on another connection hears the commit of one queued message."""
    conninfo = make_url(database.url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as ear:
        ear.execute(f"LISTEN {channel(OUTBOX)}")
        with own_databases(database.url, 1) as (web,):
            doorbell(web)  # the web process's commits send NOTIFY
            with web.session() as session:
                enqueue(
                    session,
                    channel="telegram",
                    recipient=42,
                    payload={"text": "your case is open"},
                    now=datetime.now(UTC),
                )
                if flush:
                    session.flush()
        return any(True for _ in ear.notifies(timeout=WAIT, stop_after=1))


@pytest.fixture
def postgres(database: Database) -> Database:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    return database


def test_a_row_flushed_before_the_commit_sends_notify(postgres: Database) -> None:
    assert _notified(postgres, flush=True)


def test_a_row_flushed_only_by_the_commit_sends_notify(postgres: Database) -> None:
    assert _notified(postgres, flush=False)
