"""The Telegram fixtures of tests/telegram, with a fake Bot API that also takes documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.wrappers import Request

from tests.telegram.conftest import telegram_user, tg_app, tg_settings, transport
from tests.telegram.fake_bot_api import FakeBotApi

__all__ = ["tg_app", "tg_settings", "telegram_user", "transport"]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class DocumentBotApi(FakeBotApi):
    """sendDocument as Telegram takes it: a multipart upload; the call records the file."""

    @staticmethod
    def _params(request: Request) -> dict[str, Any]:
        params = FakeBotApi._params(request)
        for name, upload in request.files.items():
            content = upload.read()
            params[name] = {"filename": upload.filename, "size": len(content), "head": content[:5]}
        return params

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        document = {"file_id": "doc-1", "file_unique_id": "d1"}
        return self._message(params, document=document, caption=params.get("caption"))


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    server = DocumentBotApi().start()
    yield server
    server.stop()
