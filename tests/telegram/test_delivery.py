"""Nothing is lost between Telegram and the bot: a failed processing is retried by `tick`,
long polling feeds the same processing, the transport honours 429 and gives up on a block;
and the end-of-day work report prompt (R7.10)."""

from __future__ import annotations

import threading
import time
import warnings
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram.error import RetryAfter

from backend.composition import tick
from backend.fieldwork.models import WorkReport
from backend.inbox.models import InboundUpdate
from backend.outbox.models import OutboundMessage
from backend.outbox.service import enqueue
from backend.outbox.worker import deliver_due
from backend.settings import Settings
from bot import handlers
from bot.polling import run_polling
from bot.transport import TelegramTransport, seconds_of
from tests.conftest import Clock
from tests.factories import Personas
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_jobs import TECHNICIAN, linked_technician, reported_case


def test_a_processing_failure_keeps_the_update_and_tick_retries_it(
    database: Any,
    tg_settings: Settings,
    clock: Clock,
    telegram_user: Any,
    bot_api: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original, calls = handlers.COMMANDS["start"], []

    def flaky_start(chat: Any, argument: str) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        original(chat, argument)

    monkeypatch.setitem(handlers.COMMANDS, "start", flaky_start)
    user = telegram_user(1201)
    assert user.says("/start").status_code == 200
    with database.session() as session:
        row = session.scalars(select(InboundUpdate)).one()
        assert row.status == "failed" and "database hiccup" in (row.last_error or "")
    assert bot_api.calls == []
    assert tick(database, tg_settings, clock.advance(minutes=1))["inbound_retry"] == 1
    deliver_due(database, {"telegram": user.transport}, clock=clock)
    assert "Please choose your language" in user.last_text()
    assert tick(database, tg_settings, clock.advance(minutes=5))["inbound_retry"] == 0


def test_long_polling_feeds_the_same_processing(
    database: Any, tg_settings: Settings, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    user = telegram_user(1202)
    bot_api.updates = [
        user.update(message=user.message(text="/start")).to_dict(),
        user.update(message=user.message(text="/help")).to_dict(),
    ]
    stop = threading.Event()
    worker = threading.Thread(
        target=run_polling,
        args=(tg_settings,),
        kwargs={"stop": stop, "timeout": 1, "database": database},
    )
    worker.start()
    deadline = time.monotonic() + 20
    while (
        len(bot_api.of("sendMessage", 1202)) < 2 or len(bot_api.of("getUpdates")) < 2
    ) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert bot_api.of("deleteWebhook")  # getUpdates only works without a webhook
    offsets = [c.params.get("offset") for c in bot_api.of("getUpdates")]
    assert offsets[0] is None and bot_api.updates[-1]["update_id"] + 1 in offsets
    texts = bot_api.texts(1202)
    assert "Please choose your language" in texts[0] and "이해하지 못했습니다" in texts[1]
    with database.session() as session:
        assert len(session.scalars(select(InboundUpdate)).all()) == 2


@pytest.mark.filterwarnings("error::telegram.warnings.PTBDeprecationWarning")
def test_flood_control_is_retried_after_retry_after_and_a_block_is_permanent(
    database: Any, tg_settings: Settings, bot_api: FakeBotApi, clock: Clock
) -> None:
    with database.session() as session:
        enqueue(session, channel="telegram", recipient=1301, payload={"text": "hello"}, now=clock())
        enqueue(session, channel="telegram", recipient=1302, payload={"text": "hello"}, now=clock())
    bot_api.fail_next("sendMessage", 429, retry_after=7, description="Too Many Requests")
    bot_api.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    transport = TelegramTransport(tg_settings)
    try:
        outcomes = deliver_due(database, {"telegram": transport}, clock=clock)
    finally:
        transport.close()
    assert outcomes == {"rate_limited": 1, "failed": 1}
    with database.session() as session:
        rows = {r.recipient: r for r in session.scalars(select(OutboundMessage))}
        waiting = rows["1301"]
        assert waiting.status == "pending" and waiting.last_error == "rate limited"
        # Telegram's 7 s, not the worker's own 30 s backoff (a warning raised inside the
        # transport would have been a generic failure with that backoff).
        assert timedelta(seconds=6.5) < waiting.next_attempt_at - clock() < timedelta(seconds=20)
        assert rows["1302"].status == "failed" and "blocked" in (rows["1302"].last_error or "")


def test_end_of_day_asks_for_the_daily_work_report_once_and_files_it(
    database: Any,
    tg_settings: Settings,
    clock: Clock,
    people: Personas,
    tg_app: Any,
    telegram_user: Any,
    bot_api: FakeBotApi,
) -> None:
    tech = linked_technician(people, tg_app.test_client(), telegram_user)
    _customer, number = reported_case(people, telegram_user)
    for action in ("accept", "arrive", "resolve"):
        tech.presses(f"job:{action}:{number}")
    tech.presses("dlg:parts:done")
    tech.presses("dlg:hours:1.5")
    tech.presses("dlg:confirm:yes")
    evening = clock.advance(hours=8, minutes=5)  # 18:05 in Seoul, the day has closed
    assert tick(database, tg_settings, evening)["work_report_prompts"] == 1
    assert tick(database, tg_settings, evening)["work_report_prompts"] == 0  # once a day
    deliver_due(database, {"telegram": tech.transport}, clock=clock)
    tech.presses("report:start:2026-11-25")
    assert number in tech.last_text() and "1.5" in tech.last_text()
    tech.presses("dlg:job:1.5")
    tech.says("1")  # one hour of admin work (category D)
    tech.says("공구 점검")
    with database.session() as session:
        report = session.scalars(select(WorkReport)).one()
        assert report.hours_by_category == {"C": 1.5, "D": 1.0}
        assert [(e.category, e.hours) for e in report.entries] == [("C", 1.5), ("D", 1.0)]
        assert report.admin_note == "공구 점검"
    assert "2026-11-25" in tech.last_text() and bot_api.texts(TECHNICIAN)


def test_retry_after_is_read_as_seconds_from_an_int_or_a_timedelta() -> None:
    # PTB before 22.2 (and without PTB_TIMEDELTA) gives int seconds, later a timedelta.
    assert seconds_of(7) == 7.0
    assert seconds_of(timedelta(seconds=7, milliseconds=500)) == 7.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert seconds_of(RetryAfter(9).retry_after) == 9.0  # no deprecation warning
