"""Delivering due outbox rows with retries and backoff; several workers may run at once.

How a row ends (README "Configuration": AFTERSALES_OUTBOX_GIVE_UP_HOURS, …_MAX_ATTEMPTS):
- sent;
- rate limited (a 429 naming `retry_after`): not a failed attempt — the row waits as long as the
  provider asks and its `attempts` stay as they were;
- a transient failure: an attempt; retried after a doubling backoff, failed for good once
  `max_attempts` real failures were made;
- a permanent failure (a blocked bot, an invalid number): failed for good at once;
- whatever happens, a row that could not be delivered within `give_up_after` of being first due
  fails for good (a row with a delivery window, `not_after`, is bounded by its window instead).
A row failed for good is listed for staff, who may queue it again (service.requeue).

How rows move (`run_forever`): the loop claims due rows in one statement (`FOR UPDATE SKIP
LOCKED` on PostgreSQL: concurrent workers never wait for, nor take, each other's rows) and hands
them to a pool of threads; while a row is in flight its lease is renewed every RENEW_EVERY, so a
live worker keeps it however slow the provider, and a dead worker's rows are free again LEASE
after its last renewal. The loop sleeps on the doorbell (backend/outbox/wakeup.py), rung when a
transaction queues a row, with the poll interval as a safety net. The providers' rates are kept
by the pacer (backend/outbox/pacing.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from backend.db import Database, utcnow
from backend.outbox.models import OutboundMessage, OutboxStatus
from backend.outbox.pacing import Pacer
from backend.outbox.service import masked_error
from backend.outbox.transport import Transport, TransportError
from backend.outbox.wakeup import doorbell

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)  # a dead worker's rows are taken over this long after it stopped
RENEW_EVERY = timedelta(seconds=10)  # a live worker renews the leases of its rows in flight
BATCH = 20
THREADS = 8
MAX_ATTEMPTS = 8
GIVE_UP_AFTER = timedelta(hours=24)
# A 429 that names no wait (or 0 s) still waits a little: an immediate retry is refused again.
MIN_RATE_LIMIT_WAIT = timedelta(seconds=1)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def give_up_at(message: OutboundMessage, give_up_after: timedelta) -> datetime | None:
    """The moment `message` fails for good if still undelivered; None for a windowed row."""
    if message.not_after is not None:
        return None  # a call inside calling hours: deferred at the window's end, then re-armed
    return message.first_due_at + give_up_after


def claim_due(
    database: Database, channels: Collection[str], now: datetime, limit: int = BATCH
) -> list[int]:
    """Lease up to `limit` due rows; a row leased by another worker is skipped."""
    return [message.id for message in claim(database, channels, now, limit)]


def claim(
    database: Database, channels: Collection[str], now: datetime, limit: int = BATCH
) -> list[OutboundMessage]:
    """Lease up to `limit` due rows in one statement and return them as leased (detached), in
    the order of their ids: the delivery needs no second read of its row.

    On PostgreSQL the candidates are locked with SKIP LOCKED, so two workers claiming at once
    split the rows instead of queueing on them; SQLite has one writer at a time anyway."""
    due = (
        select(OutboundMessage.id)
        .where(
            OutboundMessage.status == OutboxStatus.PENDING,
            OutboundMessage.channel.in_(list(channels)),
            OutboundMessage.next_attempt_at <= now,
            or_(OutboundMessage.locked_until.is_(None), OutboundMessage.locked_until < now),
        )
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with database.session() as session:
        rows = list(
            session.scalars(
                update(OutboundMessage)
                .where(OutboundMessage.id.in_(due.scalar_subquery()))
                .values(locked_until=now + LEASE)
                .returning(OutboundMessage)
                .execution_options(synchronize_session=False)
            )
        )
        for row in rows:
            session.expunge(row)
    return sorted(rows, key=lambda row: row.id)


def renew_leases(database: Database, message_ids: Collection[int], now: datetime) -> int:
    """Extend the leases of rows still in flight here (a row already recorded, or one whose
    lease lapsed, is left alone); how many were renewed."""
    if not message_ids:
        return 0
    with database.session() as session:
        result = session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.id.in_(list(message_ids)),
                OutboundMessage.status == OutboxStatus.PENDING,
                OutboundMessage.locked_until >= now,
            )
            .values(locked_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def deliver_one(
    database: Database,
    transport: Transport,
    message_id: int,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    give_up_after: timedelta = GIVE_UP_AFTER,
    clock: Callable[[], datetime] = utcnow,
    pacer: Pacer | None = None,
    claimed: OutboundMessage | None = None,
) -> str:
    """Send one leased row and record the outcome: sent, rate limited, retry later, deferred,
    failed for good, or paced (its chat heard from us less than a second ago: put back).
    `claimed` is the row as the claim returned it; without it the row is read first."""
    message = claimed if claimed is not None else _read(database, message_id)
    if message is None or message.status != OutboxStatus.PENDING:
        return "skipped"
    settle = _not_now(message, clock(), give_up_after, pacer)
    if settle is not None:
        with database.session() as session:
            row = session.get(OutboundMessage, message_id)
            if row is None or row.status != OutboxStatus.PENDING:
                return "skipped"
            return settle(row)
    if pacer is not None:
        pacer.wait_for_channel(message.channel)
    try:
        provider_id = transport.notify(message)
    except TransportError as error:
        return _record_failure(database, message_id, error, max_attempts, give_up_after, clock())
    except Exception as error:  # noqa: BLE001 - a library bug must not stop the worker
        logger.exception("transport %s raised for outbox %s", transport.channel, message_id)
        return _record_failure(
            database, message_id, TransportError(repr(error)), max_attempts, give_up_after, clock()
        )
    with database.session() as session:  # one statement: the hot path of every delivery
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message_id)
            .values(
                status=OutboxStatus.SENT,
                sent_at=clock(),
                locked_until=None,
                attempts=OutboundMessage.attempts + 1,
                provider_id=provider_id,
            )
            .execution_options(synchronize_session=False)
        )
    return "sent"


def _read(database: Database, message_id: int) -> OutboundMessage | None:
    """The row as it is now, detached."""
    with database.session() as session:
        row = session.get(OutboundMessage, message_id)
        if row is not None:
            session.expunge(row)
        return row


def _not_now(
    message: OutboundMessage, now: datetime, give_up_after: timedelta, pacer: Pacer | None
) -> Callable[[OutboundMessage], str] | None:
    """What to record instead of sending `message` now, or None to send it."""
    if message.not_after is not None and now >= message.not_after:
        return _defer
    deadline = give_up_at(message, give_up_after)
    if deadline is not None and now >= deadline:
        # A worker that was down, or a rate limit that outlasted the deadline: a day-old
        # message is not sent now; staff see it among the failed and may send it again.
        return lambda row: _fail(row, now, f"gave up: not delivered within {give_up_after}")
    wait = pacer.chat_wait(message.channel, message.recipient) if pacer else 0.0
    if wait > 0:
        return lambda row: _put_back(row, now + timedelta(seconds=wait))
    return None


def _put_back(message: OutboundMessage, at: datetime) -> str:
    """Not sent yet, not an attempt: due again at `at` (any worker may take it then)."""
    message.next_attempt_at, message.locked_until = at, None
    return "paced"


def _defer(message: OutboundMessage) -> str:
    """Too late (a worker that was down): never deliver it now; not a failed attempt either.
    The backend re-arms deferred rows for their next window (calls: calling hours, R8.3)."""
    message.status, message.locked_until = OutboxStatus.DEFERRED, None
    logger.info(
        "outbox %s (%s) deferred: its window closed at %s",
        message.id,
        message.channel,
        message.not_after,
    )
    return "deferred"


def _fail(row: OutboundMessage, now: datetime, reason: str) -> str:
    """Failed for good: listed for staff (who may retry it), counted by the burst alert."""
    row.status, row.failed_at, row.locked_until = OutboxStatus.FAILED, now, None
    row.last_error = reason[:1000]
    # Providers quote the number or chat they refused; logs never carry one whole.
    logger.warning("outbox %s (%s) failed for good: %s", row.id, row.channel, masked_error(reason))
    return "failed"


def _record_failure(
    database: Database,
    message_id: int,
    error: TransportError,
    max_attempts: int,
    give_up_after: timedelta,
    now: datetime,
) -> str:
    with database.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert row is not None
        row.locked_until = None
        if error.retry_after is not None and not error.permanent:
            return _wait_for_rate_limit(row, error, give_up_after, now)
        row.attempts += 1
        if error.permanent:
            return _fail(row, now, error.message)
        if row.attempts >= max_attempts:
            return _fail(row, now, f"{error.message} (after {row.attempts} attempts)")
        delay = backoff(row.attempts)
        deadline = give_up_at(row, give_up_after)
        if deadline is not None and now + delay >= deadline:
            return _fail(row, now, f"{error.message} (deadline reached)")
        row.last_error = error.message[:1000]
        row.next_attempt_at = now + delay
        logger.info("outbox %s (%s) will retry in %s", message_id, row.channel, delay)
        return "retry"


def _wait_for_rate_limit(
    row: OutboundMessage, error: TransportError, give_up_after: timedelta, now: datetime
) -> str:
    """The provider's flood control: wait as long as it asks (sooner extends the ban); the
    attempt did not fail, so `attempts` stay; only the deadline can end the waiting."""
    wait = max(timedelta(seconds=error.retry_after or 0), MIN_RATE_LIMIT_WAIT)
    deadline = give_up_at(row, give_up_after)
    if deadline is not None and now + wait >= deadline:
        return _fail(row, now, f"{error.message} until after the deadline")
    row.last_error = error.message[:1000]
    row.next_attempt_at = now + wait
    logger.info("outbox %s (%s) rate limited; waiting %s", row.id, row.channel, wait)
    return "rate_limited"


def deliver_due(
    database: Database,
    transports: Mapping[str, Transport],
    *,
    max_attempts: int = MAX_ATTEMPTS,
    give_up_after: timedelta = GIVE_UP_AFTER,
    clock: Callable[[], datetime] = utcnow,
    pacer: Pacer | None = None,
) -> dict[str, int]:
    """One pass, one row after another: deliver every due row of a channel with a transport."""
    outcomes: dict[str, int] = {}
    if not transports:
        return outcomes
    for message in claim(database, list(transports), clock()):
        outcome = deliver_one(
            database,
            transports[message.channel],
            message.id,
            max_attempts=max_attempts,
            give_up_after=give_up_after,
            clock=clock,
            pacer=pacer,
            claimed=message,
        )
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def run_forever(
    database: Database,
    transports: Mapping[str, Transport],
    stop: threading.Event,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    give_up_after: timedelta = GIVE_UP_AFTER,
    idle_seconds: float = 1.0,
    clock: Callable[[], datetime] = utcnow,
    threads: int = THREADS,
    pacer: Pacer | None = None,
    wake: threading.Event | None = None,
) -> None:
    """The delivery loop: up to `threads` rows in flight at once; idle, it waits for the
    doorbell (`wake`, rung by a commit that queued rows, a finished delivery or `stop`) or at
    most `idle_seconds`."""
    logger.info("outbox worker started for %s", ", ".join(transports) or "no channels")
    bell = wake if wake is not None else doorbell(database)
    pool = InFlight(database, threads, bell, clock)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outbox") as executor:
        while not stop.is_set():
            bell.clear()  # before looking: a ring while we look is not missed
            claimed: list[OutboundMessage] = []
            try:
                if transports and pool.free() >= max(1, threads // 4):
                    claimed = claim(database, list(transports), clock(), pool.free())
                pool.renew_if_due()
            except Exception:  # noqa: BLE001 - a database hiccup: wait and try again
                logger.exception("outbox pass failed")
            for message in claimed:
                future = executor.submit(
                    deliver_one,
                    database,
                    transports[message.channel],
                    message.id,
                    max_attempts=max_attempts,
                    give_up_after=give_up_after,
                    clock=clock,
                    pacer=pacer,
                    claimed=message,
                )
                pool.add(message.id, future)
            if not claimed:  # leases in flight are renewed on time even without a ring
                busy = pool.free() < threads
                bell.wait(min(idle_seconds, RENEW_EVERY.total_seconds()) if busy else idle_seconds)


class InFlight:
    """The rows this worker is delivering: their count, and their leases kept alive."""

    def __init__(
        self, database: Database, threads: int, bell: threading.Event, clock: Callable[[], datetime]
    ) -> None:
        self.database, self.threads, self.bell, self.clock = database, threads, bell, clock
        self._ids: set[int] = set()
        self._lock = threading.Lock()
        self._renewed = time.monotonic()

    def free(self) -> int:
        with self._lock:
            return self.threads - len(self._ids)

    def add(self, message_id: int, future: Future[str]) -> None:
        with self._lock:
            self._ids.add(message_id)
        future.add_done_callback(lambda done: self._finished(message_id, done))

    def _finished(self, message_id: int, future: Future[str]) -> None:
        with self._lock:
            self._ids.discard(message_id)
        if (error := future.exception()) is not None:  # its lease lapses; another pass retries
            logger.error("outbox %s: delivery raised %r", message_id, error)
        self.bell.set()  # a thread is free: claim more

    def renew_if_due(self) -> None:
        if time.monotonic() - self._renewed < RENEW_EVERY.total_seconds():
            return
        with self._lock:
            ids = set(self._ids)
        renew_leases(self.database, ids, self.clock())
        self._renewed = time.monotonic()
