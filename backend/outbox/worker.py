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
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from backend.db import Database, utcnow
from backend.outbox.models import OutboundMessage, OutboxStatus
from backend.outbox.service import masked_error
from backend.outbox.transport import Transport, TransportError

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 20
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


def claim_due(database: Database, channels: list[str], now: datetime) -> list[int]:
    """Lease up to BATCH due rows; a row leased by another worker is skipped."""
    claimed: list[int] = []
    with database.session() as session:
        candidates = session.scalars(
            select(OutboundMessage.id)
            .where(
                OutboundMessage.status == OutboxStatus.PENDING,
                OutboundMessage.channel.in_(channels),
                OutboundMessage.next_attempt_at <= now,
                or_(OutboundMessage.locked_until.is_(None), OutboundMessage.locked_until < now),
            )
            .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
            .limit(BATCH)
        ).all()
        for message_id in candidates:
            result = session.execute(
                update(OutboundMessage)
                .where(
                    OutboundMessage.id == message_id,
                    OutboundMessage.status == OutboxStatus.PENDING,
                    or_(OutboundMessage.locked_until.is_(None), OutboundMessage.locked_until < now),
                )
                .values(locked_until=now + LEASE)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(message_id)
    return claimed


def deliver_one(
    database: Database,
    transport: Transport,
    message_id: int,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    give_up_after: timedelta = GIVE_UP_AFTER,
    clock: Callable[[], datetime] = utcnow,
) -> str:
    """Send one leased row and record the outcome: sent, rate limited, retry later, deferred or
    failed for good."""
    with database.session() as session:
        message = session.get(OutboundMessage, message_id)
        if message is None or message.status != OutboxStatus.PENDING:
            return "skipped"
        now = clock()
        if message.not_after is not None and now >= message.not_after:
            return _defer(message)
        deadline = give_up_at(message, give_up_after)
        if deadline is not None and now >= deadline:
            # A worker that was down, or a rate limit that outlasted the deadline: a day-old
            # message is not sent now; staff see it among the failed and may send it again.
            return _fail(message, now, f"gave up: not delivered within {give_up_after}")
        session.expunge(message)
    try:
        provider_id = transport.notify(message)
    except TransportError as error:
        return _record_failure(database, message_id, error, max_attempts, give_up_after, clock())
    except Exception as error:  # noqa: BLE001 - a library bug must not stop the worker
        logger.exception("transport %s raised for outbox %s", transport.channel, message_id)
        return _record_failure(
            database, message_id, TransportError(repr(error)), max_attempts, give_up_after, clock()
        )
    with database.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert row is not None
        row.status, row.sent_at, row.locked_until = OutboxStatus.SENT, clock(), None
        row.attempts += 1
        row.provider_id = provider_id
    return "sent"


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
) -> dict[str, int]:
    """One pass: deliver every due row of a channel that has a transport."""
    outcomes: dict[str, int] = {}
    if not transports:
        return outcomes
    for message_id in claim_due(database, list(transports), clock()):
        with database.session() as session:
            channel = session.get(OutboundMessage, message_id).channel  # type: ignore[union-attr]
        outcome = deliver_one(
            database,
            transports[channel],
            message_id,
            max_attempts=max_attempts,
            give_up_after=give_up_after,
            clock=clock,
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
) -> None:
    """The delivery loop: work while there is work, then wait a little."""
    logger.info("outbox worker started for %s", ", ".join(transports) or "no channels")
    while not stop.is_set():
        try:
            outcomes = deliver_due(
                database,
                transports,
                max_attempts=max_attempts,
                give_up_after=give_up_after,
                clock=clock,
            )
        except Exception:  # noqa: BLE001 - a database hiccup: wait and try again
            logger.exception("outbox pass failed")
            outcomes = {}
        if not outcomes:
            stop.wait(idle_seconds)
