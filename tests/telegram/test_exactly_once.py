"""Nothing happens twice in Telegram (issue 9): two taps on "yes, register it" make one case
(finding 6), wrong link codes sent at once are counted one by one (finding 8).

The threads are real concurrency on PostgreSQL (TEST_DATABASE_URL); on SQLite the database's
write lock serializes them, and the outcome must be the same."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from telegram import CallbackQuery, Message, Update, User

import backend.casework.flows as casework_flows
from backend.app import create_app
from backend.cases.models import Case
from backend.db import Database
from backend.dialogues import flows as dialogue_flows
from backend.dialogues.engine import Answer, Context
from backend.dialogues.models import Conversation
from backend.fieldwork.links import LINK_ATTEMPTS
from backend.inbox.models import InboundUpdate
from backend.outbox.models import OutboundMessage
from backend.settings import Settings
from tests.concurrency import at_once, own_databases
from tests.conftest import Clock
from tests.factories import Personas
from tests.telegram.conftest import SECRET
from tests.telegram.fake_bot_api import BOT_USER, FakeBotApi
from tests.telegram.test_report import catalogue, report_until_confirm

_update_ids = itertools.count(90_000)
REGISTERED = "Your repair request {} is registered."


def tap(user: Any, bot_api: FakeBotApi, callback_data: str) -> dict[str, Any]:
    """A fresh update pressing `callback_data` on the bot's latest message that shows it."""
    shown = bot_api.message_with_button(user.chat_id, callback_data)
    query = CallbackQuery(
        id=f"cb-once-{next(_update_ids)}",
        from_user=user.user,
        chat_instance="ci",
        data=callback_data,
        message=Message(
            message_id=shown.result["message_id"],
            date=datetime.now(UTC),
            chat=user.chat,
            from_user=User(**BOT_USER),
        ),
    )
    update: dict[str, Any] = Update(update_id=next(_update_ids), callback_query=query).to_dict()
    return update


def typed(user: Any, text: str) -> dict[str, Any]:
    update: dict[str, Any] = Update(
        update_id=next(_update_ids), message=user.message(text=text)
    ).to_dict()
    return update


def clients_of(databases: list[Database], tg_settings: Settings, clock: Clock) -> list[FlaskClient]:
    return [
        create_app({"settings": tg_settings, "database": own, "clock": clock}).test_client()
        for own in databases
    ]


def post(client: FlaskClient, update: dict[str, Any]) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    return client.post("/telegram/webhook", json=update, headers=headers).status_code


def replies(database: Database, chat_id: int) -> list[str]:
    with database.session() as session:
        rows = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.recipient == str(chat_id))
            .order_by(OutboundMessage.id)
        ).all()
        return [str(row.payload.get("text", "")) for row in rows]


def test_finding_6_two_taps_on_register_at_once_make_one_case(
    database_url: str,
    database: Database,
    people: Personas,
    telegram_user: Any,
    bot_api: FakeBotApi,
    tg_settings: Settings,
    clock: Clock,
) -> None:
    catalogue(people)
    user = telegram_user(1101, language_code="en")
    report_until_confirm(user)
    taps = [tap(user, bot_api, "dlg:confirm:yes") for _ in range(2)]
    with own_databases(database_url, len(taps)) as databases:
        clients = clients_of(databases, tg_settings, clock)
        statuses = at_once([partial(post, c, u) for c, u in zip(clients, taps, strict=True)])
    assert statuses == [200, 200]
    with database.session() as session:
        case = session.scalars(select(Case)).one()  # one case, not two
        number = case.number
        assert [event.action for event in case.events].count("intake") == 1
    said = [text for text in replies(database, 1101) if "is registered" in text]
    # The first tap registers it; a second one either names the same case (when both ran at
    # once) or finds the question closed.
    assert said and all(REGISTERED.format(number) in text for text in said)


def test_finding_6_a_confirmation_racing_a_committed_one_answers_with_its_case(
    database: Database,
    people: Personas,
    telegram_user: Any,
    tg_settings: Settings,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The loser of the race, step by step: it read the conversation while the question was
    open, did not see the winner's case when it looked, and collides with it on insert."""
    catalogue(people)
    user = telegram_user(1102, language_code="en")
    report_until_confirm(user)
    with database.session() as late:  # the second request has read the open question …
        conversation = late.scalars(
            select(Conversation).where(Conversation.address == "1102")
        ).one()
        assert conversation.step == "confirm"
    user.presses("dlg:confirm:yes")  # … while the first registers the case and commits
    with database.session() as session:
        first = session.scalars(select(Case.number)).one()
    real_lookup = casework_flows.case_of_intake
    lookups: list[str] = []

    def looked_just_before_that_commit(session: Session, key: str) -> Case | None:
        lookups.append(key)
        return None if len(lookups) == 1 else real_lookup(session, key)

    monkeypatch.setattr(casework_flows, "case_of_intake", looked_just_before_that_commit)
    with database.session() as late:
        late.add(conversation)
        ctx = Context(late, tg_settings, clock(), "telegram", conversation)
        step = dialogue_flows.answer(ctx, Answer(choice="yes"))
    assert step.refusal is None and step.prompt is not None
    assert step.prompt.result is not None and step.prompt.result["case_number"] == first
    assert len(lookups) == 2  # it did collide, and then read the winner's case
    with database.session() as session:
        assert session.scalar(select(func.count(Case.id))) == 1
    # What the loser did was undone, the case number it drew included.
    second = telegram_user(1103, language_code="en")
    report_until_confirm(second)
    second.presses("dlg:confirm:yes")
    with database.session() as session:
        assert sorted(session.scalars(select(Case.number))) == [first, "AS-2026-000002"]


def test_finding_6_a_report_started_again_in_the_same_chat_is_a_new_case(
    database: Database, people: Personas, telegram_user: Any
) -> None:
    """The key is per run of the dialogue, not per chat: a second report is a second case."""
    catalogue(people)
    user = telegram_user(1104, language_code="en")
    for _ in range(2):
        report_until_confirm(user)
        user.presses("dlg:confirm:yes")
    with database.session() as session:
        keys = list(session.scalars(select(Case.intake_key)))
    assert len(keys) == 2 and len(set(keys)) == 2 and all(keys)


def test_finding_8_thirty_wrong_link_codes_at_once_are_five_tries(
    database_url: str,
    database: Database,
    people: Personas,
    telegram_user: Any,
    tg_settings: Settings,
    clock: Clock,
) -> None:
    user = telegram_user(1201, language_code="en")  # a chat the bot has never seen
    threads, per_thread = 10, 3
    codes = [
        [typed(user, f"/link WRNG-{t}{n:02d}") for n in range(per_thread)] for t in range(threads)
    ]

    def send_all(client: FlaskClient, updates: list[dict[str, Any]]) -> list[int]:
        return [post(client, update) for update in updates]

    with own_databases(database_url, threads) as databases:
        clients = clients_of(databases, tg_settings, clock)
        statuses = at_once([partial(send_all, c, u) for c, u in zip(clients, codes, strict=True)])
    assert [s for batch in statuses for s in batch] == [200] * threads * per_thread
    with database.session() as session:  # the chat's record was added once, by one of them
        assert set(session.scalars(select(InboundUpdate.status))) == {"done"}
    said = replies(database, 1201)
    tried = [text for text in said if text == "This code is not valid or has expired."]
    refused = [text for text in said if text == "Too many wrong codes. Please try again later."]
    assert (len(tried), len(refused)) == (LINK_ATTEMPTS, threads * per_thread - LINK_ATTEMPTS)
