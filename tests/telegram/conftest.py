"""Telegram fixtures: the fake Bot API server, settings pointing at it, the app with the webhook,
and `TelegramUser`, a person who writes to the bot with updates built by python-telegram-bot."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from telegram import CallbackQuery, Chat, Contact, Location, Message, PhotoSize, Update, User

from backend.app import create_app
from backend.db import Database
from backend.outbox.worker import deliver_due
from backend.settings import Settings
from bot.transport import TelegramTransport
from tests.conftest import Clock
from tests.telegram.fake_bot_api import BOT_USER, FakeBotApi

SECRET = "s3cret-webhook-token"
_update_ids = itertools.count(5000)


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    yield server
    server.stop()


@pytest.fixture
def tg_settings(settings: Settings, bot_api: FakeBotApi) -> Settings:
    return settings.with_overrides(
        telegram_bot_token=bot_api.token,
        telegram_webhook_secret=SECRET,
        telegram_api_base_url=bot_api.url,
    )


@pytest.fixture
def tg_app(database: Database, tg_settings: Settings, clock: Clock) -> Flask:
    app = create_app({"settings": tg_settings, "database": database, "clock": clock})
    app.config["TESTING"] = True
    return app


@pytest.fixture
def transport(tg_settings: Settings) -> Iterator[TelegramTransport]:
    sender = TelegramTransport(tg_settings)
    yield sender
    sender.close()


class TelegramUser:
    """Someone in a private chat with the bot; every update goes through the real webhook."""

    def __init__(
        self,
        client: FlaskClient,
        database: Database,
        transport: TelegramTransport,
        api: FakeBotApi,
        user_id: int,
        first_name: str = "길동",
        language_code: str = "ko",
    ) -> None:
        self.client, self.database, self.transport, self.api = client, database, transport, api
        self.user = User(
            id=user_id, first_name=first_name, is_bot=False, language_code=language_code
        )
        self.chat = Chat(id=user_id, type="private")
        self._message_ids = itertools.count(1)

    @property
    def chat_id(self) -> int:
        return self.chat.id

    def message(self, **content: Any) -> Message:
        return Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=self.user,
            **content,
        )

    def post(self, update: Update | dict[str, Any], *, secret: str | None = SECRET) -> Any:
        body = update.to_dict() if isinstance(update, Update) else update
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        response = self.client.post("/telegram/webhook", json=body, headers=headers)
        # The worker reads the app's clock, as in one process; the outbox rows carry its time.
        clock = self.client.application.extensions["aftersales"]["clock"]
        deliver_due(self.database, {"telegram": self.transport}, clock=clock)
        return response

    def update(self, **parts: Any) -> Update:
        return Update(update_id=next(_update_ids), **parts)

    def says(self, text: str) -> Any:
        return self.post(self.update(message=self.message(text=text)))

    def shares_contact(self, phone: str, *, own: bool = True) -> Any:
        contact = Contact(
            phone_number=phone,
            first_name=self.user.first_name,
            user_id=self.user.id if own else self.user.id + 1,
        )
        return self.post(self.update(message=self.message(contact=contact)))

    def shares_location(self, lat: float, lon: float) -> Any:
        location = Location(latitude=lat, longitude=lon)
        return self.post(self.update(message=self.message(location=location)))

    def sends_photo(self, caption: str | None = None) -> Any:
        photo = (PhotoSize("small-id", "s1", 90, 90), PhotoSize("big-id", "b1", 1280, 960))
        return self.post(self.update(message=self.message(photo=photo, caption=caption)))

    def presses(self, callback_data: str) -> Any:
        """Press the button with `callback_data` on the latest bot message that has it."""
        shown = self.api.message_with_button(self.chat_id, callback_data)
        bot_message = Message(
            message_id=shown.result["message_id"],
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=User(**BOT_USER),
            text=shown.params.get("text"),
        )
        query = CallbackQuery(
            id=f"cb{next(_update_ids)}",
            from_user=self.user,
            chat_instance="ci",
            data=callback_data,
            message=bot_message,
        )
        return self.post(self.update(callback_query=query))

    def buttons(self) -> list[str]:
        """Callback data of the inline buttons on the bot's latest message."""
        markup = self.api.last_message(self.chat_id).params.get("reply_markup") or {}
        return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]

    def last_text(self) -> str:
        return self.api.texts(self.chat_id)[-1]


@pytest.fixture
def telegram_user(
    tg_app: Flask, database: Database, transport: TelegramTransport, bot_api: FakeBotApi
) -> Any:
    """A factory: telegram_user(user_id, first_name=…, language_code=…)."""
    client = tg_app.test_client()

    def make(user_id: int = 1001, **kwargs: Any) -> TelegramUser:
        return TelegramUser(client, database, transport, bot_api, user_id, **kwargs)

    return make
