"""`aftersales bot --set-webhook` registers PUBLIC_BASE_URL/telegram/webhook with the secret token
and the update kinds the bot reads; `--delete-webhook` removes it. Run against the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from backend.cli import main
from tests.telegram.conftest import SECRET
from tests.telegram.fake_bot_api import FakeBotApi


@pytest.fixture
def aftersales(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, bot_api: FakeBotApi
):  # type: ignore[no-untyped-def]
    """`aftersales …` as an operator runs it, with a bot token for the fake Bot API."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout

    def invoke(*args: str, **env: str) -> Result:
        environ = {
            "DATABASE_URL": database_url,
            "AFTERSALES_SECRET_KEY": "x",
            "AFTERSALES_VAR_DIR": str(tmp_path / "var"),
            "TELEGRAM_BOT_TOKEN": bot_api.token,
            "TELEGRAM_API_BASE_URL": bot_api.url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "PUBLIC_BASE_URL": "https://desk.example.com/",
            **env,
        }
        return CliRunner().invoke(main, ["bot", *args], env=environ)

    return invoke


def test_set_webhook_registers_the_public_url_with_the_secret_token(
    aftersales, bot_api: FakeBotApi
) -> None:  # type: ignore[no-untyped-def]
    result = aftersales("--set-webhook")
    assert result.exit_code == 0, result.output
    assert "https://desk.example.com/telegram/webhook" in result.output
    assert SECRET not in result.output and bot_api.token not in result.output
    [call] = bot_api.of("setWebhook")
    assert call.params["url"] == "https://desk.example.com/telegram/webhook"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query"]


def test_delete_webhook_removes_it(aftersales, bot_api: FakeBotApi) -> None:  # type: ignore[no-untyped-def]
    result = aftersales("--delete-webhook")
    assert result.exit_code == 0, result.output
    assert len(bot_api.of("deleteWebhook")) == 1 and bot_api.of("setWebhook") == []


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ((), {}, "choose one of --polling, --set-webhook, --delete-webhook"),
        (("--set-webhook", "--polling"), {}, "choose one of"),
        (("--set-webhook",), {"TELEGRAM_WEBHOOK_SECRET": ""}, "set TELEGRAM_WEBHOOK_SECRET first"),
        (("--set-webhook",), {"TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "1-256 characters"),
        (("--set-webhook",), {"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        (("--set-webhook",), {"TELEGRAM_BOT_TOKEN": "999:WRONG"}, "Telegram refused"),
        # Telegram only calls HTTPS webhooks; its refusal is shown as it is.
        (
            ("--set-webhook",),
            {"PUBLIC_BASE_URL": "http://127.0.0.1:5000"},
            "https url must be provided",
        ),
    ],
)
def test_a_webhook_that_cannot_work_is_refused_with_the_reason(
    aftersales, bot_api: FakeBotApi, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:  # type: ignore[no-untyped-def]
    result = aftersales(*args, **env)
    assert result.exit_code != 0 and message in result.output, result.output
    assert "999:WRONG" not in result.output  # a token is never printed
    assert [c.params.get("url") for c in bot_api.of("setWebhook")] in (
        [],
        ["http://127.0.0.1:5000/telegram/webhook"],
    )
