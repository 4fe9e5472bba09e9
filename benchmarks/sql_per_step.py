"""SQL statements per channel step: how many queries one Twilio or Telegram request costs.

    python benchmarks/sql_per_step.py                 # this tree's figures
    python benchmarks/sql_per_step.py --against main  # side by side with a git ref

Three requests, each on a fresh SQLite database, counted with SQLAlchemy's
`before_cursor_execute` (every statement the request sends, writes and the commit's flush
included):
  voice   an inbound call's first `/ivr/voice` from a known customer with an open case
  survey  a rating call's `/ivr/survey/<number>`, answered by a person
  start   a Telegram `/start` from a new private chat (webhook: stored, then processed)

`--against REF` checks REF out into a temporary git worktree and runs this same script there
(with this tree's installed packages), so both columns measure the same scenarios.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("voice", "survey", "start")
WEDNESDAY_10AM = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
TUESDAY_3PM = WEDNESDAY_10AM - timedelta(hours=19)


class Counter:
    """Counts the statements an engine sends while `counting` is on."""

    def __init__(self) -> None:
        self.on = False
        self.statements = 0

    def __call__(self, *_args: Any) -> None:
        if self.on:
            self.statements += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.on, self.statements = True, 0
        try:
            yield
        finally:
            self.on = False


def measure(scenario: str) -> int:
    """The statements of one request of `scenario`, on a fresh database."""
    from sqlalchemy import event

    from backend.app import create_app
    from backend.db import Database
    from backend.migrate import upgrade
    from backend.settings import load_settings
    from tests.conftest import Clock
    from tests.factories import Personas
    from tests.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        database = Database(url)
        settings = load_settings(
            {
                "DATABASE_URL": url,
                "AFTERSALES_SECRET_KEY": "bench",
                "AFTERSALES_VAR_DIR": f"{tmp}/var",
                "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_PHONE_NUMBER": "+8215880000",
                "AFTERSALES_HOTLINE_NUMBER": "+82215880001",
                "TELEGRAM_BOT_TOKEN": "123:bench",
            },
            read_dotenv=False,
        )
        clock = Clock(WEDNESDAY_10AM)
        app = create_app({"settings": settings, "database": database, "clock": clock})
        app.config["TESTING"] = True
        people = Personas(database, settings)
        request = SETUPS[scenario](database, settings, people, app.test_client())
        counter = Counter()
        event.listen(database.engine, "before_cursor_execute", counter)
        with counter.counting():
            response = request()
        assert response.status_code == 200, response.get_data(as_text=True)
        database.dispose()
        return counter.statements


Request = Callable[[], Any]


def _twilio(client: Any, path: str, fields: dict[str, str]) -> Request:
    from tests.ivr.fake_twilio import ACCOUNT_SID, PUBLIC_BASE_URL, sign

    params = {"AccountSid": ACCOUNT_SID, "To": "+8215880000", **fields}
    signature = sign(PUBLIC_BASE_URL + path, params)
    return lambda: client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def _voice(database: Any, settings: Any, people: Any, client: Any) -> Request:
    from tests.ivr.jobs import open_repair

    people.product()
    people.technician()
    open_repair(database, settings, at=WEDNESDAY_10AM - timedelta(hours=1))
    fields = {"CallSid": "CA" + "1" * 32, "From": "+821030000001", "Direction": "inbound"}
    return _twilio(client, "/ivr/voice", fields)


def _survey(database: Any, settings: Any, people: Any, client: Any) -> Request:
    from sqlalchemy import select

    from backend.calls.models import PhoneCall
    from backend.surveys.duties import survey_calls
    from tests.ivr.jobs import finished_job

    people.product()
    job = finished_job(database, settings, people.technician(), resolved_at=TUESDAY_3PM)
    with database.session() as session:
        assert survey_calls(session, settings, WEDNESDAY_10AM) == 1
        call_id = session.scalars(select(PhoneCall.id)).one()
    fields = {
        "CallSid": "CA" + "2" * 32,
        "From": "+8215880000",
        "Direction": "outbound-api",
        "AnsweredBy": "human",
    }
    return _twilio(client, f"/ivr/survey/{job.number}?call_id={call_id}", fields)


def _start(database: Any, settings: Any, people: Any, client: Any) -> Request:
    chat = {"id": 424242, "type": "private"}
    user = {"id": 424242, "is_bot": False, "first_name": "길동", "language_code": "ko"}
    message = {"message_id": 1, "date": 1_790_000_000, "chat": chat, "from": user, "text": "/start"}
    body = {"update_id": 1, "message": message}
    return lambda: client.post("/telegram/webhook", json=body)


SETUPS: dict[str, Callable[[Any, Any, Any, Any], Request]] = {
    "voice": _voice,
    "survey": _survey,
    "start": _start,
}


def figures() -> dict[str, int]:
    return {scenario: measure(scenario) for scenario in SCENARIOS}


def figures_at(ref: str) -> dict[str, int]:
    """This script's figures for the tree at git `ref`, from a temporary worktree."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), ref],
            check=True,
        )
        try:
            script = tree / "benchmarks" / "sql_per_step_here.py"
            script.write_text(Path(__file__).read_text())
            output = subprocess.run(
                [sys.executable, str(script), "--json"],
                cwd=tree,
                env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True
            )
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", metavar="REF", help="a git ref to compare with")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    here = figures()
    if options.json:
        print(json.dumps(here))
        return
    if not options.against:
        for scenario in SCENARIOS:
            print(f"{scenario:<8}{here[scenario]:>6} statements")
        return
    there = figures_at(options.against)
    print(f"{'request':<8}{options.against:>10}{'this tree':>11}")
    for scenario in SCENARIOS:
        print(f"{scenario:<8}{there[scenario]:>10}{here[scenario]:>11}")


if __name__ == "__main__":
    main()
