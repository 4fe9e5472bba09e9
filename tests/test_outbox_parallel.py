"""The outbox at scale (issue 14): two workers with threads deliver every row exactly once; a dead
worker's lease lapses within 30 s while a live one renews its own; a commit that queues a row
wakes an idle worker at once (an in-process event, or LISTEN/NOTIFY between processes on
PostgreSQL); Telegram's one-message-a-second per chat and the overall paces are kept."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import event, text

from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.outbox.pacing import Limits, Pace, Pacer
from backend.outbox.service import enqueue
from backend.outbox.wakeup import INBOX, OUTBOX, Notifier, conninfo, doorbell, listen, ring
from backend.outbox.worker import LEASE, claim_due, deliver_due, renew_leases, run_forever
from tests.concurrency import own_databases

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
WAIT = 30.0  # seconds a test waits for an event before failing (never a measured time)


class Recording:
    """A transport that records each delivery and rings `done` once `expected` were made."""

    def __init__(
        self,
        channel: str,
        expected: int,
        log: list[int],
        lock: threading.Lock,
        done: threading.Event | None = None,
    ) -> None:
        self.channel, self.expected = channel, expected
        self.log, self.lock = log, lock
        self.done = done or threading.Event()

    def notify(self, message: OutboundMessage) -> str | None:
        with self.lock:
            self.log.append(message.id)
            if len(self.log) >= self.expected:
                self.done.set()
        return f"id-{message.id}"


class Ticker:
    """A settable monotonic clock for the pacer, and a sleep that only records."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def _queue(
    database: Database, count: int, *, channel: str = "sms", chats: list[int] | None = None
) -> list[int]:
    with database.session() as session:
        rows = [
            enqueue(
                session,
                channel=channel,
                recipient=str(chats[i % len(chats)]) if chats else f"+8210300{i:05d}",
                payload={"text": f"hello {i}", "body": f"hello {i}"},
                now=T0,
            )
            for i in range(count)
        ]
        session.flush()
        return [row.id for row in rows if row is not None]


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def _start(
    database: Database,
    transport: Recording,
    stop: threading.Event,
    *,
    idle: float = 0.05,
    threads: int = 4,
    wake: threading.Event | None = None,
) -> threading.Thread:
    thread = threading.Thread(
        target=run_forever,
        args=(database, {transport.channel: transport}, stop),
        kwargs={"idle_seconds": idle, "clock": lambda: T0, "threads": threads, "wake": wake},
        daemon=True,
    )
    thread.start()
    return thread


def test_two_workers_with_threads_deliver_each_row_exactly_once(
    database: Database, stop: threading.Event
) -> None:
    """Two worker 'processes' (engines of their own), four threads each, 300 rows."""
    ids = _queue(database, 300)
    log: list[int] = []
    lock = threading.Lock()
    with own_databases(database.url, 2) as (first, second):
        done = threading.Event()
        transports = [Recording("sms", len(ids), log, lock, done) for _ in range(2)]
        workers = [
            _start(db, transport, stop, wake=threading.Event())
            for db, transport in zip((first, second), transports, strict=True)
        ]
        assert done.wait(WAIT), f"{len(log)} of {len(ids)} delivered"
        stop.set()
        for worker in workers:
            worker.join(WAIT)
    counts = Counter(log)
    assert sorted(counts) == sorted(ids)
    assert max(counts.values()) == 1, "a row was delivered twice"
    with database.session() as session:
        statuses = {row.status for row in session.query(OutboundMessage)}
    assert statuses == {"sent"}


def test_a_dead_workers_claim_is_taken_over_once_its_lease_lapses(database: Database) -> None:
    """A worker claimed rows and died: nobody takes them before LEASE (≤ 30 s), anyone after."""
    ids = _queue(database, 3)
    assert timedelta(seconds=30) >= LEASE  # the issue: taken over within 30 s
    assert claim_due(database, ["sms"], T0) == ids  # the worker that then dies
    assert claim_due(database, ["sms"], T0 + LEASE - timedelta(seconds=1)) == []
    assert claim_due(database, ["sms"], T0 + LEASE + timedelta(seconds=1)) == ids


def test_a_live_worker_renews_its_leases_while_delivering(database: Database) -> None:
    ids = _queue(database, 2)
    assert claim_due(database, ["sms"], T0) == ids
    assert renew_leases(database, ids, T0 + timedelta(seconds=10)) == 2
    assert claim_due(database, ["sms"], T0 + LEASE + timedelta(seconds=1)) == []
    # a lapsed lease is not renewed: the row may already be another worker's
    assert renew_leases(database, ids, T0 + timedelta(seconds=10) + LEASE * 2) == 0


def test_a_commit_that_queues_a_row_wakes_the_idle_worker(
    database: Database, stop: threading.Event
) -> None:
    """The worker polls once an hour here: only the doorbell can deliver the row in time."""
    log: list[int] = []
    transport = Recording("sms", 1, log, threading.Lock())
    worker = _start(database, transport, stop, idle=3600, wake=doorbell(database))
    (message_id,) = _queue(database, 1)
    assert transport.done.wait(WAIT), "the worker was not woken by the commit"
    assert log == [message_id]
    stop.set()
    doorbell(database).set()
    worker.join(WAIT)


def test_on_postgresql_a_commit_in_another_process_wakes_the_worker_by_notify(
    database: Database, stop: threading.Event
) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    log: list[int] = []
    transport = Recording("sms", 1, log, threading.Lock())
    with own_databases(database.url, 2) as (worker_db, web_db):
        bell = threading.Event()  # the worker's own: no commit in this "process" rings it
        listener = threading.Thread(
            target=listen, args=(worker_db, {"outbox": bell}, stop), daemon=True
        )
        listener.start()
        worker = _start(worker_db, transport, stop, idle=3600, wake=bell)
        doorbell(web_db)  # the web process's commits send NOTIFY
        (message_id,) = _queue(web_db, 1)
        assert transport.done.wait(WAIT), "the NOTIFY did not wake the worker"
        assert log == [message_id]
        stop.set()
        bell.set()
        worker.join(WAIT)
        listener.join(WAIT)


def test_on_postgresql_the_notify_follows_the_commit_and_never_a_rollback(
    database: Database,
) -> None:
    """The NOTIFY is sent after the commit, not inside the business transaction (whose commit
    would otherwise hold the server's one notification lock through its WAL flush, so that such
    commits queue behind each other), and a rolled-back transaction sends none: the listener
    hears the committed inbox bell, and no outbox bell before it."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    doorbell(database)
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    with psycopg.connect(conninfo(database), autocommit=True) as listener:
        listener.execute("LISTEN aftersales_outbox")
        listener.execute("LISTEN aftersales_inbox")
        session = database.sessionmaker()
        try:
            ring(session, OUTBOX)
            session.rollback()
        finally:
            session.close()
        event.listen(database.engine, "before_cursor_execute", record)
        try:
            with database.session() as session:
                ring(session, INBOX)
                session.execute(text("SELECT 1"))
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
        heard = [note.channel for note in listener.notifies(timeout=WAIT, stop_after=1)]
    assert not [s for s in statements if "NOTIFY" in s.upper()], statements
    assert heard == [f"aftersales_{INBOX}"], heard


def test_on_postgresql_an_idle_notifier_lets_its_connection_go_and_starts_again(
    database: Database,
) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    notifier = Notifier(conninfo(database))
    notifier.IDLE_SECONDS = 0.01
    with psycopg.connect(conninfo(database), autocommit=True) as listener:
        listener.execute("LISTEN aftersales_outbox")
        for _ in range(2):  # the second bell comes after the first thread has ended
            notifier.send({OUTBOX})
            heard = [note.channel for note in listener.notifies(timeout=WAIT, stop_after=1)]
            assert heard == ["aftersales_outbox"]
            thread = notifier.thread
            assert thread is not None
            thread.join(WAIT)
            assert not thread.is_alive() and notifier.pid is None


def test_one_message_a_second_into_one_telegram_chat(database: Database) -> None:
    """Telegram's per-chat limit: a chat's second message waits a second (put back, not sent
    and not counted as an attempt); another chat is not held up."""
    ids = _queue(database, 4, channel="telegram", chats=[111, 111, 111, 222])
    ticker = Ticker()
    pacer = Pacer(Limits(telegram=30), clock=ticker, sleep=ticker.sleep)
    log: list[int] = []
    transport = Recording("telegram", 99, log, threading.Lock())
    moment = T0
    outcomes = deliver_due(database, {"telegram": transport}, clock=lambda: moment, pacer=pacer)
    assert outcomes == {"sent": 2, "paced": 2}
    assert log == [ids[0], ids[3]]
    with database.session() as session:
        waiting = session.get(OutboundMessage, ids[1])
        assert waiting is not None
        assert (waiting.status, waiting.attempts) == ("pending", 0)
        assert waiting.next_attempt_at == T0 + timedelta(seconds=1)
    ticker.now += 1.0
    moment = T0 + timedelta(seconds=1)
    outcomes = deliver_due(database, {"telegram": transport}, clock=lambda: moment, pacer=pacer)
    assert outcomes == {"sent": 1, "paced": 1}  # the third waits another second
    assert log == [ids[0], ids[3], ids[1]]


def test_thirty_telegram_messages_a_second_overall() -> None:
    """The overall pace: 30 slots in the first second, the 31st waits for the next."""
    ticker = Ticker()
    pace = Pace(30, clock=ticker, sleep=ticker.sleep)
    waits = [pace.book() for _ in range(31)]
    assert waits[0] == 0
    assert waits[29] == pytest.approx(29 / 30)
    assert waits[30] == pytest.approx(1.0)
    pace.wait()
    assert ticker.slept == [pytest.approx(31 / 30)]


def test_the_pacer_forgets_a_chat_once_its_second_has_passed() -> None:
    """Every /start is a new chat: the per-chat slots must not pile up one per customer ever
    answered, only those of the last second are kept."""
    ticker = Ticker()
    pacer = Pacer(Limits(telegram=30), clock=ticker, sleep=ticker.sleep)
    for chat in range(500):
        assert pacer.chat_wait("telegram", str(600_000_000 + chat)) == 0.0
        ticker.now += 0.01  # 100 new chats a second
    assert pacer.chats_remembered() <= 101
    ticker.now += 1.0
    assert pacer.chat_wait("telegram", "42") == 0.0
    assert pacer.chats_remembered() == 1
    assert pacer.chat_wait("telegram", "42") == pytest.approx(1.0)  # still paced
