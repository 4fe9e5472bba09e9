"""The customer answers a quote with its Telegram buttons (R4.11); the buttons go once pressed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from bot.render import SKIP
from tests.factories import FOR_THE_TECHNICIAN, Personas
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_jobs import CUSTOMER, linked_technician, reported_case

FAN_ONLY = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1}


def _quoted_paid_job(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any
) -> tuple[Any, str]:
    """A customer's Telegram report, made paid service (A), on site and quoted by the manager."""
    people.technician()
    customer, number = reported_case(people, telegram_user)
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        case.service_category = "A"
    client, manager = tg_app.test_client(), people.headers("repair_manager")
    for action, body in [("accept", {}), ("arrive", {}), ("quote", FAN_ONLY)]:
        answer = client.post(
            f"/api/v1/cases/{number}/actions/{action}",
            headers=manager,
            json={**FOR_THE_TECHNICIAN, **body},
        )
        assert answer.status_code == 200, answer.get_json()
    return customer, number


def test_r4_11_the_customer_accepts_the_quote_with_the_telegram_button(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    customer, number = _quoted_paid_job(database, people, tg_app, telegram_user)
    customer.says("/start")  # the worker delivers what is queued; the quote is among it
    shown = bot_api.message_with_button(CUSTOMER, f"quote:accept_quote:{number}")
    # The fan is still under its own warranty: only labour and the call-out are quoted.
    assert "50,000 KRW" in shown.params["text"] and "call-out: 20,000" in shown.params["text"]
    customer.presses(f"quote:accept_quote:{number}")
    assert "you accepted the quote" in customer.last_text()
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.quote is not None
        assert (case.quote["status"], case.quote["channel"]) == ("accepted", "telegram")
        assert case.events[-1].action == "accept_quote" and case.events[-1].channel == "telegram"
    assert not bot_api.markups[shown.result["message_id"]]  # pressed once: no buttons left


def test_r4_11_a_decline_in_telegram_ends_the_visit_with_the_call_out(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    customer, number = _quoted_paid_job(database, people, tg_app, telegram_user)
    customer.says("/start")
    customer.presses(f"quote:decline_quote:{number}")
    assert "Only the call-out fee is charged" in customer.last_text()
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.status == "resolved"
        assert case.charges is not None and case.charges["total"] == 20_000


def test_r4_11_a_paid_repair_runs_quote_consent_work_and_payment_in_telegram(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    """The technician quotes from buttons, the customer accepts, the work is resolved, the
    technician records cash; the customer gets the receipt link (R4.11, R7.5)."""
    tech = linked_technician(people, tg_app.test_client(), telegram_user)
    customer, number = reported_case(people, telegram_user)
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        case.service_category = "A"
    for action in ("accept", "arrive"):
        tech.presses(f"job:{action}:{number}")
    tech.presses(f"job:resolve:{number}")  # chargeable work before consent: refused
    tech.presses("dlg:parts:done")
    tech.presses("dlg:hours:1")
    tech.presses(f"dlg:fee:{SKIP}")
    tech.presses("dlg:confirm:yes")
    assert "quote" in tech.last_text()
    tech.presses(f"job:quote:{number}")
    tech.presses("dlg:parts:done")
    tech.presses("dlg:hours:1")
    tech.presses("dlg:confirm:yes")
    assert "고객에게 보냈습니다" in tech.last_text()  # the technician reads Korean
    customer.presses(f"quote:accept_quote:{number}")
    tech.presses(f"job:resolve:{number}")
    tech.presses("dlg:parts:done")
    tech.presses("dlg:hours:1")
    tech.presses(f"dlg:fee:{SKIP}")
    tech.presses("dlg:confirm:yes")
    assert "50,000" in tech.last_text()
    tech.presses(f"job:pay:{number}")
    tech.presses("dlg:method:cash")
    assert "INV-2026-000001" in tech.last_text()
    assert any("/invoice/" in text for text in bot_api.texts(CUSTOMER))
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.payment is not None
        assert (case.payment["method"], case.payment["amount"]) == ("cash", 50_000)
