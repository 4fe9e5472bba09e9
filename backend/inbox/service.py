"""Inbound updates: stored first (deduplicated by the provider's id), then processed.

Each channel has one processor (backend/composition.py names them); processing runs inside a
savepoint, so a failure rolls back
its half-done effects, marks the update failed and leaves it for the `inbound_retry` duty —
the update itself is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from backend.inbox.models import InboundUpdate, UpdateStatus
from backend.settings import Settings

logger = logging.getLogger(__name__)

Processor = Callable[[Session, Settings, datetime, InboundUpdate], None]
MAX_ATTEMPTS = 6
STALE = timedelta(minutes=2)  # a "received" row this old was abandoned by a crashed process
LEASE = timedelta(minutes=2)


def _store_statement(module: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, with its values as parameters: built once
    per dialect, so the webhook's hot path neither rebuilds it nor works out its cache key."""
    table = InboundUpdate.__table__
    columns = ("channel", "update_id", "chat_id", "payload", "status", "attempts", "received_at")
    return (
        module.insert(table)
        .values({name: bindparam(name) for name in columns})
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(table.c.id)
    )


_STORE = {"postgresql": _store_statement(postgresql), "sqlite": _store_statement(sqlite)}


def store_update(
    session: Session,
    *,
    channel: str,
    update_id: int,
    payload: dict[str, Any],
    chat_id: int | None,
    now: datetime,
) -> int | None:
    """The new row's id, or None when this update was stored before (a redelivery)."""
    connection = session.connection()
    statement = _STORE["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    values = {
        "channel": channel,
        "update_id": update_id,
        "chat_id": chat_id,
        "payload": payload,
        "status": UpdateStatus.RECEIVED,
        "attempts": 0,
        "received_at": now,
    }
    row_id: int | None = connection.execute(statement, values).scalar_one_or_none()
    return row_id


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def process(
    session: Session,
    settings: Settings,
    now: datetime,
    row: InboundUpdate,
    processor: Processor | None,
) -> bool:
    """Run the channel's processor on one stored update; True when it went through."""
    if processor is None:
        logger.warning("no processor for %s updates", row.channel)
        return False
    row.attempts += 1
    try:
        with session.begin_nested():
            processor(session, settings, now, row)
    except Exception as error:  # noqa: BLE001 - any failure: keep the update for a retry
        logger.exception(
            "%s update %s failed (attempt %s)", row.channel, row.update_id, row.attempts
        )
        row.last_error = repr(error)[:1000]
        row.status = UpdateStatus.DEAD if row.attempts >= MAX_ATTEMPTS else UpdateStatus.FAILED
        row.next_attempt_at = now + backoff(row.attempts)
        return False
    row.status, row.processed_at, row.last_error = UpdateStatus.DONE, now, None
    return True


def claim_due(session: Session, now: datetime, limit: int = 50) -> list[InboundUpdate]:
    """Failed updates whose retry is due, and received ones abandoned mid-way, leased to us."""
    ids = session.scalars(
        select(InboundUpdate.id)
        .where(
            or_(
                (InboundUpdate.status == UpdateStatus.FAILED)
                & (InboundUpdate.next_attempt_at <= now),
                (InboundUpdate.status == UpdateStatus.RECEIVED)
                & (InboundUpdate.received_at <= now - STALE)
                & or_(
                    InboundUpdate.next_attempt_at.is_(None), InboundUpdate.next_attempt_at <= now
                ),
            )
        )
        .order_by(InboundUpdate.update_id)
        .limit(limit)
    ).all()
    claimed = []
    for row_id in ids:
        leased = session.execute(
            update(InboundUpdate)
            .where(
                InboundUpdate.id == row_id,
                InboundUpdate.status != UpdateStatus.DONE,
                or_(InboundUpdate.next_attempt_at.is_(None), InboundUpdate.next_attempt_at <= now),
            )
            .values(next_attempt_at=now + LEASE)
        )
        if leased.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(session.get(InboundUpdate, row_id))
    return [row for row in claimed if row is not None]


def claim_received(
    session: Session, now: datetime, limit: int = 20, lease: timedelta = LEASE
) -> list[InboundUpdate]:
    """Stored updates waiting for the worker (store-and-acknowledge webhooks), leased to us,
    oldest first; an update waits while an earlier one of its chat is still waiting, so a chat's
    messages are processed in the order they came, whichever worker takes them.

    On PostgreSQL the candidates are locked with SKIP LOCKED (workers never queue on each
    other's rows)."""
    earlier = aliased(InboundUpdate)
    waiting = (InboundUpdate.status == UpdateStatus.RECEIVED) & or_(
        InboundUpdate.next_attempt_at.is_(None), InboundUpdate.next_attempt_at <= now
    )
    due = (
        select(InboundUpdate.id)
        .where(
            waiting,
            ~exists().where(
                earlier.chat_id == InboundUpdate.chat_id,
                earlier.id < InboundUpdate.id,
                earlier.status == UpdateStatus.RECEIVED,
            ),
        )
        .order_by(InboundUpdate.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = session.scalars(
        update(InboundUpdate)
        .where(InboundUpdate.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=now + lease)
        .returning(InboundUpdate.id)
        .execution_options(synchronize_session=False)
    ).all()
    return list(
        session.scalars(
            select(InboundUpdate).where(InboundUpdate.id.in_(ids)).order_by(InboundUpdate.id)
        )
    )
