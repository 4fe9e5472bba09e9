"""Twilio's "Too Many Requests" (HTTP 429, error 20429) is waited out, not a failed attempt
(finding 9); a refused number is still a permanent failure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.outbox.service import enqueue
from ivr.transport import RATE_LIMIT_WAIT_SECONDS
from tests.conftest import Clock
from tests.ivr.fake_twilio import FakeTwilio


def _sms(database: Database, clock: Clock) -> int:
    with database.session() as session:
        row = enqueue(
            session, channel="sms", recipient="+821030000001", payload={"body": "hi"}, now=clock()
        )
        session.flush()
        assert row is not None
        return row.id


def _row(database: Database, message_id: int) -> OutboundMessage:
    with database.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert row is not None
        return row


def test_finding_9_a_twilio_429_waits_and_is_not_a_failed_attempt(
    database: Database,
    fake_twilio: FakeTwilio,
    deliver: Callable[[], dict[str, int]],
    clock: Clock,
) -> None:
    message_id = _sms(database, clock)
    for _ in range(10):  # more refusals than the 8 attempts a message has for real failures
        fake_twilio.refuse_next(429, 20429, "Too Many Requests")
    for _ in range(10):
        assert deliver() == {"rate_limited": 1}
        row = _row(database, message_id)
        assert (row.status, row.attempts) == ("pending", 0)
        assert row.next_attempt_at == clock() + timedelta(seconds=RATE_LIMIT_WAIT_SECONDS)
        clock.set(row.next_attempt_at)
    assert deliver() == {"sent": 1}
    assert (_row(database, message_id).status, _row(database, message_id).attempts) == ("sent", 1)
    assert len(fake_twilio.messages()) == 1


def test_an_invalid_number_is_still_a_permanent_failure(
    database: Database,
    fake_twilio: FakeTwilio,
    deliver: Callable[[], dict[str, int]],
    clock: Clock,
) -> None:
    message_id = _sms(database, clock)
    fake_twilio.refuse_next(400, 21211, "The 'To' number +821030000001 is not a valid number.")
    assert deliver() == {"failed": 1}
    row = _row(database, message_id)
    assert (row.status, row.attempts, row.failed_at) == ("failed", 1, clock())
