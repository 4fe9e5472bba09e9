"""Fixtures: a migrated database (SQLite file, or PostgreSQL with TEST_DATABASE_URL), the app,
a settable clock, and named personas."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from backend.app import create_app
from backend.composition import COMPONENTS
from backend.db import Database
from backend.logs import quiet_noisy_loggers
from backend.migrate import upgrade
from backend.settings import Settings, load_settings
from tests.factories import Personas, empty_database


class Clock:
    """Time set by the test, never waited for."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


# What no log line of a whole run may contain (finding 13): the tokens and secrets the tests
# configure, and the phone numbers and addresses of the test personas in full.
SECRETS_IN_TESTS = (
    "123:TEST",  # the fake Bot API's token (tests/telegram/fake_bot_api.py)
    "test-auth-token-0123456789abcdef",  # Twilio (tests/ivr/fake_twilio.py)
    "s3cret-webhook-token",  # TELEGRAM_WEBHOOK_SECRET (tests/telegram/conftest.py)
    "test-secret",  # AFTERSALES_SECRET_KEY
)
PERSONAL_DATA_IN_TESTS = (
    "+821030000001",
    "010-3000-0001",
    "01030000001",
    "+821020000001",
    "010-2000-0001",
    "+821030000009",
    "010-3000-0009",
    "세종대로 110",
)


class LogScan(logging.Handler):
    """Every log record of the run, formatted as a handler writes it (tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines = 0
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        self.lines += 1
        found = [s for s in (*SECRETS_IN_TESTS, *PERSONAL_DATA_IN_TESTS) if s in line]
        if found and len(self.leaks) < 20:
            self.leaks.append(f"{found}: {line[:300]}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs only what touches a database: a test that asks for no database
    (a planner on plain data, a catalogue or a source scan) has run in the SQLite pass already,
    and would give the same answer twice."""
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    once = pytest.mark.skip(reason="touches no database: run in the SQLite pass")
    for item in items:
        if "database_url" not in getattr(item, "fixturenames", ()):
            item.add_marker(once)


@pytest.fixture(scope="session", autouse=True)
def log_scan() -> Iterator[LogScan]:
    """Reads every log line of the whole run at DEBUG, as the entry points configure logging
    (noisy HTTP clients at WARNING), and fails the run if one shows a secret or a person's full
    phone number or address. No redaction here: the code itself must not log them."""
    scan = LogScan()
    root = logging.getLogger()
    level = root.level
    quiet_noisy_loggers()
    root.setLevel(logging.DEBUG)
    root.addHandler(scan)
    yield scan
    root.removeHandler(scan)
    root.setLevel(level)
    assert not scan.leaks, "log lines with secrets or personal data:\n" + "\n".join(scan.leaks)


@pytest.fixture(scope="session", autouse=True)
def dialogues_installed() -> None:
    """As every entry point does: the dialogue engine runs the composition root's dialogues."""
    COMPONENTS.install_dialogues()


@pytest.fixture(scope="session")
def database_url(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The suite's database: a SQLite file of this process, or TEST_DATABASE_URL — and when
    pytest-xdist runs the suite in several processes, a database of each worker's own on that
    PostgreSQL server (created here, dropped at the end)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if worker is None:
        yield url
        return
    with worker_database(url, worker) as own:
        yield own


@contextmanager
def worker_database(url: str, worker: str) -> Iterator[str]:
    """A fresh database named after the suite's and the xdist worker, on the same server."""
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
        yield own.render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> Iterator[Database]:
    """The schema is built by the migrations, as in production."""
    upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def database(migrated_database: Database) -> Iterator[Database]:
    yield migrated_database
    empty_database(migrated_database)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    environ = {
        "DATABASE_URL": database_url,
        "AFTERSALES_SECRET_KEY": "test-secret",
        "AFTERSALES_VAR_DIR": str(tmp_path / "var"),
    }
    return load_settings(environ, read_dotenv=False)


@pytest.fixture
def clock() -> Clock:
    # Wednesday 25 November 2026, 10:00 in Seoul: an ordinary business morning.
    return Clock(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))


@pytest.fixture
def app(database: Database, settings: Settings, clock: Clock) -> Flask:
    app = create_app({"settings": settings, "database": database, "clock": clock})
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


@pytest.fixture
def people(database: Database, settings: Settings) -> Personas:
    return Personas(database, settings)
