"""The workshop in Telegram (R4.10, R7.6–R7.7): the technician takes the item with a button and is
told the receipt's number; the customer gets the goods receipt, and at the end confirms the
certificate in the chat — the signature recorded on the receipt."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.db import Database
from backend.outbox.worker import deliver_due
from backend.workshop.models import GoodsReceipt
from tests.conftest import Clock
from tests.factories import Personas, act
from tests.telegram.conftest import (  # noqa: F401 (the Telegram fixtures, used by name)
    bot_api,
    telegram_user,
    tg_app,
    tg_settings,
    transport,
)
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_jobs import CUSTOMER, linked_technician, reported_case
from tests.workshop.helpers import WORK


def test_r4_10_r7_7_the_workshop_job_in_telegram_from_button_to_signature(
    database: Database,
    people: Personas,
    tg_app: Any,  # noqa: F811
    telegram_user: Any,  # noqa: F811
    bot_api: FakeBotApi,  # noqa: F811
    clock: Clock,
) -> None:
    tech = linked_technician(people, tg_app.test_client(), telegram_user)
    customer, number = reported_case(people, telegram_user)
    tech.presses(f"job:accept:{number}")
    tech.presses(f"job:arrive:{number}")
    tech.presses(f"job:take_to_workshop:{number}")
    with database.session() as session:
        receipt = session.scalar(select(GoodsReceipt))
        assert receipt is not None and receipt.case.number == number
        receipt_number = receipt.number
    assert receipt_number in tech.last_text()  # told to the technician, in Korean
    assert "작업장" in tech.last_text()
    assert any(receipt_number in text for text in bot_api.texts(CUSTOMER))  # the goods receipt

    client = tg_app.test_client()
    warehouse, manager = people.headers("warehouse_clerk"), people.headers("repair_manager")
    act(client, warehouse, number, "finish_repair", WORK)
    act(client, manager, number, "inspect")
    act(client, warehouse, number, "return_item", {"receipt_number": receipt_number})
    deliver_due(database, {"telegram": customer.transport}, clock=clock)  # the certificate
    customer.presses(f"case:sign_off:{number}")
    with database.session() as session:
        receipt = session.scalar(select(GoodsReceipt))
        assert receipt is not None and receipt.case.status == "closed"
        assert receipt.signed_via == "customer" and receipt.signed_at is not None
