"""/suggest in Telegram (R2.10, R9.3): the same channel-neutral dialogue as on the phone; the
outcome of the evaluation comes back to the chat."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from tests.factories import Personas, act


def test_r9_3_a_suggestion_by_telegram_is_registered_and_its_outcome_told_in_the_chat(
    telegram_user: Any, database: Database, client: FlaskClient, people: Personas
) -> None:
    user = telegram_user(1201, language_code="en")
    user.says("/start")
    user.presses("lang:en")
    user.says("/suggest")
    assert "phone number" in user.last_text()
    user.shares_contact("+82 10-3000-0001")
    if user.last_text() == "What is your name?":
        user.says("Hong Gildong")
    assert "suggestion" in user.last_text()
    user.says("A spare filter in the box would help.")
    assert "is registered" in user.last_text()
    with database.session() as session:
        case = session.scalars(select(Case).where(Case.kind == "suggestion")).one()
        number = case.number
        assert case.channel == "telegram"
    assert number in user.last_text()
    director = people.headers("service_director")
    act(client, director, number, "evaluate", {"decision": "accepted", "note": "From May on."})
    act(client, director, number, "reward", {"reward_amount": 10_000})
    user.says("/status")  # any update delivers what the outbox holds for the chat
    assert any("10,000 KRW" in text for text in user.api.texts(user.chat_id))
