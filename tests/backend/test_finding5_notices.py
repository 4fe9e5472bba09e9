"""Finding 5: news about a case reported with a typed number never reaches the number's owner."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend.actors import SYSTEM
from backend.cases.models import Case
from backend.casework.flows import intake_case
from backend.casework.intake import CustomerInput, IntakeRequest, ProductInput
from backend.db import Database
from backend.outbox.service import message_customer
from backend.people.models import Customer
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas

OWNER_CHAT = 555
REPORTING_CHAT = 777


def typed_report(database: Database, settings: Settings, clock: Clock, *, chat: int | None) -> str:
    request = IntakeRequest(
        kind="repair",
        channel="telegram" if chat else "phone",
        customer=CustomerInput(
            name="Mallory", phone="010-3000-0001", address="부산 해운대구 우동 1", zone="city"
        ),
        product=ProductInput(model="AC-1", purchased_on=date(2026, 1, 10)),
        description="broken",
        confirmed_in_chat=chat,
        identity_verified=False,
    )
    with database.session() as session:
        return intake_case(session, request, settings=settings, now=clock(), actor=SYSTEM).number


def test_finding5_notices_of_an_unverified_case_go_to_the_reporting_chat_only(
    database: Database, settings: Settings, clock: Clock, people: Personas
) -> None:
    people.product("AC-1")
    with database.session() as session:
        session.add(
            Customer(
                name="홍길동",
                phone="+821030000001",
                address="서울 중구 세종대로 110",
                zone="city",
                language="ko",
                telegram_chat_id=OWNER_CHAT,
            )
        )
    in_chat = typed_report(database, settings, clock, chat=REPORTING_CHAT)
    by_phone = typed_report(database, settings, clock, chat=None)
    with database.session() as session:
        owner = session.scalars(select(Customer)).one()
        assert (owner.name, owner.address, owner.telegram_chat_id) == (
            "홍길동",
            "서울 중구 세종대로 110",
            OWNER_CHAT,
        )
        case = session.scalars(select(Case).where(Case.number == in_chat)).one()
        sent = message_customer(session, owner, "assigned", case=case, now=clock())
        assert sent is not None and sent.recipient == str(REPORTING_CHAT)
        keyed = session.scalars(select(Case).where(Case.number == by_phone)).one()
        assert message_customer(session, owner, "assigned", case=keyed, now=clock()) is None
