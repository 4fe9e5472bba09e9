"""Complaint topic → department (R2.5–R2.8, R9.4), severity → priority and escalation (R2.9, R8.5),
the service director accountable for every complaint (R8.7)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import Database
from backend.tasks.models import Task
from tests.factories import Personas, act, complaint_body, create_case


@pytest.mark.parametrize(
    ("topic", "department"),
    [
        ("product_quality", "rnd_production"),  # R2.5
        ("packaging", "warehouse_transport"),  # R2.6
        ("staff_attitude", "marketing"),  # R2.7
        ("dealer", "dealer_relations"),  # R2.8
        ("other", "service"),
    ],
)
def test_each_topic_goes_to_its_department(
    client: FlaskClient, people: Personas, topic: str, department: str, database: Database
) -> None:
    case = create_case(client, people.headers("hotline_officer"), complaint_body(topic=topic))
    assert case["kind"] == "complaint"
    assert case["department"] == department
    assert case["status"] == "routed"
    assert case["accountable"] == "service_director"  # R8.7
    assert case["sla_due_at"] is None and case["service_category"] is None
    with database.session() as session:
        tasks = session.scalars(select(Task).where(Task.kind == "complaint")).all()
        assert sorted((t.role, t.department, t.status) for t in tasks) == [
            ("department", department, "open"),  # R2.3: the department's own task
            ("service_director", None, "open"),  # R8.7
        ]


def test_attitude_of_after_sales_staff_goes_to_the_independent_hotline(
    client: FlaskClient, people: Personas
) -> None:
    # R9.4: the hotline is independent of the after-sales department it would judge.
    case = create_case(
        client, people.headers(), complaint_body(topic="staff_attitude", about_after_sales=True)
    )
    assert case["department"] == "complaint_hotline"
    other = create_case(
        client,
        people.headers(),
        complaint_body(topic="packaging", about_after_sales=True, phone="010-3000-0010"),
    )
    assert other["department"] == "warehouse_transport"


def test_normal_severity_is_normal_priority_and_not_escalated(
    client: FlaskClient, people: Personas
) -> None:
    case = create_case(client, people.headers(), complaint_body(severity="normal"))
    assert (case["priority"], case["escalated_to"], case["severity"]) == ("normal", None, "normal")


def test_severity_defaults_to_normal(client: FlaskClient, people: Personas) -> None:
    body = complaint_body()
    del body["severity"]
    case = create_case(client, people.headers(), body)
    assert (case["severity"], case["priority"]) == ("normal", "normal")


def test_r2_9_major_complaint_is_urgent_and_reaches_the_vice_president(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    case = create_case(client, people.headers(), complaint_body(severity="major"))
    assert case["priority"] == "urgent"  # R2.9
    assert case["escalated_to"] == "vice_president"  # R8.5 at once
    assert case["accountable"] == "service_director"
    with database.session() as session:
        kinds = {t.role: t.kind for t in session.scalars(select(Task)).all()}
    assert kinds["vice_president"] == "escalation"


def test_serious_complaint_goes_to_the_vice_president_at_once(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    case = create_case(client, people.headers(), complaint_body(topic="dealer", severity="serious"))
    assert case["escalated_to"] == "vice_president"  # R8.5
    assert case["accountable"] == "service_director"
    assert case["department"] == "dealer_relations"
    assert "escalate" in [event["action"] for event in case["events"]]
    with database.session() as session:
        roles = {t.role: t.kind for t in session.scalars(select(Task)).all()}
    assert roles == {
        "service_director": "complaint",
        "vice_president": "escalation",
        "department": "complaint",
    }


def test_the_vice_president_with_a_linked_chat_gets_a_telegram_alert(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    from backend.outbox.models import OutboundMessage
    from backend.people.models import StaffUser

    people.token("vice_president")
    with database.session() as session:
        vp = session.scalar(select(StaffUser).where(StaffUser.role == "vice_president"))
        assert vp is not None
        vp.telegram_chat_id = 777001
    case = create_case(client, people.headers(), complaint_body(severity="serious"))
    with database.session() as session:
        alerts = session.scalars(
            select(OutboundMessage).where(OutboundMessage.recipient == "777001")
        ).all()
        assert len(alerts) == 1
        assert case["number"] in alerts[0].payload["text"]


def test_complaint_life_route_answer_close(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    headers = people.headers("hotline_officer")
    case = create_case(client, headers, complaint_body())
    number = case["number"]
    rerouted = act(client, headers, number, "route", {"department": "marketing"})
    assert rerouted["department"] == "marketing"
    answered = act(client, headers, number, "answer", {"answer": "교환해 드리겠습니다."})
    assert answered["status"] == "answered"
    closed = act(client, headers, number, "close")
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    assert [e["action"] for e in closed["events"]] == [
        "intake",
        "route",
        "route",
        "answer",
        "close",
    ]
    from backend.outbox.models import OutboundMessage

    with database.session() as session:
        answers = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "answer")
        ).all()
        assert len(answers) == 1 and "교환해 드리겠습니다." in answers[0].payload["body"]


def test_answer_without_text_names_the_field(client: FlaskClient, people: Personas) -> None:
    case = create_case(client, people.headers(), complaint_body())
    error = act(
        client, people.headers("hotline_officer"), case["number"], "answer", {}, status=422
    )["error"]
    assert error["field"] == "answer"


def test_complaint_without_topic_is_refused_naming_topic(
    client: FlaskClient, people: Personas
) -> None:
    body = complaint_body()
    del body["topic"]
    response = client.post("/api/v1/cases", headers=people.headers(), json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "topic"
