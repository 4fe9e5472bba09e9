"""The Bot API methods the product calls, answered in Telegram's wire format.

Each answer is what Telegram would send back ({"ok": true, "result": …}); each message the bot
sends or edits becomes an event on the feed, for the pane whose chat it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from backend.sandbox.store import SandboxStore

BOT_USER: dict[str, Any] = {
    "id": 1000001,
    "is_bot": True,
    "first_name": "AfterSales",
    "username": "aftersales_sandbox_bot",
}

Answer = tuple[int, dict[str, Any]]


def read_params(form: Mapping[str, str], body: Any) -> dict[str, Any]:
    """A method's parameters, sent as JSON or as form fields whose values are JSON-encoded
    (python-telegram-bot sends reply_markup that way)."""
    raw: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    raw.update(form)
    params: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            params[key] = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            params[key] = value
    if "text" in raw:
        params["text"] = str(raw["text"])  # "123" stays text
    if "caption" in raw and raw["caption"] is not None:
        params["caption"] = str(raw["caption"])
    return params


def error(status: int, description: str) -> Answer:
    return status, {"ok": False, "error_code": status, "description": description}


class BotApi:
    """Telegram's side of the bot: one method per Bot API method the product uses."""

    def __init__(self, store: SandboxStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def answer(self, method: str, params: dict[str, Any]) -> Answer:
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return error(404, "Not Found: method not found")
        try:
            result = handler(params)
        except (KeyError, TypeError, ValueError) as problem:
            return error(400, f"Bad Request: {problem}")
        return 200, {"ok": True, "result": result}

    def _message(self, params: dict[str, Any], message_id: int, **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(self.clock().timestamp()),
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private"},
            **content,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _sent(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = self._message(params, self.store.message_id(), **content)
        markup = params.get("reply_markup")
        self.store.add(
            "telegram.message",
            chat_id=message["chat"]["id"],
            message_id=message["message_id"],
            markup=markup if isinstance(markup, dict) else None,
            **content,
        )
        return message

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._sent(params, text=str(params["text"]))

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = [{"file_id": "sandbox-photo", "file_unique_id": "p1", "width": 320, "height": 240}]
        return self._sent(params, photo=photo, caption=params.get("caption"))

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        document = {"file_id": "sandbox-document", "file_unique_id": "d1"}
        return self._sent(params, document=document, caption=params.get("caption"))

    def _edited(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message_id = int(params["message_id"])
        message = self._message(params, message_id, **content)
        markup = params.get("reply_markup")
        self.store.add(
            "telegram.edit",
            chat_id=message["chat"]["id"],
            message_id=message_id,
            markup=markup if isinstance(markup, dict) else {"inline_keyboard": []},
            **content,
        )
        return message

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edited(params, text=str(params["text"]))

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edited(params)

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if params.get("text"):
            self.store.add("telegram.notice", text=str(params["text"]))
        return True

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        stored = self.store.file(file_id)
        if stored is None:
            raise ValueError("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": "u-" + file_id,
            "file_size": len(stored[0]),
            "file_path": f"photos/{file_id}.jpg",
        }

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True
