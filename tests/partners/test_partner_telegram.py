"""R1.4: a partner's staff work the job they were offered through the same Telegram job buttons as
our technicians (the fake Bot API), and the job counts in the partner's monthly statement."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from tests.factories import Personas
from tests.partners.conftest import add_partner
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_report import report_until_confirm

CUSTOMER, PARTNER_CHAT = 1001, 2101


def test_r1_4_the_partner_gets_the_job_no_own_technician_can_take_and_works_it_with_the_buttons(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    client = tg_app.test_client()
    people.product("AC-1")
    # Our only technician is trained for televisions: nobody of ours can reach this job in time.
    people.technician("김티비", phone="010-2000-0001", lines={"television": date(2030, 1, 1)})
    _partner, staff = add_partner(client, people, "한빛서비스")
    code = client.post(
        f"/api/v1/technicians/{staff}/link-code", headers=people.headers("repair_manager")
    ).get_json()["code"]
    partner = telegram_user(PARTNER_CHAT, first_name="빛나")
    partner.says(f"/link {code}")
    customer = telegram_user(CUSTOMER, language_code="en")
    report_until_confirm(customer)
    customer.presses("dlg:confirm:yes")
    number = customer.last_text().split("Your repair request ")[1].split()[0]

    card = bot_api.message_with_button(PARTNER_CHAT, f"job:accept:{number}")
    assert number in card.params["text"]
    partner.presses(f"job:accept:{number}")
    partner.presses(f"job:depart:{number}")
    assert any("on the way" in t for t in bot_api.texts(CUSTOMER))
    partner.presses(f"job:arrive:{number}")
    partner.presses(f"job:resolve:{number}")
    partner.presses("dlg:parts:done")
    partner.presses("dlg:hours:2")
    partner.presses("dlg:confirm:yes")
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.status == "resolved"
        assert case.assigned_technician_id == staff and case.work_hours == 2
        assert [e.action for e in case.events][-4:] == ["accept", "depart", "arrive", "resolve"]
        assert all(e.channel == "telegram" for e in case.events[-4:])

    statement = client.get(
        "/api/v1/partners/statement?month=2026-11", headers=people.headers("repair_manager")
    ).get_json()
    assert [(i["case_number"], i["owed"]) for i in statement["items"]] == [
        (number, 25_000 + 2 * 18_000)  # the contract's call-out and two hours at its rate
    ]
