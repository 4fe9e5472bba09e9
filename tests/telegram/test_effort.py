"""Issue 16 in Telegram: a known customer reports with a registered unit in five interactions, a
typed number is a new customer, the summary is corrected in place, and an unassignable case
never promises an arrival time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from backend.tasks.models import Task
from tests.factories import Personas
from tests.telegram.fake_bot_api import FakeBotApi


class Counted:
    """A Telegram user whose every update (a message, a shared contact, a button) is counted."""

    def __init__(self, user: Any) -> None:
        self.user, self.interactions = user, 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.user, name)
        if name in ("says", "shares_contact", "shares_location", "sends_photo", "presses"):

            def counted(*args: Any, **kwargs: Any) -> Any:
                self.interactions += 1
                return attribute(*args, **kwargs)

            return counted
        return attribute


def first_report(user: Any) -> None:
    """A new customer's report: /report, contact, product, serial, date, fault with a photo,
    address (in Seoul: the zone is not asked), location, register."""
    user.says("/report")
    user.shares_contact("+82 10-3000-0001")  # the name comes with the contact card
    user.presses(next(b for b in user.buttons() if b.startswith("dlg:product:product:")))
    user.says("sn-001")
    user.says("2026-01-10")
    user.sends_photo(caption="찬바람이 안 나와요")
    user.says("서울 중구 세종대로 110")
    user.shares_location(37.5665, 126.978)
    user.presses("dlg:confirm:yes")


def test_a_first_report_takes_at_most_ten_interactions(
    database: Database, people: Personas, telegram_user: Any
) -> None:
    people.product("AC-1")
    people.product("RF-800", line="refrigerator")
    people.technician()
    user = Counted(telegram_user(1601, language_code="en"))
    first_report(user)
    assert "is registered" in user.last_text() and user.interactions <= 10
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.customer.name == "길동" and case.zone == "city"
        assert case.media == [{"kind": "photo", "file_id": "big-id"}]


def test_a_known_customer_reports_with_a_registered_unit_in_five_interactions(
    database: Database, people: Personas, telegram_user: Any
) -> None:
    people.product("AC-1")
    people.technician()
    first_report(telegram_user(1602, language_code="en"))
    user = Counted(telegram_user(1602, language_code="en"))
    user.says("/report")  # 1: the chat is linked to the customer
    unit = next(b for b in user.buttons() if b.startswith("dlg:product:unit:"))
    assert "bought January 2026" in str(user.api.last_message(1602).params["reply_markup"])
    user.presses(unit)  # 2: the unit tells product, serial and purchase date
    user.says("얼음이 안 얼어요")  # 3: the fault
    user.presses("dlg:photo:__skip")  # 4
    summary = user.last_text()
    assert "세종대로" in summary  # the address on file, confirmed with the summary
    user.presses("dlg:confirm:yes")  # 5
    assert "is registered" in user.last_text() and user.interactions == 5
    with database.session() as session:
        second = session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert second is not None and second.unit is not None
        assert second.unit.serial_number == "SN-001" and second.address == "서울 중구 세종대로 110"


def test_a_typed_number_of_a_known_customer_is_treated_as_new(
    database: Database, people: Personas, telegram_user: Any
) -> None:
    people.product("AC-1")
    people.technician()
    first_report(telegram_user(1603, language_code="en"))
    stranger = telegram_user(1604, language_code="en")
    stranger.says("/report")
    stranger.says("010-3000-0001")  # typed: proves nothing
    assert stranger.last_text() == "What is your name?"
    stranger.says("Mallory")
    assert not [b for b in stranger.buttons() if b.startswith("dlg:product:unit:")]
    assert "세종대로" not in " ".join(stranger.api.texts(1604))


def test_the_summary_is_corrected_in_place(
    database: Database, people: Personas, telegram_user: Any
) -> None:
    people.product("AC-1")
    people.technician()
    user = telegram_user(1605, language_code="en")
    user.says("/report")
    user.shares_contact("+82 10-3000-0005")
    user.presses(next(b for b in user.buttons() if b.startswith("dlg:product:product:")))
    user.presses("dlg:serial:__skip")
    user.presses("dlg:purchase_date:__skip")
    user.says("noise")
    user.presses("dlg:photo:__skip")
    user.says("서울 중구 세종대로 110")
    user.says("Skip")  # no location
    user.presses("dlg:confirm:change")
    user.presses("dlg:change:fault")
    user.says("loud noise and no cold air")
    user.presses("dlg:photo:__skip")
    assert "loud noise and no cold air" in user.last_text()  # the summary again
    user.presses("dlg:confirm:yes")
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.description == "loud noise and no cold air"


def test_an_unassignable_case_never_promises_an_arrival_in_telegram(
    database: Database, people: Personas, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    people.product("AC-1")  # no technician
    user = telegram_user(1606, language_code="en")
    first_report(user)
    closing = user.last_text()
    assert "will arrive" not in closing
    assert "our service desk will call you by Wed 25 Nov 12:00" in closing
    with database.session() as session:
        assert session.scalars(select(Task.kind).where(Task.kind == "promise_callback")).one()
