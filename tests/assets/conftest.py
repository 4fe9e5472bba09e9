"""The Telegram fixtures of tests/telegram (its fake Bot API takes documents too)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.telegram.conftest import telegram_user, tg_app, tg_settings, transport
from tests.telegram.fake_bot_api import FakeBotApi

__all__ = ["tg_app", "tg_settings", "telegram_user", "transport"]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    yield server
    server.stop()
