"""Pre-assessment (R4.6, R4.7): likely parts and on-site minutes from past repair cards of the
model, shown on the case, named in the job push against the van, used by the planner."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from backend.dispatch.loader import service_minutes
from backend.outbox.models import OutboundMessage
from backend.people.models import Technician
from backend.stock.assessment import RepairCard, assess, symptom_words
from tests.factories import Personas, case_in_status, create_case, repair_body

NAMES = {"FAN": "Fan", "COMP": "Comp", "PCB": "Pcb"}


def _card(parts: set[str], text: str, minutes: float) -> RepairCard:
    return RepairCard(frozenset(parts), symptom_words(text), minutes)


def test_r4_6_likely_parts_and_minutes_on_a_known_history() -> None:
    cards = [
        *[_card({"FAN"}, "찬바람이 안 나와요", 40) for _ in range(6)],
        *[_card({"FAN", "PCB"}, "찬바람 약해요", 70) for _ in range(2)],
        *[_card({"COMP"}, "전원이 안 켜져요", 120) for _ in range(4)],
    ]
    found = assess(cards, "찬바람이 나오지 않아요", NAMES)
    assert found is not None and found["by_symptoms"] is True and found["basis"] == 8
    assert found["parts"] == [
        {"code": "FAN", "name": "Fan", "frequency": 1.0},
        {"code": "PCB", "name": "Pcb", "frequency": 0.25},
    ]
    assert found["minutes"] == 40  # the median of the matching cards
    # No symptom word in common: the whole model's history speaks.
    found = assess(cards, "소리가 이상함", NAMES)
    assert found is not None and found["by_symptoms"] is False and found["basis"] == 12
    assert [(p["code"], p["frequency"]) for p in found["parts"]] == [("FAN", 0.67), ("COMP", 0.33)]
    assert assess(cards[:2], "찬바람", NAMES) is None  # too little history


def _history(database: Database, count: int, parts: list[str], minutes: int) -> None:
    """Past repairs of the catalogue's model, resolved with `parts` after `minutes` on site."""
    numbers = [case_in_status(database, kind="repair", status="closed") for _ in range(count)]
    with database.session() as session:
        for case in session.scalars(select(Case).where(Case.number.in_(numbers))):
            case.arrived_at = case.reported_at + timedelta(hours=2)
            case.resolved_at = case.arrived_at + timedelta(minutes=minutes)
            case.charges = {"parts": [{"code": code, "quantity": 1} for code in parts]}


def test_r4_6_r4_7_the_case_and_the_job_push_name_the_likely_part(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    people.technician(telegram_chat_id=7001)
    _history(database, 4, ["FAN"], 35)
    _history(database, 1, ["COMP"], 35)
    case = create_case(client, people.headers(), repair_body())
    assessment = case["pre_assessment"]
    assert assessment["parts"][0] == {"code": "FAN", "name": "Fan", "frequency": 0.8}
    assert assessment["parts"][1]["code"] == "COMP" and assessment["minutes"] == 35
    with database.session() as session:
        push = session.scalar(select(OutboundMessage).where(OutboundMessage.purpose == "job_push"))
        assert push is not None and push.recipient == "7001"
        # In the technician's language (Korean), checked against the van's 20 fans.
        assert "예상 부품: Fan 80% — 챙겨 가세요 (차량 재고 20개)" in push.payload["text"]
        stored = session.scalar(select(Case).where(Case.number == case["number"]))
        assert stored is not None and service_minutes(stored) == 35  # not the line's 90


def test_r4_7_an_empty_van_is_told_to_pick_the_part_up(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    technician = people.technician(van_stock=0, telegram_chat_id=7002)
    with database.session() as session:
        stored = session.get(Technician, technician)
        assert stored is not None
        stored.language = "en"
    _history(database, 5, ["FAN"], 30)
    create_case(client, people.headers(), repair_body())
    with database.session() as session:
        push = session.scalar(select(OutboundMessage).where(OutboundMessage.purpose == "job_push"))
    assert push is not None
    text = push.payload["text"]
    assert "Likely: Fan 100 % — not in your van: pick it up first" in text


def test_r4_6_dispatch_prefers_the_technician_whose_van_holds_the_likely_part(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    people.technician("이서연", phone="010-2000-0002", van_stock=0)  # first in line otherwise
    stocked = people.technician()
    _history(database, 5, ["FAN"], 30)
    case = create_case(client, people.headers(), repair_body())
    assert case["assigned_technician"]["id"] == stocked


def test_without_history_the_first_technician_takes_it(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    first = people.technician("이서연", phone="010-2000-0002", van_stock=0)
    people.technician()
    case = create_case(client, people.headers(), repair_body())
    assert case["pre_assessment"] is None and case["assigned_technician"]["id"] == first
