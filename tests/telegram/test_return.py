"""/return in Telegram (R3.1–R3.3, R2.3): the product, its purchase date and the reason; inside
the product line's window a return case for the after-sales department with the rule told;
past it, refused at once with the rule in words."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from backend.tasks.models import Task
from tests.factories import Personas


def _until_reason(user: Any, bought: str) -> None:
    user.says("/start")
    user.presses("lang:en")
    user.says("/return")
    user.shares_contact("+82 10-3000-0001")
    if user.last_text() == "What is your name?":
        user.says("Hong Gildong")
    user.presses(next(b for b in user.buttons() if b.startswith("dlg:product:product:")))
    user.says("sn-101")
    user.says(bought)


def test_r3_1_a_return_within_its_window_is_registered_with_the_rule_told(
    telegram_user: Any, database: Database, people: Personas
) -> None:
    people.product("AC-1")
    user = telegram_user(1301, language_code="en")
    _until_reason(user, "2026-11-20")  # five days before the test's Wednesday
    assert "Why would you like to return it" in user.last_text()
    user.says("The colour is not what I ordered.")
    closing = user.last_text()
    assert "Your return AS-2026-000001 is registered" in closing
    assert "within 14 days of purchase" in closing  # R3.2: the rule told at intake
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert (case.kind, case.channel, case.status) == ("return", "telegram", "received")
        assert case.description == "The colour is not what I ordered."
        task = session.scalars(select(Task).where(Task.case_id == case.id)).one()
        assert task.department == "service"  # R2.3: the after-sales department is told


def test_r3_2_a_return_past_its_window_is_refused_with_the_rule_in_words(
    telegram_user: Any, database: Database, people: Personas
) -> None:
    people.product("AC-1")
    user = telegram_user(1302, language_code="en")
    _until_reason(user, "2026-09-01")
    user.says("I changed my mind.")
    refusal = user.last_text()
    assert "bought too long ago" in refusal and "within 14 days of purchase" in refusal
    assert "R3" not in refusal
    with database.session() as session:
        assert session.scalars(select(Case)).all() == []
