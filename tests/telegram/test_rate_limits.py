"""Telegram's flood control (429 with retry_after) is waited out, never counted as a failed
attempt: the Bot API fake answers 429 for 75 s, python-telegram-bot raises RetryAfter, the
worker waits as asked and delivers every message (finding 9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from backend.outbox.models import OutboundMessage
from backend.outbox.service import enqueue
from backend.outbox.worker import deliver_due
from bot.transport import TelegramTransport
from tests.conftest import Clock
from tests.telegram.fake_bot_api import FakeBotApi

CHATS = (2101, 2102, 2103)


def _queue_three(database: Any, clock: Clock) -> None:
    with database.session() as session:
        for chat in CHATS:
            enqueue(
                session,
                channel="telegram",
                recipient=chat,
                payload={"text": f"접수번호 안내 {chat}"},
                now=clock(),
            )


def _work_until_nothing_is_pending(
    database: Any, transport: TelegramTransport, clock: Clock, **policy: Any
) -> list[dict[str, int]]:
    """The worker's loop with time set, not waited for: each pass, then on to the next due row."""
    passes: list[dict[str, int]] = []
    for _ in range(200):
        passes.append(deliver_due(database, {"telegram": transport}, clock=clock, **policy))
        with database.session() as session:
            due = session.scalars(
                select(OutboundMessage.next_attempt_at).where(OutboundMessage.status == "pending")
            ).all()
        if not due:
            return passes
        clock.set(max(clock(), min(due)))
    raise AssertionError("the outbox never drained")


def test_finding_9_telegram_429s_for_75_seconds_deliver_three_messages_without_failed_attempts(
    database: Any, bot_api: FakeBotApi, transport: TelegramTransport, clock: Clock
) -> None:
    start = clock()
    _queue_three(database, clock)
    # Telegram keeps answering "retry after 5" for 75 s: 15 refusals per message, more than the
    # 8 attempts that used to turn the three messages into permanent failures.
    bot_api.flood(until=start + timedelta(seconds=75), clock=clock, retry_after=5)
    passes = _work_until_nothing_is_pending(database, transport, clock, max_attempts=8)
    assert sum(p.get("rate_limited", 0) for p in passes) >= 3 * 15
    assert not any(p.get("failed") or p.get("retry") for p in passes)
    with database.session() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        assert [(r.status, r.attempts) for r in rows] == [("sent", 1)] * 3  # only the sending
        assert all(
            r.sent_at is not None and r.sent_at >= start + timedelta(seconds=75) for r in rows
        )
    delivered = [c for c in bot_api.of("sendMessage") if c.result != 429]
    assert sorted(int(c.params["chat_id"]) for c in delivered) == list(CHATS)


def test_a_long_flood_waits_as_long_as_telegram_asks(
    database: Any, bot_api: FakeBotApi, transport: TelegramTransport, clock: Clock
) -> None:
    start = clock()
    _queue_three(database, clock)
    bot_api.flood(until=start + timedelta(seconds=75), clock=clock)  # "retry after 75"
    assert deliver_due(database, {"telegram": transport}, clock=clock) == {"rate_limited": 3}
    with database.session() as session:
        rows = session.scalars(select(OutboundMessage)).all()
        assert {(r.status, r.attempts, r.next_attempt_at) for r in rows} == {
            ("pending", 0, start + timedelta(seconds=75))
        }
    clock.advance(seconds=74)
    assert deliver_due(database, {"telegram": transport}, clock=clock) == {}  # not sooner
    clock.advance(seconds=1)
    assert deliver_due(database, {"telegram": transport}, clock=clock) == {"sent": 3}


def test_a_flood_outlasting_the_deadline_gives_up(
    database: Any, bot_api: FakeBotApi, transport: TelegramTransport, clock: Clock
) -> None:
    start = clock()
    _queue_three(database, clock)
    bot_api.flood(until=start + timedelta(hours=30), clock=clock, retry_after=3600)
    passes = _work_until_nothing_is_pending(
        database, transport, clock, give_up_after=timedelta(hours=24)
    )
    assert passes[-1] == {"failed": 3}
    with database.session() as session:
        rows = session.scalars(select(OutboundMessage)).all()
        assert {(r.status, r.attempts) for r in rows} == {("failed", 0)}
        assert all("deadline" in (r.last_error or "") for r in rows)
        # The last hour's wait would have ended at or past 24 h: given up then, not later.
        assert {r.failed_at for r in rows} == {start + timedelta(hours=23)}
