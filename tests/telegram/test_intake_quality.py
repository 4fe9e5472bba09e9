"""R4.5 in Telegram: a blank description of the fault, or a blank address, is asked again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from tests.factories import Personas


def test_r4_5_a_blank_fault_or_address_is_asked_again_in_telegram(
    database: Database, people: Personas, telegram_user: Any
) -> None:
    people.product("AC-1")
    people.technician()
    user = telegram_user(1001, language_code="en")
    user.says("/start")
    if "lang:en" in user.buttons():
        user.presses("lang:en")
    user.presses("menu:report")
    user.shares_contact("+82 10-3000-0001")  # the name comes with the contact card
    user.presses(next(b for b in user.buttons() if b.startswith("dlg:product:product:")))
    user.says("sn-001")
    user.says("2026-01-10")
    assert "describe the fault" in user.last_text()
    user.says("   ")
    assert "Please answer in a few words." in user.last_text()
    assert "describe the fault" in user.last_text()
    user.says("It blows warm air")
    user.presses("dlg:photo:__skip")
    assert "address" in user.last_text()
    user.says("  ")
    assert "address" in user.last_text()
    with database.session() as session:
        assert session.scalar(select(Case.id)) is None
