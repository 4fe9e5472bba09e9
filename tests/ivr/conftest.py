"""Voice on: Twilio settings pointing at a local fake REST server, and helpers to deliver calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backend.composition import build_transports
from backend.db import Database
from backend.outbox.worker import deliver_due
from backend.settings import Settings, load_settings
from tests.conftest import Clock
from tests.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, FakeTwilio, serve

HOTLINE = "+82215880001"
COMPLAINT_HOTLINE = "+82215880002"


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    server = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake_twilio: FakeTwilio) -> Settings:
    environ = {
        "DATABASE_URL": database_url,
        "AFTERSALES_SECRET_KEY": "test-secret",
        "AFTERSALES_VAR_DIR": str(tmp_path / "var"),
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": "+8215880000",
        "TWILIO_API_BASE_URL": fake_twilio.url,
        "AFTERSALES_HOTLINE_NUMBER": HOTLINE,
        "AFTERSALES_COMPLAINT_HOTLINE_NUMBER": COMPLAINT_HOTLINE,
    }
    return load_settings(environ, read_dotenv=False)


@pytest.fixture
def deliver(database: Database, settings: Settings, clock: Clock) -> Callable[[], dict[str, int]]:
    """One pass of the outbox worker with the real twilio transports (to the fake server)."""
    transports = {
        channel: transport
        for channel, transport in build_transports(settings).items()
        if channel in ("voice", "sms")
    }

    def run() -> dict[str, int]:
        return deliver_due(database, transports, clock=clock)

    return run
