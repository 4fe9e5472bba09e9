"""Finding 9 beyond the 429s: the total give-up deadline, failed messages listed for managers
(recipients masked, texts never shown) and sent again through the API, and one alert to the
service director per burst of failures."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.composition import tick
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.outbox.service import enqueue, masked_error, masked_recipient
from backend.outbox.transport import TransportError
from backend.outbox.worker import deliver_due
from backend.people.models import StaffUser
from backend.settings import Settings, SettingsError, load_settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas, create_case, repair_body
from tests.test_outbox_worker import ScriptedTransport

CHAT = 987654321  # a customer's chat id: never shown whole to staff
SECRET_TEXT = "홍길동 님, 서울특별시 중구 세종대로 110 방문 예정"
DIRECTOR_CHAT = 5550001


class Refusing:
    """Telegram refusing every customer's chat for good; staff chats get their messages."""

    channel = "telegram"

    def notify(self, message: OutboundMessage) -> str | None:
        if message.recipient == str(DIRECTOR_CHAT):
            return "ok"
        raise TransportError(f"Bad Request: chat {message.recipient} not found", permanent=True)


def _queue(
    database: Database, at: datetime, count: int = 1, case_id: int | None = None, **extra: object
) -> list[int]:
    with database.session() as session:
        rows = [
            enqueue(
                session,
                channel=str(extra.get("channel", "telegram")),
                recipient=CHAT,
                payload={"text": SECRET_TEXT},
                purpose="case_confirmation",
                not_after=extra.get("not_after"),  # type: ignore[arg-type]
                now=at,
            )
            for _ in range(count)
        ]
        session.flush()
        for row in rows:
            assert row is not None
            row.case_id = case_id
        return [row.id for row in rows if row is not None]


def _fail(
    database: Database, at: datetime, count: int = 1, case_id: int | None = None
) -> list[int]:
    """`count` messages queued at `at` and refused for good at once."""
    ids = _queue(database, at, count, case_id)
    outcomes = deliver_due(database, {"telegram": Refusing()}, clock=lambda: at)
    assert outcomes.get("failed") == count  # (an alert to the director may be sent alongside)
    return ids


def _row(database: Database, message_id: int) -> OutboundMessage:
    with database.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert row is not None
        return row


# the deadline ---------------------------------------------------------------------------------


def test_a_message_not_delivered_within_the_deadline_is_given_up_unsent(
    database: Database, clock: Clock
) -> None:
    (message_id,) = _queue(database, clock())
    transport = ScriptedTransport("telegram")
    later = clock() + timedelta(hours=24)  # a worker that was down for a day
    assert deliver_due(database, {"telegram": transport}, clock=lambda: later) == {"failed": 1}
    assert transport.delivered == []
    row = _row(database, message_id)
    assert (row.status, row.failed_at) == ("failed", later)
    assert "gave up" in (row.last_error or "")


def test_the_deadline_is_a_setting_and_counts_from_when_the_row_was_due(
    database: Database, clock: Clock
) -> None:
    with database.session() as session:
        row = enqueue(
            session,
            channel="telegram",
            recipient=CHAT,
            payload={"text": "tomorrow"},
            not_before=clock() + timedelta(days=3),
            now=clock(),
        )
        session.flush()
        assert row is not None
        message_id = row.id
    transport = ScriptedTransport("telegram")
    at = clock() + timedelta(days=3, hours=47)
    outcomes = deliver_due(
        database, {"telegram": transport}, give_up_after=timedelta(hours=48), clock=lambda: at
    )
    assert outcomes == {"sent": 1}
    assert transport.delivered == [message_id]


def test_a_real_failure_whose_backoff_reaches_the_deadline_gives_up_then(
    database: Database, clock: Clock
) -> None:
    (message_id,) = _queue(database, clock())
    transport = ScriptedTransport("telegram", TransportError("502 Bad Gateway"))
    at = clock() + timedelta(hours=23, minutes=59, seconds=45)  # the 30 s backoff ends past it
    assert deliver_due(database, {"telegram": transport}, clock=lambda: at) == {"failed": 1}
    row = _row(database, message_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "deadline" in (row.last_error or "")


def test_give_up_hours_and_max_attempts_are_read_from_the_environment(tmp_path: Path) -> None:
    base = {"AFTERSALES_VAR_DIR": str(tmp_path)}
    default = load_settings(base, read_dotenv=False)
    assert (default.outbox_give_up_after, default.outbox_max_attempts) == (timedelta(hours=24), 8)
    custom = load_settings(
        {**base, "AFTERSALES_OUTBOX_GIVE_UP_HOURS": "48", "AFTERSALES_OUTBOX_MAX_ATTEMPTS": "3"},
        read_dotenv=False,
    )
    assert (custom.outbox_give_up_after, custom.outbox_max_attempts) == (timedelta(hours=48), 3)
    for bad in ("0", "1e3", "99999999999999"):
        with pytest.raises(SettingsError, match="AFTERSALES_OUTBOX_GIVE_UP_HOURS"):
            load_settings({**base, "AFTERSALES_OUTBOX_GIVE_UP_HOURS": bad}, read_dotenv=False)


# the failed list and retry through the API -----------------------------------------------------


def _case_id(client: FlaskClient, people: Personas, database: Database) -> tuple[int, str]:
    people.product()
    number = create_case(client, people.headers("receptionist"), repair_body())["number"]
    with database.session() as session:
        from backend.cases.models import Case

        case_id = session.scalar(select(Case.id).where(Case.number == number))
        assert case_id is not None
        return case_id, number


def test_managers_list_failed_messages_masked_and_without_their_text(
    client: FlaskClient, people: Personas, database: Database, clock: Clock
) -> None:
    case_id, number = _case_id(client, people, database)
    ids = _fail(database, clock(), count=2, case_id=case_id)
    response = client.get("/api/v1/outbox?status=failed", headers=people.headers("repair_manager"))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    assert sorted(item["id"] for item in body["items"]) == sorted(ids)
    item = body["items"][0]
    assert item["case_number"] == number and item["channel"] == "telegram"
    assert item["purpose"] == "case_confirmation" and item["status"] == "failed"
    assert item["recipient"] == "chat …321" and item["attempts"] == 1
    assert item["last_error"] == "Bad Request: chat …21 not found"
    assert item["created_at"] == clock().isoformat() and item["failed_at"] == clock().isoformat()
    assert str(CHAT) not in response.text and "홍길동" not in response.text
    assert "세종대로" not in response.text
    # failed is what staff ask for most: the default
    assert client.get("/api/v1/outbox", headers=people.headers()).status_code == 403
    default = client.get("/api/v1/outbox", headers=people.headers("service_director"))
    assert default.get_json()["total"] == 2


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("repair_manager", True),
        ("service_director", True),
        ("admin", True),
        ("receptionist", False),
        ("vice_president", False),
        ("hotline_officer", False),
        ("warehouse_clerk", False),
        ("technician", False),
    ],
)
def test_only_managers_see_and_retry_failed_messages(
    client: FlaskClient,
    people: Personas,
    database: Database,
    clock: Clock,
    role: str,
    allowed: bool,
) -> None:
    (message_id,) = _fail(database, clock())
    headers = people.headers(role)
    listed = client.get("/api/v1/outbox?status=failed", headers=headers)
    retried = client.post(f"/api/v1/outbox/{message_id}/retry", headers=headers)
    assert (listed.status_code, retried.status_code) == ((200, 200) if allowed else (403, 403))
    assert _row(database, message_id).status == ("pending" if allowed else "failed")


def test_a_retried_message_gets_a_fresh_deadline_and_is_delivered(
    client: FlaskClient, people: Personas, database: Database, clock: Clock
) -> None:
    (message_id,) = _fail(database, clock())
    clock.advance(days=2)  # failed long ago: a retry must not be given up at once
    headers = people.headers("repair_manager")
    response = client.post(f"/api/v1/outbox/{message_id}/retry", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "pending" and response.get_json()["attempts"] == 0
    again = client.post(f"/api/v1/outbox/{message_id}/retry", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "status"
    assert client.post("/api/v1/outbox/999999/retry", headers=headers).status_code == 404
    transport = ScriptedTransport("telegram")
    assert deliver_due(database, {"telegram": transport}, clock=clock) == {"sent": 1}
    row = _row(database, message_id)
    assert (row.status, row.attempts, row.failed_at) == ("sent", 1, None)
    listed = client.get("/api/v1/outbox?status=failed", headers=headers).get_json()
    assert listed["total"] == 0


def test_a_retried_call_whose_window_closed_waits_for_calling_hours(
    client: FlaskClient, people: Personas, database: Database, clock: Clock
) -> None:
    (message_id,) = _queue(
        database, clock(), channel="voice", not_after=clock() + timedelta(hours=1)
    )
    refused = ScriptedTransport("voice", TransportError("21211 invalid number", permanent=True))
    assert deliver_due(database, {"voice": refused}, clock=clock) == {"failed": 1}
    clock.advance(hours=12)  # 22:00 in Seoul
    response = client.post(
        f"/api/v1/outbox/{message_id}/retry", headers=people.headers("repair_manager")
    )
    # Not dialled at night: deferred, the calls domain re-arms it for the next calling hours.
    assert response.get_json()["status"] == "deferred"


@pytest.mark.parametrize(
    "query", ["status=bogus", "page=0", "page=%C2%B2", "page=1234567", "page=-1", "page=1.5"]
)
def test_a_bad_query_answers_422_naming_the_field(
    client: FlaskClient, people: Personas, query: str
) -> None:
    response = client.get(f"/api/v1/outbox?{query}", headers=people.headers("admin"))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == query.split("=")[0]


# the burst alert ------------------------------------------------------------------------------


@pytest.fixture
def director(people: Personas, database: Database) -> int:
    """A service director whose Telegram chat is linked (alerts reach them there too)."""
    people.token("service_director")
    with database.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.role == "service_director"))
        assert user is not None
        user.telegram_chat_id = DIRECTOR_CHAT
        return user.id


def _alerts(database: Database) -> tuple[int, int]:
    """(burst tasks for the service director, messages to their chat)."""
    with database.session() as session:
        tasks = session.scalar(
            select(func.count(Task.id)).where(
                Task.kind == "delivery_failures", Task.role == "service_director"
            )
        )
        messages = session.scalar(
            select(func.count(OutboundMessage.id)).where(
                OutboundMessage.recipient == str(DIRECTOR_CHAT)
            )
        )
        return tasks or 0, messages or 0


def test_a_burst_of_failures_alerts_the_service_director_once_per_burst(
    database: Database, settings: Settings, clock: Clock, director: int
) -> None:
    start = clock()

    def at(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    for minute in range(4):
        _fail(database, at(minute))
    assert tick(database, settings, at(5))["delivery_failure_bursts"] == 0  # four: not yet
    _fail(database, at(6))
    assert tick(database, settings, at(6))["delivery_failure_bursts"] == 1
    assert _alerts(database) == (1, 1)
    _fail(database, at(10), count=3)  # the same burst goes on
    assert tick(database, settings, at(10))["delivery_failure_bursts"] == 0
    assert tick(database, settings, at(10))["delivery_failure_bursts"] == 0
    assert tick(database, settings, at(20))["delivery_failure_bursts"] == 0
    with database.session() as session:
        task = session.scalars(select(Task).where(Task.kind == "delivery_failures")).one()
        assert task.title.startswith("5 outbound messages failed since 10:00")
        assert "telegram 5" in (task.detail or "")
    # A quarter of an hour without failures ended it; the next burst is alerted again.
    _fail(database, at(40), count=5)
    assert tick(database, settings, at(41))["delivery_failure_bursts"] == 1
    assert _alerts(database) == (2, 2)


def test_a_trickle_of_failures_is_not_a_burst(
    database: Database, settings: Settings, clock: Clock, director: int
) -> None:
    for n in range(8):  # one every 7 minutes: never five within a quarter of an hour
        moment = clock() + timedelta(minutes=7 * n)
        _fail(database, moment)
        assert tick(database, settings, moment)["delivery_failure_bursts"] == 0
    assert _alerts(database) == (0, 0)


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("The 'To' number +82 10 3000 0001 is not valid", "The 'To' number …01 is not valid"),
        ("no route to 010-3000-0001", "no route to …01"),
        ("Forbidden: chat -1001234567890 is deactivated", "Forbidden: chat -…90 is deactivated"),
        ("twilio 429 20429: Too Many Requests", "twilio 429 20429: Too Many Requests"),
    ],
)
def test_errors_shown_to_staff_never_carry_a_whole_number(error: str, shown: str) -> None:
    assert masked_error(error) == shown
    assert masked_recipient("sms", "+821030000001") == "+821…01"
    assert masked_recipient("telegram", str(CHAT)) == "chat …321"
