"""/sandbox: the page with three panes, and inside the app the Bot API and Twilio REST endpoints
that the product's own transports call in sandbox mode (`aftersales serve` without credentials).

Every route answers 404 unless the app runs as a sandbox, so a production desk has none of them.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import time
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from backend.calendar import calendar_for
from backend.i18n import normalize_language, translate
from backend.parsing import loads_json
from backend.sandbox.botapi import BotApi, read_params
from backend.sandbox.botapi import error as bot_error
from backend.sandbox.clock import SandboxClock
from backend.sandbox.service import link_technicians, progress, sandbox_technicians
from backend.sandbox.store import SandboxStore
from backend.sandbox.twilio import TwilioApi, not_found, sign
from backend.web import database, now, settings

logger = logging.getLogger(__name__)

blueprint = Blueprint(
    "sandbox",
    __name__,
    url_prefix="/sandbox",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

MAX_UPLOAD_BYTES = 5_000_000
PAGE_WORDS = {
    "customer_name": "Customer",
    "not_delivered": "The webhook did not take that update",
    "photo": "Photo",
    "document": "Document",
    "location": "Location shared",
    "call_failed": "The call failed",
    "audio": "(a recording plays)",
    "recording": "(recording: type what you say)",
    "transferred": "Transferred to a member of staff",
    "in_call": "In a call",
    "idle": "Idle",
    "ringing": "Ringing",
    "other_customer": "to another customer",
}
STATUS_WORDS = {
    "new": "registered",
    "assigned": "assigned",
    "accepted": "accepted by the technician",
    "en_route": "technician on the way",
    "on_site": "technician on site",
    "in_workshop": "in the workshop",
    "repaired": "repaired",
    "inspected": "inspected",
    "resolved": "waiting for the customer's sign-off",
    "closed": "closed",
    "cancelled": "cancelled",
    "received": "received",
    "routed": "routed",
    "answered": "answered",
}
SURVEY_MORNING = time(10)  # the rating calls start at 10:00 the next business day


def store() -> SandboxStore:
    state = current_app.extensions.setdefault("sandbox", {})
    if "store" not in state:
        state["store"] = SandboxStore()
    found: SandboxStore = state["store"]
    return found


@blueprint.before_request
def sandbox_only() -> None:
    """Nothing here exists outside sandbox mode."""
    if not settings().sandbox:
        abort(404)


@blueprint.get("")
@blueprint.get("/")
def page() -> ResponseReturnValue:
    language = normalize_language(request.args.get("lang") or request.accept_languages.best)
    say = partial(translate, language)
    return render_template("sandbox/page.html", language=language, _=say, words=page_words(say))


def page_words(say: Callable[[str], str]) -> dict[str, Any]:
    """The words the page's script shows, in the page's language."""
    words: dict[str, Any] = {key: say(text) for key, text in PAGE_WORDS.items()}
    words["statuses"] = {status: say(text) for status, text in STATUS_WORDS.items()}
    return words


@blueprint.get("/config")
def page_config() -> ResponseReturnValue:
    """What the page needs to speak for Telegram and Twilio: this install's sandbox secrets."""
    current = settings()
    with database().session() as session:
        technicians = sandbox_technicians(session)
    return jsonify(
        {
            "bot": {"id": 1000001, "username": "aftersales_sandbox_bot"},
            "webhook_secret": current.telegram_webhook_secret,
            "account_sid": current.twilio_account_sid,
            "desk_number": current.twilio_phone_number,
            "public_base_url": current.public_base_url,
            "technicians": technicians,
            "now": now().isoformat(),
        }
    )


@blueprint.post("/technicians/link")
def technicians_link() -> ResponseReturnValue:
    """Each active technician's Telegram is the technician pane (idempotent)."""
    with database().session() as session:
        linked = link_technicians(session)
        technicians = sandbox_technicians(session)
    return jsonify({"linked": linked, "technicians": technicians})


@blueprint.get("/feed")
def feed() -> ResponseReturnValue:
    after = request.args.get("after", "0")
    last = int(after) if after.isdigit() and len(after) < 12 else 0
    events = [event.as_json() for event in store().after(last)]
    return jsonify({"events": events, "now": now().isoformat()})


@blueprint.get("/progress")
def tour_progress() -> ResponseReturnValue:
    """The customer pane's latest case, its technician and rating (the tour's checklist)."""
    chat = request.args.get("chat", "")
    if not chat.isdigit() or len(chat) > 15:
        return _invalid("chat", "the customer pane's chat id")
    with database().session() as session:
        found = progress(session, chat_id=int(chat))
    return jsonify({"progress": found})


@blueprint.post("/clock")
def clock_advance() -> ResponseReturnValue:
    """Skip to 10:00 on the next business day and run every duty for that moment, as the
    scheduler would: yesterday's jobs get their rating calls."""
    clock = current_app.extensions["aftersales"]["clock"]
    if not isinstance(clock, SandboxClock):
        return jsonify({"error": {"code": "fixed_clock", "message": "this clock cannot move"}}), 409
    calendar = calendar_for(settings())
    today = calendar.local_date(now())
    moment = calendar.at(calendar.next_business_day(today), SURVEY_MORNING)
    reached = clock.advance_to(moment)
    components = current_app.extensions["aftersales"]["components"]
    results = components.tick(database(), settings(), reached)
    store().add("clock", now=reached.isoformat())
    return jsonify({"now": reached.isoformat(), "tick": results})


# Telegram's Bot API -------------------------------------------------------------------------
def _token_ok(token: str) -> bool:
    expected = settings().telegram_bot_token or ""
    return hmac.compare_digest(token.encode(), expected.encode())


@blueprint.route("/telegram/bot<token>/<method>", methods=["GET", "POST"])
def bot_method(token: str, method: str) -> ResponseReturnValue:
    if not _token_ok(token):
        status, body = bot_error(401, "Unauthorized")
        return jsonify(body), status
    params = read_params(request.form.to_dict(), request.get_json(silent=True))
    status, body = BotApi(store(), now).answer(method, params)
    return jsonify(body), status


@blueprint.get("/telegram/file/bot<token>/<path:file_path>")
def bot_file(token: str, file_path: str) -> ResponseReturnValue:
    if not _token_ok(token):
        abort(404)
    file_id = file_path.removeprefix("photos/").removesuffix(".jpg")
    stored = store().file(file_id)
    if stored is None:
        abort(404)
    content, content_type = stored
    return Response(content, mimetype=content_type)


@blueprint.post("/telegram/upload")
def upload() -> ResponseReturnValue:
    """A photo the customer pane sends: kept here, as Telegram keeps it, under a file id."""
    photo = request.files.get("photo")
    if photo is None:
        return _invalid("photo", "choose a picture to send")
    content = photo.read(MAX_UPLOAD_BYTES + 1)
    if not content or len(content) > MAX_UPLOAD_BYTES:
        return _invalid("photo", "a picture of up to 5 MB")
    file_id = "sbx" + secrets.token_hex(8)
    store().keep_file(file_id, content, photo.mimetype or "image/jpeg")
    return jsonify({"file_id": file_id, "file_unique_id": "u" + file_id, "size": len(content)})


# Twilio's REST API ----------------------------------------------------------------------------
def _account_ok(account_sid: str) -> bool:
    current = settings()
    auth = request.authorization
    return (
        account_sid == current.twilio_account_sid
        and auth is not None
        and auth.username == current.twilio_account_sid
        and hmac.compare_digest(
            (auth.password or "").encode(), (current.twilio_auth_token or "").encode()
        )
    )


@blueprint.post("/twilio/2010-04-01/Accounts/<account_sid>/<resource>.json")
def twilio_create(account_sid: str, resource: str) -> ResponseReturnValue:
    if not _account_ok(account_sid):
        status, body = not_found()
        return jsonify(body), status
    status, body = TwilioApi(store(), now).create(resource, request.form.to_dict())
    return jsonify(body), status


@blueprint.post("/twilio/sign")
def twilio_sign() -> ResponseReturnValue:
    """The X-Twilio-Signature the sandbox phone puts on a request it makes as Twilio."""
    body = loads_json(request.get_data()) if request.data else None
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        return _invalid("url", "the address of the request to sign")
    params = body.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        return _invalid("params", "form fields as text")
    url = str(body["url"])
    if not url.startswith(settings().public_base_url.rstrip("/") + "/"):
        return _invalid("url", "an address of this desk")
    return jsonify({"signature": sign(settings(), url, params)})


def _invalid(field: str, message: str) -> ResponseReturnValue:
    return jsonify({"error": {"code": "invalid", "message": message, "field": field}}), 422
