"""Suggestions are followed up and rewarded (R9.3): staff evaluate, decide a reward, and the
customer is told in their channel (R2.10); only the roles the matrix names may do it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import Database
from backend.outbox.models import OutboundMessage
from tests.factories import Personas, act, create_case


def _suggestion_body(**extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "suggestion",
        "channel": "visit",
        "customer": {"name": "홍길동", "phone": "010-3000-0001"},
        "description": "서비스 센터에 주차 안내 표지판이 있으면 좋겠습니다.",
        "place": "본사 서비스센터",
    }
    body.update(extra)
    return body


def _outcomes(database: Database) -> list[OutboundMessage]:
    with database.session() as session:
        return list(
            session.scalars(
                select(OutboundMessage).where(OutboundMessage.purpose == "suggestion_outcome")
            ).all()
        )


def test_r9_3_the_reward_decision_tells_the_customer(
    client: FlaskClient, database: Database, people: Personas
) -> None:
    case = create_case(client, people.headers("receptionist"), _suggestion_body())
    assert case["kind"] == "suggestion" and case["status"] == "received"
    assert case["suggestion"]["place"] == "본사 서비스센터"
    director = people.headers("service_director")
    # The receptionist takes the suggestion but does not judge it (the matrix).
    act(client, people.headers("receptionist"), case["number"], "evaluate", {}, status=403)
    act(client, director, case["number"], "reward", {"reward_amount": 1}, status=409)
    act(client, director, case["number"], "evaluate", {"decision": "accepted"}, status=422)
    evaluated = act(
        client,
        director,
        case["number"],
        "evaluate",
        {"decision": "accepted", "note": "다음 달부터 표지판을 설치합니다."},
    )
    assert evaluated["status"] == "evaluated"
    assert evaluated["suggestion"]["decision"] == "accepted"
    assert _outcomes(database) == []  # not yet: the customer hears the whole outcome once
    closed = act(client, director, case["number"], "reward", {"reward_amount": 50_000})
    assert closed["status"] == "closed"
    assert closed["suggestion"]["reward_amount"] == 50_000
    [told] = _outcomes(database)
    assert told.channel == "sms" and told.recipient == "+821030000001"
    assert case["number"] in told.payload["body"] and "50,000원" in told.payload["body"]
    assert "표지판을 설치합니다" in told.payload["body"]
    history = [event["action"] for event in closed["events"]]
    assert history[-2:] == ["evaluate", "reward"]


def test_r9_3_a_rejected_suggestion_gets_no_reward_but_the_customer_is_still_told(
    client: FlaskClient, database: Database, people: Personas
) -> None:
    case = create_case(client, people.headers("hotline_officer"), _suggestion_body())
    vice_president = people.headers("vice_president")
    act(
        client,
        vice_president,
        case["number"],
        "evaluate",
        {"decision": "rejected", "note": "이미 시행 중입니다."},
    )
    act(client, vice_president, case["number"], "reward", {"reward_amount": 10}, status=422)
    act(client, vice_president, case["number"], "reward", {"reward_amount": 0})
    [told] = _outcomes(database)
    assert "채택하지 못하게" in told.payload["body"]


def test_r9_3_a_suggestion_from_the_public_form_hears_back_at_the_typed_number(
    client: FlaskClient, database: Database, people: Personas
) -> None:
    form = client.get("/suggest?lang=en").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', form)
    assert token is not None
    sent = client.post(
        "/suggest",
        data={
            "token": token.group(1),
            "lang": "en",
            "text": "An English manual for the AC-1, please.",
            "phone": "010-3000-0077",
        },
    )
    assert sent.status_code == 201
    number = re.search(r'data-number="([^"]+)"', sent.get_data(as_text=True))
    assert number is not None
    director = people.headers("service_director")
    act(client, director, number.group(1), "evaluate", {"decision": "accepted", "note": "Done."})
    act(client, director, number.group(1), "reward", {"reward_amount": 30_000})
    [told] = _outcomes(database)
    assert told.recipient == "+821030000077"
    assert "adopted" in told.payload["body"] and "30,000 KRW" in told.payload["body"]
