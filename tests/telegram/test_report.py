"""A customer reports a fault in Telegram, from /start to the case number (R4.5, R7.3, R4.11)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from backend.cases.models import Case
from backend.db import Database
from backend.inbox.models import InboundUpdate
from backend.outbox.models import OutboundMessage
from tests.factories import Personas
from tests.telegram.fake_bot_api import FakeBotApi


def catalogue(people: Personas) -> None:
    people.product("AC-1")
    people.product("AC-2")
    people.product("RF-800", line="refrigerator")
    people.technician()


def report_until_confirm(user: Any, *, description: str = "찬바람이 안 나와요 🥵") -> None:
    user.says("/start")
    if "lang:en" in user.buttons():  # the first /start asks the language
        user.presses("lang:en")
    user.presses("menu:report")
    if "phone number" in user.last_text():  # a chat not linked to a customer yet
        user.shares_contact("+82 10-3000-0001")
    if user.last_text() == "What is your name?":
        user.says("Hong Gildong")
    # A small catalogue offers its models at once (issue 16): the first, AC-1.
    user.presses(next(b for b in user.buttons() if b.startswith("dlg:product:product:")))
    user.says("sn-001")
    user.says("2026-01-10")
    user.says(description)
    user.sends_photo()
    user.says("서울 중구 세종대로 110")  # in Seoul: the city zone, not asked (issue 16)
    user.shares_location(37.5665, 126.978)


def test_whole_fault_report_from_start_to_case_number(
    database: Database, people: Personas, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    catalogue(people)
    user = telegram_user(1001, language_code="en")
    report_until_confirm(user)
    summary = user.last_text()
    assert "Please check your report" in summary and "AC-1 unit (AC-1)" in summary
    assert user.buttons() == ["dlg:confirm:yes", "dlg:confirm:change", "dlg:confirm:no"]
    user.presses("dlg:confirm:yes")
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.channel == "telegram" and case.customer.telegram_chat_id == 1001
        assert (case.lat, case.lon) == (37.5665, 126.978)
        assert case.media == [{"kind": "photo", "file_id": "big-id"}]
        assert case.customer.language == "en"
        number = case.number
    closing = user.last_text()
    assert f"Your repair request {number} is registered." in closing
    assert "Free of charge (under warranty)." in closing  # bought 2026-01, 24 months (R4.3)
    assert "A technician will arrive by Wed 25 Nov 16:00" in closing  # 6 working hours (R7.14)
    # The backend's own confirmation went to this chat, so it is not said twice.
    assert sum(number in text for text in bot_api.texts(1001)) == 1
    # The phone number was asked with a contact-sharing button (contract).
    contact_prompt = next(
        c for c in bot_api.of("sendMessage", 1001) if "phone number" in c.params["text"]
    )
    assert contact_prompt.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    # Every button press was answered (the spinner stops).
    assert len(bot_api.of("answerCallbackQuery")) == 4  # language, menu, product, register


def test_korean_is_the_default_and_the_choice_is_remembered(
    database: Database, people: Personas, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    user = telegram_user(1002)
    user.says("/start")
    assert user.buttons() == ["lang:ko", "lang:en"]
    user.presses("lang:ko")
    assert "무엇을 도와드릴까요?" in user.last_text()
    user.says("/start")
    assert user.buttons() == [
        "menu:report",
        "menu:complaint",
        "menu:status",
        "menu:rate",
        "menu:suggest",
        "menu:return",
    ]
    user.says("/language")
    user.presses("lang:en")
    user.says("/report")
    assert user.last_text() == "What phone number can we reach you on?"


def test_the_same_update_three_times_makes_one_case(
    database: Database, people: Personas, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    catalogue(people)
    user = telegram_user(1003, language_code="en")
    report_until_confirm(user)
    shown = bot_api.message_with_button(1003, "dlg:confirm:yes")
    from datetime import UTC, datetime

    from telegram import CallbackQuery, Message, User

    from tests.telegram.fake_bot_api import BOT_USER

    query = CallbackQuery(
        id="cb-once",
        from_user=user.user,
        chat_instance="ci",
        data="dlg:confirm:yes",
        message=Message(
            message_id=shown.result["message_id"],
            date=datetime.now(UTC),
            chat=user.chat,
            from_user=User(**BOT_USER),
        ),
    )
    update = user.update(callback_query=query)
    answers = [user.post(update) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.get_json().get("duplicate", False) for a in answers] == [False, True, True]
    with database.session() as session:
        assert session.scalar(select(func.count(Case.id))) == 1
        assert (
            session.scalar(
                select(func.count(InboundUpdate.id)).where(
                    InboundUpdate.update_id == update.update_id
                )
            )
            == 1
        )
        intake_messages = session.scalar(
            select(func.count(OutboundMessage.id)).where(
                OutboundMessage.payload["text"].as_string().like("%is registered%")
            )
        )
        assert intake_messages == 1
