"""Finding 14 in Telegram: digits like '²' typed or sent as button data in a dialogue are asked
again politely; the update is processed, not failed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from telegram import CallbackQuery, Message, User

from backend.db import Database
from backend.inbox.models import InboundUpdate, UpdateStatus
from tests.factories import Personas
from tests.telegram.conftest import TelegramUser
from tests.telegram.fake_bot_api import BOT_USER


@pytest.mark.parametrize("odd", ["²", "①", "1²", "9" * 5000])
def test_finding_14_odd_digits_in_telegram_dialogue_answers_are_asked_again(
    telegram_user: object, people: Personas, database: Database, odd: str
) -> None:
    people.product()
    people.technician()
    user: TelegramUser = telegram_user(1501)  # type: ignore[operator]
    for text in ("/report", "010-3000-0001", "홍길동"):
        assert user.says(text).status_code == 200
    products = user.buttons()  # the one model, offered at once (issue 16)
    assert len(products) == 1 and products[0].startswith("dlg:product:product:")
    assert user.says(odd).status_code == 200  # the product: typed as a number '²'
    assert user.buttons() == products  # asked again
    assert (
        user.post(user.update(callback_query=_button(user, f"dlg:product:#{odd}"))).status_code
        == 200
    )
    assert user.says("1").status_code == 200  # a real number still chooses
    assert "dlg:serial:__skip" in user.buttons()
    with database.session() as session:
        statuses = set(session.scalars(select(InboundUpdate.status)))
    assert statuses == {UpdateStatus.DONE}


def _button(user: TelegramUser, data: str) -> CallbackQuery:
    """A press of a button carrying `data` on the bot's latest message (data Telegram would
    never send: the bot made no such button)."""
    shown = user.api.last_message(user.chat_id)
    message = Message(
        message_id=shown.result["message_id"],
        date=datetime.now(UTC),
        chat=user.chat,
        from_user=User(**BOT_USER),
        text=shown.params.get("text"),
    )
    return CallbackQuery(
        id="odd", from_user=user.user, chat_instance="ci", data=data, message=message
    )
