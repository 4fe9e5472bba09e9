"""Delivering due outbox rows with retries and backoff; several workers may run at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from backend.db import Database, utcnow
from backend.outbox.models import OutboundMessage, OutboxStatus
from backend.outbox.transport import Transport, TransportError

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 20


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


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
    max_attempts: int,
    clock: Callable[[], datetime] = utcnow,
) -> str:
    """Send one leased row and record the outcome: sent, retry later, or failed for good."""
    with database.session() as session:
        message = session.get(OutboundMessage, message_id)
        if message is None or message.status != OutboxStatus.PENDING:
            return "skipped"
        if message.not_after is not None and clock() >= message.not_after:
            return _defer(message)
        session.expunge(message)
    try:
        provider_id = transport.notify(message)
    except TransportError as error:
        return _record_failure(database, message_id, error, max_attempts, clock())
    except Exception as error:  # noqa: BLE001 - a library bug must not stop the worker
        logger.exception("transport %s raised for outbox %s", transport.channel, message_id)
        return _record_failure(
            database, message_id, TransportError(repr(error)), max_attempts, clock()
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


def _record_failure(
    database: Database, message_id: int, error: TransportError, max_attempts: int, now: datetime
) -> str:
    with database.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert row is not None
        row.attempts += 1
        row.last_error = error.message[:1000]
        row.locked_until = None
        if error.permanent or row.attempts >= max_attempts:
            row.status = OutboxStatus.FAILED
            logger.warning(
                "outbox %s (%s) failed for good: %s", message_id, row.channel, error.message
            )
            return "failed"
        delay = timedelta(seconds=error.retry_after) if error.retry_after else backoff(row.attempts)
        row.next_attempt_at = now + delay
        logger.info("outbox %s (%s) will retry in %s", message_id, row.channel, delay)
        return "retry"


def deliver_due(
    database: Database,
    transports: Mapping[str, Transport],
    *,
    max_attempts: int = 8,
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
            database, transports[channel], message_id, max_attempts=max_attempts, clock=clock
        )
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def run_forever(
    database: Database,
    transports: Mapping[str, Transport],
    stop: threading.Event,
    *,
    max_attempts: int = 8,
    idle_seconds: float = 1.0,
) -> None:
    """The delivery loop: work while there is work, then wait a little."""
    logger.info("outbox worker started for %s", ", ".join(transports) or "no channels")
    while not stop.is_set():
        try:
            outcomes = deliver_due(database, transports, max_attempts=max_attempts)
        except Exception:  # noqa: BLE001 - a database hiccup: wait and try again
            logger.exception("outbox pass failed")
            outcomes = {}
        if not outcomes:
            stop.wait(idle_seconds)
