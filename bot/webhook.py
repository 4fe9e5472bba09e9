"""POST /telegram/webhook: check the secret, store the update (deduplicated), answer 200.

The update is stored and processed in one transaction (one commit on the hot path): if processing
fails it is rolled back to a savepoint, the stored update is committed marked failed and the
`inbound_retry` duty runs it again, so nothing Telegram delivered is lost. With
AFTERSALES_WEBHOOK_QUEUE the webhook only stores the update (the one write on the hot path) and
rings the worker, which processes it (backend/inbox/worker.py).
Telegram retries a webhook that does not answer 200 again and again, so anything we cannot
read is acknowledged too (and logged), never answered with an error.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from backend.inbox.models import InboundUpdate
from backend.inbox.service import process, store_update
from backend.outbox.wakeup import INBOX, ring
from backend.parsing import fits_int64, loads_json
from backend.web import database, now, settings
from bot.handlers import process_update

logger = logging.getLogger(__name__)

blueprint = Blueprint("telegram", __name__, url_prefix="/telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_ok() -> bool:
    """Constant-time comparison with TELEGRAM_WEBHOOK_SECRET (any request passes when unset)."""
    expected = settings().telegram_webhook_secret
    if not expected:
        return True
    given = request.headers.get(SECRET_HEADER, "")
    return hmac.compare_digest(given.encode(), expected.encode())


def chat_id_of(update: dict[str, Any]) -> int | None:
    """The chat an update comes from, for looking rows up; None when it has none."""
    for key in ("message", "edited_message", "callback_query"):
        part = update.get(key)
        if isinstance(part, dict):
            message = part.get("message", part) if key == "callback_query" else part
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
    return None


def read_update() -> dict[str, Any] | None:
    """The body as an update, or None: not JSON, nested too deeply to be one (RecursionError in
    json.loads otherwise), or carrying an integer past 64 bits (Telegram's ids fit in 64 bits;
    such a value would overflow the BIGINT columns)."""
    try:
        update = loads_json(request.get_data(cache=True))
    except ValueError:
        return None
    if not isinstance(update, dict) or not fits_int64(update):
        return None
    return update


@blueprint.post("/webhook")
def webhook() -> ResponseReturnValue:
    if not secret_ok():
        return jsonify(
            {"error": {"code": "forbidden", "message": f"wrong or missing {SECRET_HEADER}"}}
        ), 403
    update = read_update()
    update_id = update.get("update_id") if update is not None else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        logger.warning("Telegram webhook: a body without an update_id was ignored")
        return jsonify({"ok": True, "ignored": True})
    assert isinstance(update, dict)
    moment = now()
    # One transaction, one commit: the update is stored and processed together (processing in a
    # savepoint, so a failure still commits the stored row, marked failed, for `inbound_retry`).
    # Should the commit itself fail, Telegram gets an error and delivers the update again.
    with database().session() as session:
        row_id = store_update(
            session,
            channel="telegram",
            update_id=update_id,
            payload=update,
            chat_id=chat_id_of(update),
            now=moment,
        )
        if row_id is None:
            return jsonify({"ok": True, "duplicate": True})
        if settings().webhook_queue:  # store and acknowledge: a worker processes it
            ring(session, INBOX)
            return jsonify({"ok": True})
        row = session.get(InboundUpdate, row_id)
        assert row is not None
        process(session, settings(), moment, row, process_update)
    return jsonify({"ok": True})
