"""The outbox worker: retries with backoff, permanent failures, the provider's retry-after, rows
waiting for a transport, and leases so that two workers never deliver one row twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.outbox.service import enqueue
from backend.outbox.transport import TransportError
from backend.outbox.worker import LEASE, backoff, claim_due, deliver_due

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


class ScriptedTransport:
    """Answers each delivery with the next scripted outcome: an exception to raise or an id."""

    def __init__(self, channel: str, *outcomes: Exception | str) -> None:
        self.channel = channel
        self.outcomes = list(outcomes)
        self.delivered: list[int] = []
        self.lock = threading.Lock()

    def notify(self, message: OutboundMessage) -> str | None:
        with self.lock:
            outcome = self.outcomes.pop(0) if self.outcomes else f"id-{message.id}"
            if isinstance(outcome, Exception):
                raise outcome
            self.delivered.append(message.id)
            return outcome


def _queue(
    database: Database, channel: str = "sms", count: int = 1, at: datetime = T0
) -> list[int]:
    with database.session() as session:
        rows = [
            enqueue(
                session,
                channel=channel,
                recipient="+821030000001",
                payload={"body": f"hello {i}"},
                not_before=at,
                now=at,
            )
            for i in range(count)
        ]
        session.flush()
        return [row.id for row in rows if row is not None]


def _row(database: Database, message_id: int) -> OutboundMessage:
    with database.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert row is not None
        return row


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def at() -> Iterator[Clock]:
    yield Clock(T0)


def test_a_transient_failure_is_retried_after_a_backoff_then_sent(
    database: Database, at: Clock
) -> None:
    (message_id,) = _queue(database)
    transport = ScriptedTransport("sms", TransportError("503 from provider"), "SM-1")
    assert deliver_due(database, {"sms": transport}, clock=at) == {"retry": 1}
    row = _row(database, message_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "503 from provider")
    assert row.next_attempt_at == T0 + timedelta(seconds=30)
    assert row.locked_until is None
    at.moment = T0 + timedelta(seconds=29)
    assert deliver_due(database, {"sms": transport}, clock=at) == {}  # not due yet
    at.moment = T0 + timedelta(seconds=30)
    assert deliver_due(database, {"sms": transport}, clock=at) == {"sent": 1}
    row = _row(database, message_id)
    assert (row.status, row.attempts, row.provider_id) == ("sent", 2, "SM-1")
    assert row.sent_at == at.moment
    assert deliver_due(database, {"sms": transport}, clock=at) == {}


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [
        30,
        60,
        120,
        240,
        3600,
        3600,
    ]


def test_next_attempt_moves_further_after_each_failure(database: Database, at: Clock) -> None:
    (message_id,) = _queue(database)
    transport = ScriptedTransport("sms", *(TransportError("timeout") for _ in range(3)))
    expected = T0
    for delay in (30, 60, 120):
        at.moment = expected
        assert deliver_due(database, {"sms": transport}, max_attempts=8, clock=at) == {"retry": 1}
        expected = at.moment + timedelta(seconds=delay)
        assert _row(database, message_id).next_attempt_at == expected


def test_a_permanent_failure_is_recorded_and_never_retried(database: Database, at: Clock) -> None:
    (message_id,) = _queue(database)
    transport = ScriptedTransport("sms", TransportError("21211 invalid number", permanent=True))
    assert deliver_due(database, {"sms": transport}, clock=at) == {"failed": 1}
    row = _row(database, message_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "21211 invalid number")
    at.moment = T0 + timedelta(days=1)
    assert deliver_due(database, {"sms": transport}, clock=at) == {}


def test_the_last_allowed_attempt_fails_for_good(database: Database, at: Clock) -> None:
    (message_id,) = _queue(database)
    transport = ScriptedTransport("sms", TransportError("busy"), TransportError("busy"))
    assert deliver_due(database, {"sms": transport}, max_attempts=2, clock=at) == {"retry": 1}
    at.moment = T0 + timedelta(minutes=5)
    assert deliver_due(database, {"sms": transport}, max_attempts=2, clock=at) == {"failed": 1}
    assert _row(database, message_id).status == "failed"


def test_the_providers_retry_after_is_honoured(database: Database, at: Clock) -> None:
    (message_id,) = _queue(database, channel="telegram")
    transport = ScriptedTransport(
        "telegram", TransportError("429 Too Many Requests", retry_after=90)
    )
    assert deliver_due(database, {"telegram": transport}, clock=at) == {"rate_limited": 1}
    row = _row(database, message_id)
    assert row.next_attempt_at == T0 + timedelta(seconds=90)
    assert (row.status, row.attempts) == ("pending", 0)  # waiting is not a failed attempt


def test_an_unexpected_exception_in_a_transport_is_a_transient_failure(
    database: Database, at: Clock
) -> None:
    (message_id,) = _queue(database)
    transport = ScriptedTransport("sms", RuntimeError("library bug"))
    assert deliver_due(database, {"sms": transport}, clock=at) == {"retry": 1}
    row = _row(database, message_id)
    assert row.status == "pending" and "library bug" in (row.last_error or "")


def test_a_row_of_a_channel_without_a_transport_stays_pending(
    database: Database, at: Clock
) -> None:
    (voice_id,) = _queue(database, channel="voice")
    (sms_id,) = _queue(database, channel="sms")
    transport = ScriptedTransport("sms")
    assert deliver_due(database, {"sms": transport}, clock=at) == {"sent": 1}
    voice = _row(database, voice_id)
    assert (voice.status, voice.attempts, voice.locked_until) == ("pending", 0, None)
    assert transport.delivered == [sms_id]
    assert deliver_due(database, {}, clock=at) == {}


def test_a_leased_row_is_not_claimed_by_another_worker_until_the_lease_ends(
    database: Database,
) -> None:
    ids = _queue(database, count=3)
    assert sorted(claim_due(database, ["sms"], T0)) == ids
    assert claim_due(database, ["sms"], T0 + timedelta(seconds=5)) == []
    # A worker that died holding the lease: after it ends, another worker takes the rows.
    assert sorted(claim_due(database, ["sms"], T0 + LEASE + timedelta(seconds=1))) == ids


def test_two_workers_never_deliver_one_row_twice(database_url: str, database: Database) -> None:
    ids = _queue(database, count=60)
    transport = ScriptedTransport("sms")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        own = Database(database_url)  # a second process would have its own engine
        try:
            start.wait()
            while deliver_due(own, {"sms": transport}, clock=lambda: T0):
                pass
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            own.dispose()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert sorted(transport.delivered) == ids  # each row exactly once
    with database.session() as session:
        rows = session.query(OutboundMessage).all()
        assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}


def test_enqueue_with_a_known_dedupe_key_adds_nothing(database: Database) -> None:
    with database.session() as session:
        assert (
            enqueue(
                session,
                channel="sms",
                recipient="+821030000001",
                payload={"body": "a"},
                dedupe_key="k1",
                now=T0,
            )
            is not None
        )
        assert (
            enqueue(
                session,
                channel="sms",
                recipient="+821030000001",
                payload={"body": "a"},
                dedupe_key="k1",
                now=T0,
            )
            is None
        )
    with database.session() as session:
        assert (
            enqueue(
                session,
                channel="sms",
                recipient="+821030000001",
                payload={"body": "a"},
                dedupe_key="k1",
                now=T0,
            )
            is None
        )
        assert session.query(OutboundMessage).count() == 1
