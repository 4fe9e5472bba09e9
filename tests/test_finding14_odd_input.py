"""Finding 14: inputs that still answered 500 — digits like '²', deep nesting, integers past
64 bits, NUL in Twilio fields, and any call while the database is down (503 with Retry-After)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from backend.app import create_app
from backend.db import Database
from backend.inbox.models import InboundUpdate, UpdateStatus
from backend.parsing import MAX_JSON_DEPTH, JsonTooDeep, ascii_digits, loads_json, whole_number
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas, create_case, repair_body

ODD_DIGITS = ["²", "①", "١", "٣٤", "1²", "¹2", "𝟙", "Ⅻ", "1_000", " 7 ", "-1", "+1", "1e3"]


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def catalogue(people: Personas) -> None:
    people.product()
    people.technician()


# --- the helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [t for t in ODD_DIGITS if t != " 7 "])
def test_finding_14_only_ascii_digits_are_numbers(text: str) -> None:
    assert whole_number(text) is None
    assert not ascii_digits(text)
    assert whole_number(" 7 ") == 7 and whole_number("2147483648") is None


def test_finding_14_json_depth_is_refused_before_parsing() -> None:
    assert loads_json(_deep(MAX_JSON_DEPTH)) is not None
    with pytest.raises(JsonTooDeep):
        loads_json(_deep(100_000))
    # brackets inside strings are text, not nesting
    assert loads_json(json.dumps({"text": "[" * 1000})) == {"text": "[" * 1000}


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["page", "technician_id"])
@pytest.mark.parametrize("value", ["²", "1²", "①", "9" * 5000])
def test_finding_14_odd_digits_in_integer_parameters_are_422(
    client: FlaskClient, people: Personas, name: str, value: str
) -> None:
    response = client.get(
        "/api/v1/cases", query_string={name: value}, headers=people.headers("repair_manager")
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["field"] == name


@pytest.mark.parametrize("path", ["/api/v1/technicians/²", "/api/v1/technicians/99999999999999"])
def test_finding_14_odd_ids_in_paths_are_404(
    client: FlaskClient, people: Personas, path: str
) -> None:
    response = client.get(path, headers=people.headers("repair_manager"))
    assert response.status_code == 404


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_finding_14_deeply_nested_json_on_the_api_is_422(
    client: FlaskClient, people: Personas, depth: int
) -> None:
    body = '{"kind": ' + _deep(depth) + "}"
    response = client.post(
        "/api/v1/cases",
        data=body,
        content_type="application/json",
        headers=people.headers("receptionist"),
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"]["field"] == "body"


def test_finding_14_huge_integers_in_an_action_body_are_422(
    client: FlaskClient, people: Personas, catalogue: None
) -> None:
    number = create_case(client, people.headers(), repair_body())["number"]
    for body in ({"technician_id": 2**64}, {"technician_id": int("9" * 4000)}):
        response = client.post(
            f"/api/v1/cases/{number}/actions/assign",
            headers=people.headers("repair_manager"),
            json=body,
        )
        assert response.status_code == 422, response.get_data(as_text=True)[:200]


# --- the Telegram webhook ---------------------------------------------------------------------


def _webhook(client: FlaskClient, body: str | dict[str, Any]) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/telegram/webhook", data=data, content_type="application/json")


def _message(update_id: Any, chat_id: Any, text: str = "hi") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1764600000,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "x"},
            "text": text,
        },
    }


@pytest.mark.parametrize(
    ("update_id", "chat_id"),
    [(2**63, 5), (2**64 + 1, 5), (7, 2**63), (8, -(2**63) - 1), (9, 10**30)],
)
def test_finding_14_ids_beyond_64_bits_on_the_webhook_are_acknowledged_not_500(
    client: FlaskClient, update_id: int, chat_id: int
) -> None:
    response = _webhook(client, _message(update_id, chat_id))
    assert response.status_code == 200
    assert response.get_json()["ignored"] is True


@pytest.mark.parametrize("depth", [100, 100_000])
def test_finding_14_deeply_nested_json_on_the_webhook_is_acknowledged(
    client: FlaskClient, depth: int
) -> None:
    response = _webhook(client, '{"update_id": 1, "message": ' + _deep(depth) + "}")
    assert response.status_code == 200
    assert response.get_json()["ignored"] is True


def _failed_updates(database: Database) -> list[str]:
    """Updates whose processing raised (the webhook answered 200, the handler failed)."""
    with database.session() as session:
        rows = session.scalars(
            select(InboundUpdate).where(InboundUpdate.status != UpdateStatus.DONE)
        )
        return [row.last_error or row.status for row in rows]


# --- the database is down ---------------------------------------------------------------------


@pytest.fixture
def app_without_database(settings: Settings, clock: Clock) -> Flask:
    """The app pointed at a PostgreSQL port nobody listens on (connections are refused)."""
    down = Database("postgresql+psycopg://aftersales@127.0.0.1:9/aftersales?connect_timeout=2")
    app = create_app({"settings": settings, "database": down, "clock": clock})
    app.config["TESTING"] = True
    return app


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/cases"),
        ("get", "/api/v1/cases/AS-2026-000001"),
        ("post", "/api/v1/cases"),
        ("get", "/api/v1/technicians"),
        ("post", "/telegram/webhook"),
    ],
)
def test_finding_14_database_down_answers_503_with_retry_after(
    app_without_database: Flask, method: str, path: str
) -> None:
    client = app_without_database.test_client()
    body = _message(1, 5) if path.startswith("/telegram") else repair_body()
    response = getattr(client, method)(
        path, json=body, headers={"Authorization": "Bearer as_" + "x" * 43}
    )
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "database_unavailable"


def test_finding_14_database_down_healthz_is_503(app_without_database: Flask) -> None:
    assert app_without_database.test_client().get("/healthz").status_code == 503


# --- hypothesis over the Telegram webhook -----------------------------------------------------

odd_text = st.one_of(
    st.sampled_from(ODD_DIGITS + ["\x00", "a\x00b", "/start", "/report", "/status", "1"]),
    st.text(max_size=20),
)
huge_int = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**40]),
)
json_leaf = st.one_of(st.none(), st.booleans(), huge_int, odd_text)


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


update_payloads = st.one_of(
    st.builds(_message, huge_int, huge_int, odd_text),
    st.builds(
        lambda update_id, depth: {"update_id": update_id, "message": _nested(depth)},
        huge_int,
        st.integers(min_value=0, max_value=3000),
    ),
    st.dictionaries(st.sampled_from(["update_id", "message", "callback_query"]), json_leaf),
    st.recursive(
        json_leaf,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.sampled_from(["update_id", "message", "chat", "id"]), children)
        ),
        max_leaves=10,
    ),
)


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=update_payloads)
def test_finding_14_hypothesis_telegram_webhook_never_answers_5xx(
    client: FlaskClient, database: Database, catalogue: None, payload: Any
) -> None:
    try:
        body = json.dumps(payload)
    except (ValueError, RecursionError):
        return
    response = _webhook(client, body)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert _failed_updates(database) == []
