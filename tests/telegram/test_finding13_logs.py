"""Finding 13: the Bot API token (httpx logs every request URL at INFO), Twilio credentials,
bearer tokens, phone numbers and addresses stay out of the logs. The whole-run scan is the
`log_scan` fixture in tests/conftest.py; these are the targeted checks."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from backend.logs import NOISY_LOGGERS, RedactingFilter, redact
from tests.telegram.conftest import TelegramUser
from tests.telegram.fake_bot_api import FakeBotApi

BOT_TOKEN = "7123456789:AAHk3x_Zq-9fakeFAKEfake0123456789ab"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f"HTTP Request: POST https://api.telegram.org/bot{BOT_TOKEN}/sendMessage", BOT_TOKEN),
        (f"GET https://api.telegram.org/file/bot{BOT_TOKEN}/photos/1.jpg", BOT_TOKEN),
        (f"token {BOT_TOKEN} set", BOT_TOKEN),
        ("Authorization: Bearer as_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5", "as_Zm9vYmFyYmF6"),
        ("Authorization: Basic QUMwMDAwOnNlY3JldA==", "QUMwMDAwOnNlY3JldA=="),
        ("postgresql+psycopg://aftersales:hunter2@db:5432/x", "hunter2"),
        ("calling +821012345678 now", "+821012345678"),
        ("calling 010-1234-5678 now", "010-1234-5678"),
        ("calling 01012345678 now", "01012345678"),
        ("visit 서울특별시 중구 세종대로 110 today", "세종대로 110"),
        ("visit 경기도 성남시 분당구 판교역로 235 3층", "판교역로 235"),
    ],
)
def test_finding_13_redaction_masks_secrets_phones_and_addresses(line: str, secret: str) -> None:
    masked = redact(line)
    assert secret not in masked
    if "+8210" in line or "010" in line:
        assert "5678" in masked  # the last four digits stay, to tell calls apart


def test_finding_13_redaction_keeps_case_numbers_and_masks_configured_secrets() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "case %s by %s", ("AS-2026-000042", "sk-xyz-123456"), None
    )
    RedactingFilter(["sk-xyz-123456"]).filter(record)
    assert record.getMessage() == "case AS-2026-000042 by ***"


def test_finding_13_http_clients_are_quiet_and_the_bot_token_is_not_logged(
    telegram_user: object, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    assert all(logging.getLogger(n).getEffectiveLevel() >= logging.WARNING for n in NOISY_LOGGERS)
    assert isinstance(telegram_user, object)
    user: TelegramUser = telegram_user(1301)  # type: ignore[operator]
    with caplog.at_level(logging.DEBUG):
        user.says("/start")  # the reply goes out through the real client to the fake Bot API
    assert bot_api.calls, "nothing was sent"
    assert bot_api.token not in caplog.text
    assert f"bot{bot_api.token}" not in caplog.text


def test_finding_13_the_entry_points_logging_masks_what_a_library_would_leak() -> None:
    """configure_logging, as `aftersales serve|worker|bot` call it, in a fresh interpreter."""
    script = (
        "import logging\n"
        "from backend.logs import configure_logging\n"
        "configure_logging(['sekrit-webhook-value'])\n"
        "logging.getLogger('httpx').info('HTTP Request: POST https://x/bot1:AAA/sendMessage')\n"
        "logging.getLogger('app').warning("
        f"'POST https://x/bot{BOT_TOKEN}/getMe from +821012345678 sekrit-webhook-value')\n"
        "try:\n"
        "    raise ValueError('address 서울 중구 세종대로 110')\n"
        "except ValueError:\n"
        "    logging.getLogger('app').exception('failed')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    log = result.stderr
    assert "bot1:AAA" not in log  # httpx's INFO line is not written at all
    assert "getMe" in log and BOT_TOKEN not in log
    assert "+821012345678" not in log and "5678" in log
    assert "sekrit-webhook-value" not in log
    assert "ValueError" in log and "세종대로 110" not in log
