"""Returns (R3): the window told and enforced at intake, inspection's cause, the decision's tasks,
and the cause counted in the month's report (R2.11, R3.5)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.reports.monthly import monthly_report
from backend.settings import Settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas, act, create_case


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Air conditioners may be returned within 7 days; every other line within the default 14."""
    return settings.with_overrides(return_windows=(("air_conditioner", 7),))


def return_body(
    *, model: str = "AC-1", purchased_on: date | None = date(2026, 11, 21), serial: str = "RT-1"
) -> dict[str, Any]:
    product: dict[str, Any] = {"model": model, "serial_number": serial}
    if purchased_on is not None:
        product["purchased_on"] = purchased_on.isoformat()
    return {
        "kind": "return",
        "channel": "visit",
        "customer": {"name": "홍길동", "phone": "010-3000-0001"},
        "product": product,
        "description": "전원이 켜지지 않아요",
    }


def _texts(database: Database, purpose: str) -> list[str]:
    with database.session() as session:
        rows = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == purpose)
        ).all()
        return [str(row.payload.get("body") or row.payload.get("text")) for row in rows]


def test_r3_1_a_return_past_its_window_is_refused_with_the_rule_in_words(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    # Bought 2026-11-10, returned 2026-11-25: 15 days, past the 7 days of air conditioners.
    response = client.post(
        "/api/v1/cases",
        headers=people.headers(),
        json=return_body(purchased_on=date(2026, 11, 10)),
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "return_window_passed"
    assert error["field"] == "product.purchased_on"
    assert "within 7 days of purchase" in error["message"] and "15 days ago" in error["message"]
    assert "R3" not in error["message"]  # the rule in words, never its number
    with database.session() as session:
        assert session.scalar(select(OutboundMessage.id)) is None  # nothing registered, no text


def test_r3_1_each_product_line_has_its_own_window(client: FlaskClient, people: Personas) -> None:
    people.product("WM-1", line="washer")
    # 12 days after purchase: past the air conditioners' 7, inside the default 14 of washers.
    created = create_case(
        client, people.headers(), return_body(model="WM-1", purchased_on=date(2026, 11, 13))
    )
    assert created["status"] == "received"


def test_r3_2_the_customer_is_told_the_return_rule_at_intake(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    created = create_case(client, people.headers(), return_body())
    (text,) = _texts(database, "intake_confirmation")
    assert created["number"] in text
    assert "제품은 구입 후 7일 이내에 반품할 수 있습니다." in text  # Korean by default


def _inspected(client: FlaskClient, people: Personas, technician: int) -> str:
    number = create_case(client, people.headers(), return_body())["number"]
    inspected = act(
        client,
        people.headers("warehouse_clerk"),
        number,
        "inspect",
        {
            "cause_department": "rnd_production",
            "cause_technician_id": technician,
            "findings": "compressor relay burnt",
        },
    )
    assert inspected["status"] == "inspected"
    return number


def test_r3_5_inspection_attributes_the_cause_to_a_department_and_a_person(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    technician = people.technician("김민수")
    number = _inspected(client, people, technician)
    case = act(client, people.headers("repair_manager"), number, "decide", {"decision": "refund"})
    assert case["cause_department"] == "rnd_production"
    assert case["cause_person"] == {"kind": "technician", "id": technician, "name": "김민수"}
    read = client.get(f"/api/v1/cases/{number}", headers=people.headers("service_director"))
    assert read.get_json()["cause_department"] == "rnd_production"
    # a person who does not exist is named as the field at fault
    other = create_case(client, people.headers(), return_body(serial="RT-2"))["number"]
    refused = act(
        client,
        people.headers("warehouse_clerk"),
        other,
        "inspect",
        {"cause_department": "marketing", "cause_user_id": 999_999},
        status=422,
    )
    assert refused["error"]["field"] == "cause_user_id"


def test_r3_4_the_refund_decision_opens_the_three_departments_tasks_once(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    number = _inspected(client, people, people.technician())
    # The warehouse records findings; deciding is the after-sales managers' (the matrix).
    act(
        client,
        people.headers("warehouse_clerk"),
        number,
        "decide",
        {"decision": "refund"},
        status=403,
    )
    case = act(client, people.headers("repair_manager"), number, "decide", {"decision": "refund"})
    assert case["status"] == "decided"
    assert case["return_decision"] == {"decision": "refund", "rule": None}
    assert case["events"][-1]["action"] == "decide"
    with database.session() as session:
        tasks = session.scalars(select(Task).where(Task.kind == "return")).all()
        # R3.4: a department of the house gets its own task (R2.3), finance through its role
        departments = sorted(
            task.department or (task.data or {}).get("department", "") for task in tasks
        )
    # after-sales' own task is the intake's (R2.3); the decision adds the other three
    assert departments == ["finance", "rnd_production", "service", "warehouse_transport"]
    (told,) = _texts(database, "return_decision")
    assert number in told
    # Decided once: a second decision is not a step of a decided return (409), no new task.
    again = act(
        client,
        people.headers("repair_manager"),
        number,
        "decide",
        {"decision": "refund"},
        status=409,
    )
    assert "close" in again["error"]["allowed_actions"]
    assert act(client, people.headers("warehouse_clerk"), number, "close")["status"] == "closed"


def test_r3_3_a_rejected_return_names_the_rule_and_opens_no_task(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    number = _inspected(client, people, people.technician())
    manager = people.headers("service_director")
    refused = act(client, manager, number, "decide", {"decision": "rejected"}, status=422)
    assert refused["error"]["field"] == "rule"
    rule = "Damage caused by the customer is not covered by the return rules."
    case = act(client, manager, number, "decide", {"decision": "rejected", "rule": rule})
    assert case["return_decision"] == {"decision": "rejected", "rule": rule}
    with database.session() as session:
        # only after-sales' intake task (R2.3): a refusal gives no department more work
        kinds = session.scalars(select(Task.department).where(Task.kind == "return")).all()
        assert kinds == ["service"]
    (told,) = _texts(database, "return_decision")
    assert rule in told


def test_r3_5_r2_11_return_causes_count_in_the_monthly_report(
    client: FlaskClient, people: Personas, database: Database, settings: Settings, clock: Clock
) -> None:
    people.product()
    technician = people.technician("김민수")
    _inspected(client, people, technician)
    second = create_case(client, people.headers(), return_body(serial="RT-9"))["number"]
    act(
        client,
        people.headers("warehouse_clerk"),
        second,
        "inspect",
        {"cause_department": "warehouse_transport"},
    )
    create_case(client, people.headers(), return_body(serial="RT-10"))  # not inspected yet
    with database.session() as session:
        report = monthly_report(session, settings=settings, year=2026, month=11, now=clock())
    causes = report.return_causes
    assert causes.by_department == {"rnd_production": 1, "warehouse_transport": 1}
    assert [(p.kind, p.id, p.returns) for p in causes.by_person] == [("technician", technician, 1)]
    assert causes.not_yet_inspected == 1
    # ... and in the technician's own evaluation of the month (R2.11)
    month = client.get(
        f"/api/v1/technicians/{technician}/performance?month=2026-11",
        headers=people.headers("service_director"),
    ).get_json()
    assert month["returns_attributed"] == 1
