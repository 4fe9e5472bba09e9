"""Customers in Telegram: complaint, my cases, the which-case question, and everything odd that
Telegram can deliver (wrong secret, malformed or edited updates, stickers, groups, long text)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from telegram import Chat, Message, Sticker

from backend.app import create_app
from backend.cases.models import Case, CaseEvent
from backend.db import Database
from backend.dialogues.models import Conversation
from backend.inbox.models import InboundUpdate
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas
from tests.telegram.conftest import TelegramUser
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_report import catalogue, report_until_confirm


def registered_case(user: Any) -> str:
    report_until_confirm(user)
    user.presses("dlg:confirm:yes")
    return user.last_text().split("Your repair request ")[1].split()[0]


def test_complaint_answers_with_the_case_number_and_who_handles_it(
    database: Database, telegram_user: Any, people: Personas
) -> None:
    user = telegram_user(1101)
    user.says("/start")
    user.presses("lang:ko")
    user.says("/complaint")
    user.says("010-3000-0005")  # typed numbers are accepted and validated too
    user.says("이영희")
    assert "어떤 내용의 불만인가요?" in user.last_text()
    user.presses("dlg:topic:staff_attitude")
    user.presses("dlg:severity:major")
    user.says("기사님이 너무 불친절했어요 😡")
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert (case.kind, case.topic, case.severity) == ("complaint", "staff_attitude", "major")
        assert case.priority == "urgent" and case.department == "marketing"  # R2.7, R2.9
    closing = user.last_text()
    assert f"불만 {case.number} 건이 접수되었습니다." in closing
    assert "마케팅부에서 처리하며" in closing and "우선 처리" in closing


def test_my_cases_lists_status_technician_and_eta(
    database: Database, telegram_user: Any, people: Personas
) -> None:
    catalogue(people)
    user = telegram_user(1102, language_code="en")
    number = registered_case(user)
    user.says("/status")
    text = user.last_text()
    assert text.startswith("Your cases:")
    assert (
        f"{number} (Repair): a technician is assigned, technician 민수, arriving by "
        "Wed 25 Nov 16:00" in text
    )  # the promised arrival, 6 working hours (R7.14)
    stranger = telegram_user(1199, language_code="en")
    stranger.says("/status")
    assert stranger.last_text() == "What phone number can we reach you on?"
    stranger.says("010-3000-0001")  # typed, not shared: nothing at all (finding 5, R6.5)
    assert number not in stranger.last_text() and "share your contact" in stranger.last_text()


def test_free_text_with_several_open_cases_asks_which_case_and_lands_in_its_history(
    database: Database, telegram_user: Any, people: Personas
) -> None:
    catalogue(people)
    user = telegram_user(1103, language_code="en")
    first = registered_case(user)
    second = registered_case(user)
    user.says("내일 오후 3시 이후에 와 주세요 🙏")
    assert user.last_text() == "Which case is your message about?"
    assert set(user.buttons()[:2]) == {f"dlg:case:case:{first}", f"dlg:case:case:{second}"}
    user.presses(f"dlg:case:case:{first}")
    assert f"added to case {first}" in user.last_text()
    with database.session() as session:
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.action == "customer_message")
        ).one()
        assert event.case.number == first and event.note == "내일 오후 3시 이후에 와 주세요 🙏"
        assert event.channel == "telegram" and event.actor.startswith("customer:")


def test_wrong_or_missing_secret_is_refused_with_403(database: Database, tg_app: Flask) -> None:
    client = tg_app.test_client()
    body = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "/start",
            "chat": {"id": 5, "type": "private"},
        },
    }
    wrong = client.post(
        "/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
    )
    missing = client.post("/telegram/webhook", json=body)
    assert (wrong.status_code, missing.status_code) == (403, 403)
    with database.session() as session:
        assert session.scalar(select(func.count(InboundUpdate.id))) == 0


def test_odd_updates_get_a_clear_reply_or_are_ignored_never_a_500(
    database: Database, telegram_user: Any, people: Personas, bot_api: FakeBotApi
) -> None:
    catalogue(people)
    user: TelegramUser = telegram_user(1104, language_code="en")
    for body in ("not json", [1, 2], {"update_id": "x"}, {"no": "update id"}):
        answer = user.client.post(
            "/telegram/webhook",
            data=body if isinstance(body, str) else None,
            json=None if isinstance(body, str) else body,
            headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-webhook-token"},
        )
        assert answer.status_code == 200
    malformed = user.post({"update_id": 77, "message": {"text": "no chat, no date"}})
    assert malformed.status_code == 200
    edited = user.post(user.update(edited_message=user.message(text="edited")))
    group = Message(
        message_id=9,
        date=datetime.now(UTC),
        chat=Chat(id=-100, type="group"),
        from_user=user.user,
        text="/report",
    )
    in_group = user.post(user.update(message=group))
    assert (edited.status_code, in_group.status_code) == (200, 200)
    assert bot_api.calls == []  # ignored: no reply at all
    sticker = Sticker("st", "stu", 512, 512, False, False, "regular")
    user.post(user.update(message=user.message(sticker=sticker)))
    assert "I did not understand that" in user.last_text()  # help, not silence
    report_until_confirm(user, description="🔥" * 10 + "가" * 4990)  # 5,000 characters
    user.presses("dlg:confirm:yes")
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert len(case.description) == 5000 and case.description.startswith("🔥")
    user.says("/report")
    too_long = "x" * 5001
    for step_text in ("AC-1", "SN-9"):
        user.says(step_text)
    user.presses("dlg:purchase_date:__skip")
    user.says(too_long)
    assert "at most 5,000 characters" in user.last_text()
    user.post(user.update(message=user.message(sticker=sticker)))
    assert "Please answer in a few words." in user.last_text()  # a sticker mid-report: re-asked
    with database.session() as session:
        assert (
            session.scalar(
                select(func.count(InboundUpdate.id)).where(InboundUpdate.status != "done")
            )
            == 0
        )


def test_a_restart_in_the_middle_of_a_report_continues_it(
    database: Database,
    tg_settings: Settings,
    clock: Clock,
    telegram_user: Any,
    people: Personas,
    bot_api: FakeBotApi,
) -> None:
    catalogue(people)
    user = telegram_user(1105, language_code="en")
    user.says("/start")
    user.presses("lang:en")
    user.says("/report")
    user.shares_contact("+82 10-3000-0007")  # the contact card names them: no name question
    # The web process restarts: a new app and a new database engine, the same database.
    restarted_db = Database(tg_settings.database_url)
    app = create_app({"settings": tg_settings, "database": restarted_db, "clock": clock})
    after = TelegramUser(
        app.test_client(), restarted_db, user.transport, bot_api, 1105, language_code="en"
    )
    after.says("RF-800")  # the product question was pending: the typed model answers it
    assert after.last_text() == "What is the serial number? It is on the label of the product."
    with restarted_db.session() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert (conversation.dialogue, conversation.step) == ("intake", "serial")
        assert conversation.data["name"] == "길동"  # the first name on the shared contact
    restarted_db.dispose()


def test_cancel_leaves_the_report_and_help_follows_a_message_out_of_context(
    database: Database, telegram_user: Any, people: Personas
) -> None:
    catalogue(people)
    user = telegram_user(1106, language_code="en")
    user.says("/report")
    user.says("010-3000-0008")
    user.says("/cancel")
    assert user.last_text() == "Stopped. Nothing more will be asked."
    with database.session() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.dialogue is None and conversation.data == {}
    user.says("hello?")
    assert "I did not understand that" in user.last_text()
    assert "menu:report" in user.buttons()
    user.says("/frobnicate")
    assert "I did not understand that" in user.last_text()
    with database.session() as session:
        assert session.scalar(select(func.count(Case.id))) == 0
