"""A local fake of the Telegram Bot API on 127.0.0.1: real HTTP, Telegram's wire format.

It answers the methods the bot uses, records every call, queues updates for getUpdates, and can
be told to fail the next call of a method (429 with retry_after, 403 blocked) to test delivery.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Tests read the recorded calls; an access log per call is noise."""


BOT_USER: dict[str, Any] = {
    "id": 123,
    "is_bot": True,
    "first_name": "AfterSales",
    "username": "aftersales_bot",
}


@dataclass
class _Refusal:
    """What a method answers instead of a result: Telegram's error for that request."""

    status: int
    description: str


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None


@dataclass
class FakeBotApi:
    token: str = "123:TEST"
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    markups: dict[int, dict[str, Any]] = field(default_factory=dict)  # message id → buttons now
    files: dict[str, bytes] = field(default_factory=dict)  # file id → content, for getFile
    # Flood control: until this moment of `flood_clock`, every method answers 429 with the
    # seconds left as retry_after (time is set by the test, never waited for).
    flood_until: datetime | None = None
    flood_clock: Callable[[], datetime] | None = None
    flood_retry_after: int | None = None  # the wait named in each 429 (default: all that is left)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def fail_next(self, method: str, status: int, **extra: Any) -> None:
        """The next call of `method` answers `status` (429 → parameters.retry_after)."""
        self.failures.setdefault(method, []).append((status, extra))

    def flood(
        self, until: datetime, clock: Callable[[], datetime], retry_after: int | None = None
    ) -> None:
        """Telegram's flood control until `until`: every call answers 429 naming `retry_after`
        seconds (or all the time left), as Telegram does for a bot that sends too fast."""
        self.flood_until, self.flood_clock, self.flood_retry_after = until, clock, retry_after

    def _flood_wait(self) -> int | None:
        if self.flood_until is None or self.flood_clock is None:
            return None
        left = math.ceil((self.flood_until - self.flood_clock()).total_seconds())
        if left <= 0:
            return None
        return min(left, self.flood_retry_after) if self.flood_retry_after else left

    # queries for tests ------------------------------------------------------------------------
    def of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method
            and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    def texts(self, chat_id: int) -> list[str]:
        return [
            str(c.params.get("text") or c.params.get("caption") or "")
            for c in self.calls
            if c.method in ("sendMessage", "sendPhoto", "sendDocument", "editMessageText")
            and str(c.params.get("chat_id")) == str(chat_id)
        ]

    def last_message(self, chat_id: int) -> Call:
        return [
            c
            for c in self.calls
            if c.method in ("sendMessage", "sendPhoto", "sendDocument")
            and str(c.params.get("chat_id")) == str(chat_id)
        ][-1]

    def message_with_button(self, chat_id: int, callback_data: str) -> Call:
        """The latest message to `chat_id` that now shows a button with that callback data."""
        for call in reversed(self.of("sendMessage", chat_id)):
            markup = self.markups.get(call.result["message_id"]) or {}
            for row in markup.get("inline_keyboard", []):
                if any(b.get("callback_data") == callback_data for b in row):
                    return call
        raise AssertionError(f"no message to {chat_id} has a {callback_data!r} button")

    # the HTTP side ----------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        prefix = f"/bot{self.token}/"
        if request.path.startswith(f"/file{prefix}"):
            return self._file(request.path.removeprefix(f"/file{prefix}"))(environ, start_response)
        if not request.path.startswith(prefix):
            return Response(
                json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}), 404
            )(environ, start_response)
        method = request.path.removeprefix(prefix)
        params = self._params(request)
        with self._lock:
            status, body = self._answer(method, params)
        return Response(json.dumps(body), status, content_type="application/json")(
            environ, start_response
        )

    @staticmethod
    def _params(request: Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.get_json(silent=True) or {})
        raw.update(request.form.to_dict())
        params: dict[str, Any] = {}
        for key, value in raw.items():
            try:
                params[key] = json.loads(value) if isinstance(value, str) else value
            except ValueError:
                params[key] = value
        if "text" in raw:
            params["text"] = str(raw["text"])  # "123" stays text
        for key, upload in request.files.items():  # multipart uploads (sendDocument)
            content = upload.read()
            params[key] = {
                "filename": upload.filename,
                "content": content,
                "size": len(content),
                "head": content[:5],
            }
        return params

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (wait := self._flood_wait()) is not None:
            self.calls.append(Call(method, params, result=429))
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {wait}",
                "parameters": {"retry_after": wait},
            }
        if self.failures.get(method):
            status, extra = self.failures[method].pop(0)
            self.calls.append(Call(method, params, result=status))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": status,
                "description": extra.pop("description", "failure"),
            }
            if extra:
                body["parameters"] = extra
            return status, body
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method"}
        result = handler(params)
        self.calls.append(Call(method, params, result))
        if isinstance(result, _Refusal):
            return result.status, {
                "ok": False,
                "error_code": result.status,
                "description": result.description,
            }
        if (
            isinstance(result, dict)
            and "message_id" in result
            and ("reply_markup" in params or method == "editMessageReplyMarkup")
        ):
            markup = params.get("reply_markup")
            self.markups[result["message_id"]] = markup if isinstance(markup, dict) else {}
        return 200, {"ok": True, "result": result}

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            **content,
        }
        if (
            isinstance(params.get("reply_markup"), dict)
            and "inline_keyboard" in params["reply_markup"]
        ):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, text=params["text"])

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = [{"file_id": "AgAD-photo", "file_unique_id": "u1", "width": 90, "height": 90}]
        return self._message(params, photo=photo, caption=params.get("caption"))

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = params.get("document")
        name = upload.get("filename") if isinstance(upload, dict) else None
        document = {"file_id": "BQAD-document", "file_unique_id": "d1", "file_name": name}
        return self._message(params, document=document, caption=params.get("caption"))

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._message(params, text=params["text"]),
            "message_id": int(params["message_id"]),
        }

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._message(params, text="…"), "message_id": int(params["message_id"])}

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _file(self, file_path: str) -> Response:
        """GET {base}/file/bot<token>/<file_path>: the bytes getFile pointed to."""
        file_id = file_path.removeprefix("photos/").removesuffix(".jpg")
        with self._lock:
            self.calls.append(Call("download", {"file_path": file_path}))
        if file_path.startswith("photos/") and file_id in self.files:
            return Response(self.files[file_id], 200, content_type="application/octet-stream")
        return Response(b"Not Found", 404)

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            return _Refusal(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": "u-" + file_id,
            "file_size": len(self.files[file_id]),
            "file_path": f"photos/{file_id}.jpg",
        }

    def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        pending = [u for u in self.updates if u["update_id"] >= offset]
        if not pending:  # a long poll: wait a little instead of answering at once
            time.sleep(min(float(params.get("timeout") or 0), 0.2))
        return pending

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        if not str(params.get("url", "")).startswith("https://"):
            return _Refusal(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True
