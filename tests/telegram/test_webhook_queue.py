"""Store-and-acknowledge webhooks (issue 14, AFTERSALES_WEBHOOK_QUEUE): the webhook's one write
is the stored update; a worker processes it, a chat's updates in the order they came."""

from __future__ import annotations

import itertools
import threading
from typing import Any

from flask import Flask
from sqlalchemy import select

from backend.app import create_app
from backend.composition import COMPONENTS
from backend.db import Database
from backend.inbox.models import InboundUpdate
from backend.inbox.service import claim_received, store_update
from backend.inbox.worker import process_received, run_inbox
from backend.outbox.models import OutboundMessage
from backend.outbox.wakeup import INBOX, doorbell
from backend.settings import Settings
from tests.conftest import Clock
from tests.telegram.conftest import SECRET

_ids = itertools.count(70_000)
WAIT = 30.0


def start_update(chat: int) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": 1,
            "date": 1764640000,
            "chat": {"id": chat, "type": "private", "first_name": "B"},
            "from": {"id": chat, "is_bot": False, "first_name": "B", "language_code": "ko"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def queued_app(database: Database, tg_settings: Settings, clock: Clock) -> Flask:
    settings = tg_settings.with_overrides(webhook_queue=True)
    app = create_app({"settings": settings, "database": database, "clock": clock})
    app.config["TESTING"] = True
    return app


def post(app: Flask, update: dict[str, Any]) -> None:
    response = app.test_client().post(
        "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_queued_webhook_only_stores_and_a_worker_answers(
    database: Database, tg_settings: Settings, clock: Clock
) -> None:
    app = queued_app(database, tg_settings, clock)
    post(app, start_update(4001))
    with database.session() as session:
        (row,) = session.scalars(select(InboundUpdate)).all()
        assert row.status == "received"
        assert session.scalars(select(OutboundMessage)).all() == []  # nothing processed yet
    assert process_received(database, tg_settings, COMPONENTS.processors, clock()) == 1
    with database.session() as session:
        assert session.scalars(select(InboundUpdate.status)).all() == ["done"]
        replies = session.scalars(select(OutboundMessage.recipient)).all()
    assert replies and set(replies) == {"4001"}


def test_a_chats_updates_are_processed_in_the_order_they_came(
    database: Database, clock: Clock
) -> None:
    with database.session() as session:
        first, second, other = (
            store_update(
                session,
                channel="telegram",
                update_id=next(_ids),
                payload={},
                chat_id=chat,
                now=clock(),
            )
            for chat in (11, 11, 22)
        )
    with database.session() as session:
        assert [row.id for row in claim_received(session, clock())] == [first, other]
    with database.session() as session:  # leased: nobody takes them again meanwhile
        assert claim_received(session, clock()) == []
        session.get(InboundUpdate, first).status = "done"  # type: ignore[union-attr]
    with database.session() as session:
        assert [row.id for row in claim_received(session, clock())] == [second]


def test_a_stored_update_wakes_the_inbox_worker(
    database: Database, tg_settings: Settings, clock: Clock
) -> None:
    """The worker polls once an hour here: only the doorbell rung by the webhook's commit can
    get the update processed in time."""
    app = queued_app(database, tg_settings, clock)
    processed = threading.Event()

    def processor(*args: Any) -> None:
        processed.set()

    stop = threading.Event()
    worker = threading.Thread(
        target=run_inbox,
        args=(database, tg_settings, {"telegram": processor}, stop),
        kwargs={"idle_seconds": 3600, "clock": clock, "wake": doorbell(database, INBOX)},
        daemon=True,
    )
    worker.start()
    try:
        post(app, start_update(4002))
        assert processed.wait(WAIT), "the stored update did not wake the worker"
    finally:
        stop.set()
        doorbell(database, INBOX).set()
        worker.join(WAIT)
