"""R5.3 in Telegram: a technician resolving with a part their van lacks is asked again in their
language, and nothing leaves stock; with the part on the van it is taken off."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from backend.stock.service import quantity_on_hand
from tests.factories import Personas, receive
from tests.telegram.test_jobs import CUSTOMER, TECHNICIAN
from tests.telegram.test_report import report_until_confirm


def test_r5_3_resolving_with_a_part_the_van_lacks_is_asked_again(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any
) -> None:
    people.product("AC-1", stock=0)
    technician_id = people.technician(name="김민수", van_stock=0)
    with database.session() as session:
        receive(session, "COMP", f"van:{technician_id}", 1)
    code = tg_app.test_client().post(
        f"/api/v1/technicians/{technician_id}/link-code", headers=people.headers("repair_manager")
    )
    tech = telegram_user(TECHNICIAN, first_name="민수")
    tech.says(f"/link {code.get_json()['code']}")
    customer = telegram_user(CUSTOMER, language_code="en")
    report_until_confirm(customer)
    customer.presses("dlg:confirm:yes")
    number = customer.last_text().split("Your repair request ")[1].split()[0]
    for action in ("accept", "depart", "arrive", "resolve"):
        tech.presses(f"job:{action}:{number}")
    tech.presses("dlg:parts:part:COMP")
    tech.presses("dlg:parts:part:FAN")  # none on the van
    tech.presses("dlg:parts:done")
    tech.says("1")
    tech.presses("dlg:confirm:yes")
    assert "선택한 부품이 차량 재고에 없습니다" in tech.last_text()
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.status == "on_site"
        assert quantity_on_hand(session, "COMP", f"van:{technician_id}") == 1  # undone too
