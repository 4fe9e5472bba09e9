"""Issue 11's gap: the receipt or invoice reaches a Telegram customer as the PDF itself
(sendDocument, the signed link in its caption); an SMS customer keeps the link (R7.5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.outbox.worker import deliver_due
from bot.transport import TelegramTransport
from tests.conftest import Clock
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_jobs import reported_case

CUSTOMER = 1001
FAN_ONLY = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1}


def test_r7_5_the_invoice_reaches_the_telegram_customer_as_a_pdf_document(
    database: Database,
    people: Personas,
    tg_app: Any,
    telegram_user: Any,
    bot_api: FakeBotApi,
    transport: TelegramTransport,
    clock: Clock,
) -> None:
    client = tg_app.test_client()
    people.technician()
    _customer, number = reported_case(people, telegram_user)
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        case.service_category = "A"  # paid service: a quote, consent, then payment
    manager = people.headers("repair_manager")
    for action, body in [("accept", {}), ("arrive", {}), ("quote", FAN_ONLY)]:
        act(client, manager, number, action, {**FOR_THE_TECHNICIAN, **body})
    act(client, manager, number, "accept_quote", {"channel": "phone"})
    act(client, manager, number, "resolve", {**FAN_ONLY, **FOR_THE_TECHNICIAN})
    act(client, manager, number, "pay", {"method": "invoice", **FOR_THE_TECHNICIAN})
    deliver_due(database, {"telegram": transport}, clock=clock)

    (sent,) = bot_api.of("sendDocument", CUSTOMER)
    upload = sent.params["document"]
    assert upload["filename"] == "INV-2026-000001.pdf"
    assert upload["content"].startswith(b"%PDF")
    pdf = client.get("/api/v1/invoices/INV-2026-000001/pdf", headers=manager)
    assert upload["content"] == pdf.data  # the very document accounting and the link serve
    assert "INV-2026-000001" in sent.params["caption"] and "/invoice/" in sent.params["caption"]
    assert not any(
        "INV-2026-000001" in str(c.params.get("text")) for c in bot_api.of("sendMessage", CUSTOMER)
    )


def test_r7_5_an_sms_customer_gets_the_invoice_link_without_a_document(
    client: Any, people: Personas, database: Database
) -> None:
    people.product()
    people.technician()
    number = create_case(client, people.headers(), repair_body())["number"]
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        case.service_category = "A"
    manager = people.headers("repair_manager")
    for action, body in [("accept", {}), ("arrive", {}), ("quote", FAN_ONLY)]:
        act(client, manager, number, action, {**FOR_THE_TECHNICIAN, **body})
    act(client, manager, number, "accept_quote", {"channel": "phone"})
    act(client, manager, number, "resolve", {**FAN_ONLY, **FOR_THE_TECHNICIAN})
    act(client, manager, number, "pay", {"method": "card", **FOR_THE_TECHNICIAN})
    with database.session() as session:
        (row,) = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "invoice")
        ).all()
        assert row.channel == "sms" and "document" not in row.payload
        assert "/invoice/" in row.payload["body"]
