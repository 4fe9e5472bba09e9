"""Finding 5 (issue 9): a phone number typed in Telegram is not an identity.

Typing someone else's number during /report must not change their stored record, message them,
or show their address; /status with a typed number (or a contact shared from another account)
lists nothing; a private chat is served only when its sender is the chat.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from telegram import Chat, Message, User

from backend.cases.models import Case
from backend.db import Database
from backend.inbox.models import TelegramChat
from backend.outbox.models import OutboundMessage
from backend.people.models import Customer
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas
from tests.ivr.jobs import open_repair
from tests.telegram.fake_bot_api import FakeBotApi

VICTIM_PHONE = "010-3000-0001"
VICTIM_E164 = "+821030000001"
VICTIM_ADDRESS = "서울 중구 세종대로 110"  # open_repair's address
TYPED_ADDRESS = "부산 해운대구 우동 1"


def victim_case(database: Database, settings: Settings, clock: Clock, people: Personas) -> str:
    """The real owner of VICTIM_PHONE, with an assigned repair registered by phone."""
    people.product("AC-1")
    people.technician()
    return open_repair(database, settings, at=clock(), phone=VICTIM_PHONE, name="홍길동")


def report_with(user: Any, identify: Any) -> str:
    """A whole /report whose phone step is answered by `identify(user)`; the closing text."""
    user.says("/start")
    if "lang:en" in user.buttons():
        user.presses("lang:en")
    user.presses("menu:report")
    assert "phone number" in user.last_text()
    identify(user)
    if user.last_text() == "What is your name?":
        user.says("Mallory")
    user.presses(next(b for b in user.buttons() if b.startswith("dlg:product:product:")))
    user.says("sn-999")
    user.says("2026-01-10")
    user.says("it is broken")
    user.sends_photo()
    user.says(TYPED_ADDRESS)
    if "dlg:zone:city" in user.buttons():  # an address outside Seoul and Gyeonggi
        user.presses("dlg:zone:city")
    user.shares_location(35.16, 129.16)
    user.presses("dlg:confirm:yes")
    return user.last_text()


def assert_victim_untouched(database: Database, bot_api: FakeBotApi, impostor: Any) -> None:
    with database.session() as session:
        victim = session.scalars(select(Customer).where(Customer.phone == VICTIM_E164)).one()
        assert (victim.name, victim.address, victim.language) == ("홍길동", VICTIM_ADDRESS, "ko")
        assert victim.telegram_chat_id is None  # the impostor's chat is not linked to them
        filed = session.scalars(select(Case).where(Case.channel == "telegram")).one()
        # The case keeps what was typed, and is marked for staff.
        assert filed.identity_verified is False
        assert filed.reported_as == {
            "name": "Mallory",
            "phone": VICTIM_E164,
            "chat": impostor.chat_id,
        }
        assert filed.address == TYPED_ADDRESS
        # No SMS (nor any other message) to the number's owner: the chat's closing prompt is
        # the only confirmation.
        to_victim = session.scalars(
            select(OutboundMessage).where(OutboundMessage.case_id == filed.id)
        ).all()
        assert to_victim == []
        number = filed.number
    said = "\n".join(bot_api.texts(impostor.chat_id))
    assert f"Your repair request {number} is registered." in said
    assert VICTIM_ADDRESS not in said and "홍길동" not in said


def test_finding5_typed_number_in_report_does_not_overwrite_or_message_the_customer(
    database: Database,
    settings: Settings,
    clock: Clock,
    people: Personas,
    telegram_user: Any,
    bot_api: FakeBotApi,
) -> None:
    victim_case(database, settings, clock, people)
    impostor = telegram_user(5001, language_code="en")
    report_with(impostor, lambda user: user.says(VICTIM_PHONE))
    assert_victim_untouched(database, bot_api, impostor)


def test_finding5_someone_elses_shared_contact_counts_as_typed(
    database: Database,
    settings: Settings,
    clock: Clock,
    people: Personas,
    telegram_user: Any,
    bot_api: FakeBotApi,
) -> None:
    victim_case(database, settings, clock, people)
    impostor = telegram_user(5002, language_code="en")
    # A contact card of another Telegram user (contact.user_id != sender): proves nothing.
    report_with(impostor, lambda user: user.shares_contact("+82 10-3000-0001", own=False))
    assert_victim_untouched(database, bot_api, impostor)


def test_finding5_dashboard_and_api_show_an_unverified_report(
    database: Database,
    settings: Settings,
    clock: Clock,
    people: Personas,
    telegram_user: Any,
) -> None:
    victim_case(database, settings, clock, people)
    impostor = telegram_user(5003, language_code="en")
    report_with(impostor, lambda user: user.says(VICTIM_PHONE))
    with database.session() as session:
        number = session.scalars(select(Case.number).where(Case.channel == "telegram")).one()
    client = impostor.client
    answer = client.get(f"/api/v1/cases/{number}", headers=people.headers("service_director"))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["identity_verified"] is False
    assert body["reported_as"] == {
        "name": "Mallory",
        "phone": VICTIM_E164,
        "chat": impostor.chat_id,
    }


def test_finding5_status_with_a_typed_number_lists_nothing(
    database: Database,
    settings: Settings,
    clock: Clock,
    people: Personas,
    telegram_user: Any,
    bot_api: FakeBotApi,
) -> None:
    number = victim_case(database, settings, clock, people)
    stranger = telegram_user(5004, language_code="en")
    stranger.says("/status")
    assert stranger.last_text() == "What phone number can we reach you on?"
    stranger.says(VICTIM_PHONE)
    assert "share your contact" in stranger.last_text()
    stranger.shares_contact("+82 10-3000-0001", own=False)  # someone else's card
    assert "share your contact" in stranger.last_text()
    assert all(number not in text for text in bot_api.texts(stranger.chat_id))


def test_finding5_status_with_the_own_contact_lists_the_cases(
    database: Database,
    settings: Settings,
    clock: Clock,
    people: Personas,
    telegram_user: Any,
) -> None:
    """The counterpart: the owner sharing their own contact sees their case in full."""
    number = victim_case(database, settings, clock, people)
    owner = telegram_user(5005, language_code="en")
    owner.says("/status")
    owner.shares_contact("+82 10-3000-0001")
    text = owner.last_text()
    assert text.startswith("Your cases:") and number in text and "technician 민수" in text


def test_finding5_a_sender_who_is_not_the_private_chat_is_refused(
    database: Database,
    settings: Settings,
    clock: Clock,
    people: Personas,
    telegram_user: Any,
    bot_api: FakeBotApi,
) -> None:
    number = victim_case(database, settings, clock, people)
    owner = telegram_user(5006, language_code="en")
    owner.says("/status")
    owner.shares_contact("+82 10-3000-0001")  # the owner's chat, verified
    assert number in owner.last_text()
    other = User(id=5007, first_name="Eve", is_bot=False, language_code="en")
    forged = Message(
        message_id=99,
        date=datetime.now(UTC),
        chat=Chat(id=owner.chat_id, type="private"),
        from_user=other,
        text="/status",
    )
    before = len(bot_api.texts(owner.chat_id))
    owner.post(owner.update(message=forged))
    replies = bot_api.texts(owner.chat_id)[before:]
    assert replies == [
        "For your privacy I only answer in a private chat with you. Please write to me directly."
    ]


def test_finding5_a_group_chat_is_not_served(
    database: Database, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    user = telegram_user(5008, language_code="en")
    group = Message(
        message_id=7,
        date=datetime.now(UTC),
        chat=Chat(id=-5008, type="group"),
        from_user=user.user,
        text="/status",
    )
    assert user.post(user.update(message=group)).status_code == 200
    assert bot_api.texts(-5008) == []
    with database.session() as session:
        assert session.get(TelegramChat, -5008) is None
