"""The production layout on PostgreSQL (issue 14, README "Operations"): two web processes and two
worker processes, stateless, against one database, through a whole repair — each request to the
next web process in turn — and a customer's `/start` answered by whichever worker takes it
(store-and-acknowledge webhook, the doorbell crossing processes by NOTIFY). Skipped on SQLite."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.people.models import Technician
from tests.factories import Personas, act, consent_first, create_case, repair_body
from tests.telegram.fake_bot_api import FakeBotApi

SECRET = "multi-process-secret"
TECHNICIAN_CHAT = 7_000_001
CUSTOMER_CHAT = 7_000_002
START_TIMEOUT = 90.0  # seconds for a process to load the app (a shared CI machine)
WAIT = 60.0  # seconds for a delivery (two workers polling at least every second)


class Answer:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self._body = status, body

    def get_json(self) -> Any:
        return json.loads(self._body)


class RoundRobin:
    """The flask test client's `post`, over HTTP, each request to the next web process."""

    def __init__(self, ports: list[int]) -> None:
        self._ports = itertools.cycle(ports)

    def post(self, path: str, *, headers: dict[str, str], json: Any) -> Answer:
        request = urllib.request.Request(
            f"http://127.0.0.1:{next(self._ports)}{path}",
            data=_dumps(json),
            headers={**headers, "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read())


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ready(port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
            return
        except OSError:
            time.sleep(0.2)  # a child process loading the app: nothing to wait on but its port
    raise AssertionError(f"web process on port {port} never answered")


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.2)  # other processes deliver; only their effects can be watched


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    yield server
    server.stop()


@pytest.fixture
def processes(database: Database, bot_api: FakeBotApi, tmp_path: Path) -> Iterator[list[int]]:
    """Two `aftersales serve --no-worker` and two `aftersales worker`; the web ports."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("several processes against one database: PostgreSQL")
    aftersales = str(Path(sys.executable).with_name("aftersales"))
    ports = [_free_port(), _free_port()]
    environ = {
        **os.environ,
        "DATABASE_URL": database.url,
        "AFTERSALES_SECRET_KEY": "test-secret",
        "AFTERSALES_VAR_DIR": str(tmp_path / "var"),
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": bot_api.url,
        "AFTERSALES_WEBHOOK_QUEUE": "1",
    }
    commands = [
        [aftersales, "serve", "--no-sandbox", "--no-worker", "--port", str(port)] for port in ports
    ] + [[aftersales, "worker"], [aftersales, "worker"]]
    with ExitStack() as stack:
        for command in commands:
            child = subprocess.Popen(command, env=environ, cwd=tmp_path, stdout=subprocess.DEVNULL)
            stack.callback(_end, child)
        for port in ports:
            _ready(port)
        yield ports


def _end(child: subprocess.Popen[bytes]) -> None:
    child.terminate()
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def test_two_web_and_two_worker_processes_carry_a_whole_repair(
    database: Database, people: Personas, bot_api: FakeBotApi, processes: list[int]
) -> None:
    """R7.3, R7.4 across processes: registered, assigned, accepted … signed off; the
    technician's Telegram hears of the job from a worker; every message sent exactly once."""
    people.product()
    technician_id = people.technician()
    with database.session() as session:
        technician = session.get(Technician, technician_id)
        assert technician is not None
        technician.telegram_chat_id = TECHNICIAN_CHAT
    client = RoundRobin(processes)
    case = create_case(client, people.headers(), repair_body(purchased_on=date(2024, 6, 1)))
    number = case["number"]
    assert case["assigned_technician"]["id"] == technician_id
    headers = people.technician_headers(technician_id)
    for action, status in [("accept", "accepted"), ("depart", "en_route"), ("arrive", "on_site")]:
        assert act(client, headers, number, action)["status"] == status
    work = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1}
    consent_first(client, headers, number, work)
    assert act(client, headers, number, "resolve", work)["status"] == "resolved"
    case = act(client, headers, number, "sign_off", {"signed_by": "홍길동", "note": "확인"})
    assert case["status"] == "closed"

    _until(lambda: bool(bot_api.texts(TECHNICIAN_CHAT)), "the job pushed to the technician")
    answer = client.post(
        "/telegram/webhook",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        json={
            "update_id": 880_001,
            "message": {
                "message_id": 1,
                "date": 1764640000,
                "chat": {"id": CUSTOMER_CHAT, "type": "private", "first_name": "B"},
                "from": {"id": CUSTOMER_CHAT, "is_bot": False, "first_name": "B"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        },
    )
    assert answer.status_code == 200
    _until(lambda: bool(bot_api.texts(CUSTOMER_CHAT)), "the /start answered by a worker")

    def all_sent() -> bool:
        with database.session() as session:
            statuses = session.scalars(
                select(OutboundMessage.status).where(OutboundMessage.channel == "telegram")
            ).all()
        return bool(statuses) and set(statuses) == {"sent"}

    _until(all_sent, "every Telegram row sent")
    with database.session() as session:
        sent = session.scalars(
            select(OutboundMessage).where(OutboundMessage.channel == "telegram")
        ).all()
    calls = [c for c in bot_api.calls if c.method in ("sendMessage", "sendPhoto")]
    assert len(calls) == len([m for m in sent if "edit_message_id" not in m.payload])
