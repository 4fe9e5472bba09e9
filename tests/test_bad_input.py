"""Bad input gets a 4xx JSON error naming the field, never a 500 (contract: Errors)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.app import create_app
from backend.db import Database
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import FOR_THE_TECHNICIAN, Personas, complaint_body, create_case, repair_body


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error: dict[str, Any] = response.get_json()["error"]
    assert error["code"] and error["message"]
    return error


@pytest.fixture
def catalogue(people: Personas) -> None:
    people.product()
    people.technician()


def _with(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`body` with the value at a dotted path replaced (or removed when value is ...)."""
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("customer.phone", "12", "customer.phone"),
        ("customer.phone", "010-1234", "customer.phone"),
        ("customer.phone", "not a number", "customer.phone"),
        ("customer.phone", "+82 10 1234 5678 9999 0000 1111 2222 3333", "customer.phone"),
        ("customer.phone", 1012345678, "customer.phone"),
        ("product.model", "NO-SUCH-MODEL", "product.model"),
        ("kind", "wish", "kind"),
        ("kind", 5, "kind"),
        ("channel", "pigeon", "channel"),
        ("customer.zone", "downtown", "customer.zone"),
        ("customer.name", "", "customer.name"),
        ("customer.name", "   ", "customer.name"),
        ("customer", "홍길동", "customer"),
        ("customer", ..., "customer"),
        ("product", ..., "product"),
        ("product.purchased_on", "last spring", "product.purchased_on"),
        ("product.purchased_on", "2027-01-01", "product.purchased_on"),
        ("description", ["a"], "description"),
        ("description", "x" * 5001, "description"),
        ("description", "고장\x00", "description"),
        ("customer.address", "서울\x00", "customer.address"),
        ("reported_at", "2026-11-25T10:00:00", "reported_at"),  # no offset
        ("reported_at", "2027-01-01T10:00:00+09:00", "reported_at"),  # in the future
        ("reported_at", "0001-01-01T00:00:00+14:00", "reported_at"),
        ("reported_at", "yesterday", "reported_at"),
        ("about_after_sales", "yes", "about_after_sales"),
        ("location", {"lat": 100, "lon": 0}, "location.lat"),
        ("unexpected", 1, "unexpected"),
    ],
)
def test_a_bad_case_field_is_named(
    client: FlaskClient, people: Personas, catalogue: None, path: str, value: Any, field: str
) -> None:
    body = _with(repair_body(), path, value)
    error = _error(client.post("/api/v1/cases", headers=people.headers(), json=body), 422)
    assert error["field"] == field


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("topic", "weather", "topic"),
        ("topic", ..., "topic"),
        ("severity", "apocalyptic", "severity"),
    ],
)
def test_a_bad_complaint_field_is_named(
    client: FlaskClient, people: Personas, path: str, value: Any, field: str
) -> None:
    body = _with(complaint_body(), path, value)
    error = _error(client.post("/api/v1/cases", headers=people.headers(), json=body), 422)
    assert error["field"] == field


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        ("{bad json", "application/json", "not valid JSON"),
        ("", "application/json", "not valid JSON"),
        ("[1, 2]", "application/json", "JSON object"),
        ('"text"', "application/json", "JSON object"),
        ("null", "application/json", "JSON object"),
        ("kind=repair", "application/x-www-form-urlencoded", "Content-Type"),
        ('{"kind": "repair"}', "text/plain", "Content-Type"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    client: FlaskClient, people: Personas, data: str, content_type: str, message: str
) -> None:
    error = _error(
        client.post(
            "/api/v1/cases", headers=people.headers(), data=data, content_type=content_type
        ),
        422,
    )
    assert error["field"] == "body" and message in error["message"]


def test_an_oversize_body_answers_413_json(
    database: Database, settings: Settings, clock: Clock, people: Personas
) -> None:
    small = create_app(
        {
            "settings": settings.with_overrides(max_body_bytes=2048),
            "database": database,
            "clock": clock,
        }
    ).test_client()
    body = repair_body(description="가" * 3000)
    error = _error(small.post("/api/v1/cases", headers=people.headers(), json=body), 413)
    assert error["code"] == "request_entity_too_large"


def test_the_default_limit_refuses_a_body_of_two_megabytes(
    client: FlaskClient, people: Personas
) -> None:
    _error(
        client.post(
            "/api/v1/cases",
            headers=people.headers(),
            data="x" * 2_000_000,
            content_type="application/json",
        ),
        413,
    )


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/cases/AS-2026-000001/x", "/no/such/page"]
)
def test_an_unknown_route_answers_404_json(
    client: FlaskClient, people: Personas, path: str
) -> None:
    assert _error(client.get(path, headers=people.headers()), 404)["code"] == "not_found"


def test_a_wrong_method_answers_405_json(client: FlaskClient, people: Personas) -> None:
    _error(client.delete("/api/v1/cases", headers=people.headers()), 405)


@pytest.mark.parametrize(
    "number", ["AS-2026-999999", "nonsense", "AS-2026-\x00", "%00", "AS-٢٠٢٦-000001"]
)
def test_an_unknown_case_number_answers_404(
    client: FlaskClient, people: Personas, number: str
) -> None:
    error = _error(client.get(f"/api/v1/cases/{number}", headers=people.headers()), 404)
    assert error["field"] == "number"
    _error(client.post(f"/api/v1/cases/{number}/actions/accept", headers=people.headers()), 404)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer  "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer as_not-a-real-token"},
        {"Authorization": "Bearer " + "as_" + "x" * 500},
        {"Authorization": "Token abc"},
    ],
)
def test_a_missing_or_wrong_token_answers_401(
    client: FlaskClient, people: Personas, headers: dict[str, str]
) -> None:
    people.token("receptionist")  # a real token exists; these are not it
    error = _error(client.get("/api/v1/cases", headers=headers), 401)
    assert error["field"] == "Authorization"
    _error(client.post("/api/v1/cases", headers=headers, json=repair_body()), 401)


def test_a_token_of_a_deactivated_user_answers_401(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    from backend.people.models import StaffUser

    headers = people.headers()
    with database.session() as session:
        for user in session.query(StaffUser).all():
            user.active = False
    _error(client.get("/api/v1/cases", headers=headers), 401)


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("warehouse_clerk", "post", "/api/v1/cases"),
        ("technician", "post", "/api/v1/cases"),
        ("receptionist", "post", "/api/v1/products"),
        ("technician", "post", "/api/v1/technicians"),
        ("warehouse_clerk", "post", "/api/v1/contracts"),
        ("technician", "get", "/api/v1/contracts"),
    ],
)
def test_a_role_without_the_right_answers_403(
    client: FlaskClient, people: Personas, role: str, method: str, path: str
) -> None:
    response = getattr(client, method)(path, headers=people.headers(role), json={})
    assert _error(response, 403)["code"] == "forbidden"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=-1", "page"),
        ("page=1e3", "page"),
        ("page=99999999999999999999", "page"),
        ("status=lost", "status"),
        ("kind=x", "kind"),
        ("channel=fax", "channel"),
        ("technician_id=0", "technician_id"),
        ("technician_id=abc", "technician_id"),
        ("technician_id=99999999999", "technician_id"),
    ],
)
def test_bad_list_parameters_are_named(
    client: FlaskClient, people: Personas, query: str, field: str
) -> None:
    error = _error(client.get(f"/api/v1/cases?{query}", headers=people.headers()), 422)
    assert error["field"] == field


def test_a_page_past_the_end_is_empty_not_an_error(
    client: FlaskClient, people: Personas, catalogue: None
) -> None:
    create_case(client, people.headers(), repair_body())
    page = client.get("/api/v1/cases?page=5", headers=people.headers()).get_json()
    assert (page["items"], page["page"], page["pages"], page["total"]) == ([], 5, 1, 1)


@pytest.mark.parametrize(
    ("month", "status"),
    [
        ("2026-13", 422),
        ("2026-00", 422),
        ("November", 422),
        ("9999-12", 422),
        ("0001-01", 422),
        ("2026-11", 200),
    ],
)
def test_performance_month_is_checked(
    client: FlaskClient, people: Personas, catalogue: None, month: str, status: int
) -> None:
    response = client.get(
        f"/api/v1/technicians/1/performance?month={month}", headers=people.headers("repair_manager")
    )
    assert response.status_code == status
    if status == 422:
        assert response.get_json()["error"]["field"] == "month"


@pytest.mark.parametrize("technician_id", ["0", "2147483648", "99999999999999999999"])
def test_a_technician_id_out_of_range_is_not_found(
    client: FlaskClient, people: Personas, technician_id: str
) -> None:
    response = client.get(f"/api/v1/technicians/{technician_id}", headers=people.headers())
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"technician_id": 2**70}, "technician_id"),
        ({"technician_id": "1"}, "technician_id"),
        ({"technician_id": True}, "technician_id"),
        ({"parts": "COMP"}, "parts"),
        ({"hours": -1}, "hours"),
        ({"hours": "two"}, "hours"),
        ({"fee": 1.5}, "fee"),
        ({"note": "x" * 2001}, "note"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_action_bodies_are_named(
    client: FlaskClient, people: Personas, catalogue: None, body: dict[str, Any], field: str
) -> None:
    number = create_case(client, people.headers(), repair_body())["number"]
    response = client.post(
        f"/api/v1/cases/{number}/actions/assign",
        headers=people.headers("repair_manager"),
        json=body,
    )
    assert _error(response, 422)["field"] == field


def test_an_unknown_part_code_at_resolution_names_the_part(
    client: FlaskClient, people: Personas, catalogue: None
) -> None:
    headers = people.headers("repair_manager")
    number = create_case(client, people.headers(), repair_body())["number"]
    for action in ("accept", "arrive"):
        client.post(
            f"/api/v1/cases/{number}/actions/{action}", headers=headers, json=FOR_THE_TECHNICIAN
        )
    response = client.post(
        f"/api/v1/cases/{number}/actions/resolve",
        headers=headers,
        json={"parts": [{"code": "COMP"}, {"code": "WING"}], **FOR_THE_TECHNICIAN},
    )
    assert _error(response, 422)["field"] == "parts[1].code"
    case = client.get(f"/api/v1/cases/{number}", headers=headers).get_json()
    assert case["status"] == "on_site" and case["charges"] is None  # nothing half-done


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        (
            {"name": "a", "phone": "010-2000-0009", "zone": "city", "telegram_chat_id": 2**64},
            "telegram_chat_id",
            422,
        ),
        ({"name": "a", "phone": "12", "zone": "city"}, "phone", 422),
        ({"name": "a", "phone": "010-2000-0009", "zone": "moon"}, "zone", 422),
        (
            {"name": "a", "phone": "010-2000-0009", "zone": "city", "working_days": [0]},
            "working_days[0]",
            422,
        ),
        (
            {
                "name": "a",
                "phone": "010-2000-0009",
                "zone": "city",
                "certifications": [{"product_line": "tv", "valid_until": "soon"}],
            },
            "certifications[0].valid_until",
            422,
        ),
    ],
)
def test_bad_technician_fields_are_named(
    client: FlaskClient, people: Personas, body: dict[str, Any], field: str, status: int
) -> None:
    response = client.post("/api/v1/technicians", headers=people.headers("admin"), json=body)
    assert _error(response, status)["field"] == field


def test_a_telegram_chat_id_beyond_32_bits_is_stored(client: FlaskClient, people: Personas) -> None:
    response = client.post(
        "/api/v1/technicians",
        headers=people.headers("admin"),
        json={
            "name": "정현우",
            "phone": "010-2000-0005",
            "zone": "suburb",
            "telegram_chat_id": 7_123_456_789,
        },
    )
    assert response.status_code == 201 and response.get_json()["telegram_linked"] is True
    again = client.post(
        "/api/v1/technicians",
        headers=people.headers("admin"),
        json={
            "name": "강도윤",
            "phone": "010-2000-0006",
            "zone": "suburb",
            "telegram_chat_id": 7_123_456_789,
        },
    )
    assert _error(again, 409)["field"] == "telegram_chat_id"


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"model": "AC-1", "name": "dup", "product_line": "x", "warranty_months": 1}, "model", 409),
        ({"model": "P\x00", "name": "x", "product_line": "x", "warranty_months": 1}, "model", 422),
        (
            {"model": "P-2", "name": "x", "product_line": "x", "warranty_months": "12"},
            "warranty_months",
            422,
        ),
        (
            {
                "model": "P-2",
                "name": "x",
                "product_line": "x",
                "warranty_months": 12,
                "parts": [
                    {"code": "A", "name": "a", "warranty_months": 1, "price": 1},
                    {"code": "A", "name": "b", "warranty_months": 1, "price": 1},
                ],
            },
            "parts",
            422,
        ),
    ],
)
def test_bad_products_are_named(
    client: FlaskClient,
    people: Personas,
    catalogue: None,
    body: dict[str, Any],
    field: str,
    status: int,
) -> None:
    response = client.post("/api/v1/products", headers=people.headers("admin"), json=body)
    assert _error(response, status)["field"] == field


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"ends_on": "2025-12-31"}, "ends_on", 422),
        ({"product": {"model": "NOPE", "serial_number": "S"}}, "product.model", 422),
        ({"customer": {"name": "a", "phone": "0"}}, "customer.phone", 422),
        ({"starts_on": "2026-02-30"}, "starts_on", 422),
    ],
)
def test_bad_contracts_are_named(
    client: FlaskClient,
    people: Personas,
    catalogue: None,
    change: dict[str, Any],
    field: str,
    status: int,
) -> None:
    body = {
        "customer": {"name": "홍길동", "phone": "010-3000-0001"},
        "product": {"model": "AC-1", "serial_number": "S"},
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        **change,
    }
    response = client.post("/api/v1/contracts", headers=people.headers("admin"), json=body)
    assert _error(response, status)["field"] == field


def test_an_overlapping_contract_is_a_conflict(
    client: FlaskClient, people: Personas, catalogue: None
) -> None:
    body = {
        "customer": {"name": "홍길동", "phone": "010-3000-0001"},
        "product": {"model": "AC-1", "serial_number": "S"},
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }
    assert client.post("/api/v1/contracts", headers=people.headers(), json=body).status_code == 201
    overlapping = {**body, "starts_on": "2026-06-01", "ends_on": "2027-05-31"}
    response = client.post("/api/v1/contracts", headers=people.headers(), json=overlapping)
    assert _error(response, 409)["field"] == "starts_on"
