"""Every dashboard capability has its API route: staff accounts, tasks, the report tables."""

from __future__ import annotations

from flask.testing import FlaskClient

from backend.api.openapi import build_document
from backend.db import Database
from backend.tasks.service import open_task
from tests.factories import Personas

PARITY_OPERATIONS = {
    ("/users", "get"),
    ("/users", "post"),
    ("/users/{user_id}", "get"),
    ("/users/{user_id}", "patch"),
    ("/users/{user_id}/password", "post"),
    ("/tasks", "get"),
    ("/tasks/{task_id}/close", "post"),
    ("/reports/monthly", "get"),
    ("/reports/technicians/{technician_id}", "get"),
    ("/reports/coverage", "get"),
    ("/reports/sla", "get"),
    ("/customers", "get"),
    ("/customers/{customer_id}", "get"),
    ("/cases/{number}/notes", "get"),
    ("/cases/{number}/notes", "post"),
}


def test_every_parity_route_is_in_the_openapi_document() -> None:
    paths = build_document()["paths"]
    assert {(p, m) for p, m in PARITY_OPERATIONS if m in paths.get(p, {})} == PARITY_OPERATIONS


def test_an_admin_creates_a_user_resets_the_password_and_deactivates(
    client: FlaskClient, people: Personas
) -> None:
    admin = people.headers("admin")
    created = client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": "desk2@example.com", "role": "receptionist", "department": "service"},
    )
    assert created.status_code == 201
    user = created.get_json()
    assert (user["role"], user["department"], user["active"]) == ("receptionist", "service", True)
    changed = client.patch(
        f"/api/v1/users/{user['id']}",
        headers=admin,
        json={"role": "repair_manager", "department": ""},
    ).get_json()
    assert (changed["role"], changed["department"]) == ("repair_manager", None)
    reset = client.post(f"/api/v1/users/{user['id']}/password", headers=admin)
    assert reset.status_code == 200 and len(reset.get_json()["password"]) >= 12
    chosen = client.post(
        f"/api/v1/users/{user['id']}/password", headers=admin, json={"password": "short"}
    )
    assert chosen.status_code == 422 and chosen.get_json()["error"]["field"] == "password"
    gone = client.post(f"/api/v1/users/{user['id']}/deactivate", headers=admin).get_json()
    assert gone["active"] is False
    listed = client.get("/api/v1/users", headers=admin).get_json()["items"]
    assert {"desk2@example.com"} <= {u["email"] for u in listed}
    taken = client.post(
        "/api/v1/users", headers=admin, json={"email": "DESK2@example.com", "role": "admin"}
    )
    assert taken.status_code == 409


def test_only_the_admin_keeps_accounts(client: FlaskClient, people: Personas) -> None:
    for role in ("repair_manager", "service_director", "receptionist", "technician"):
        headers = people.headers(role)
        assert client.get("/api/v1/users", headers=headers).status_code == 403, role
        body = {"email": "x@example.com", "role": "admin"}
        assert client.post("/api/v1/users", headers=headers, json=body).status_code == 403


def test_tasks_are_listed_for_their_role_and_closed(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    with database.session() as session:
        task = open_task(session, kind="callback", role="receptionist", title="Call back")
        assert task is not None
        other = open_task(session, kind="renewal", role="repair_manager", title="Renew")
        assert other is not None
        session.flush()
        task_id, other_id = task.id, other.id
    desk = people.headers("receptionist")
    items = client.get("/api/v1/tasks", headers=desk).get_json()["items"]
    assert [t["id"] for t in items] == [task_id]
    assert client.post(f"/api/v1/tasks/{other_id}/close", headers=desk).status_code == 404
    closed = client.post(f"/api/v1/tasks/{task_id}/close", headers=desk).get_json()
    assert closed["status"] == "done"
    assert client.get("/api/v1/tasks", headers=desk).get_json()["total"] == 0
    done = client.get("/api/v1/tasks?status=done", headers=desk).get_json()["items"]
    assert [t["id"] for t in done] == [task_id]


def test_report_routes_answer_managers(client: FlaskClient, people: Personas) -> None:
    technician = people.technician()
    manager = people.headers("repair_manager")
    for path in ("monthly", "coverage", "sla", f"technicians/{technician}"):
        answer = client.get(f"/api/v1/reports/{path}?month=2026-11", headers=manager)
        assert answer.status_code == 200, path
        assert answer.get_json()["month"] == "2026-11"
    days = client.get("/api/v1/reports/coverage?month=2026-02", headers=manager).get_json()
    assert len(days["days"]) == 28
    desk = people.headers("receptionist")
    assert client.get("/api/v1/reports/monthly", headers=desk).status_code == 403
    assert client.get(f"/api/v1/reports/technicians/{technician}", headers=desk).status_code == 403


def test_a_customer_is_found_by_phone_in_any_format_and_shows_their_cases(
    client: FlaskClient, people: Personas
) -> None:
    from tests.factories import create_case, repair_body

    people.product()
    people.technician()
    number = create_case(client, people.headers(), repair_body(phone="010-3000-0001"))["number"]
    desk = people.headers("receptionist")
    found = client.get("/api/v1/customers?q=+82 10 3000 0001", headers=desk).get_json()["items"]
    assert [c["phone"] for c in found] == ["+821030000001"]
    by_name = client.get("/api/v1/customers?q=길동", headers=desk).get_json()["items"]
    assert [c["id"] for c in by_name] == [found[0]["id"]]
    page = client.get(f"/api/v1/customers/{found[0]['id']}", headers=desk).get_json()
    assert [c["number"] for c in page["cases"]] == [number]
    assert page["units"] == [{"model": "AC-1", "serial_number": "SN-1"}]
    clerk = people.headers("warehouse_clerk")
    assert client.get(f"/api/v1/customers/{found[0]['id']}", headers=clerk).status_code == 403
    assert client.get("/api/v1/customers?q=x", headers=desk).status_code == 422


def test_internal_notes_through_the_api_keep_author_and_time_and_stay_with_office_staff(
    client: FlaskClient, people: Personas
) -> None:
    from tests.factories import create_case, repair_body

    people.product()
    technician = people.technician()
    number = create_case(client, people.headers(), repair_body())["number"]
    desk = people.headers("receptionist")
    written = client.post(
        f"/api/v1/cases/{number}/notes", headers=desk, json={"text": "  내일 10시에 다시 전화  "}
    )
    assert written.status_code == 201
    assert written.get_json()["text"] == "내일 10시에 다시 전화"
    assert written.get_json()["author"] == "receptionist"
    manager = people.headers("repair_manager")
    listed = client.get(f"/api/v1/cases/{number}/notes", headers=manager).get_json()["items"]
    assert [n["text"] for n in listed] == ["내일 10시에 다시 전화"]
    blank = client.post(f"/api/v1/cases/{number}/notes", headers=desk, json={"text": "   "})
    assert blank.status_code == 422 and blank.get_json()["error"]["field"] == "text"
    # A technician's words about a job are their work reports: notes are not theirs to read.
    own = people.technician_headers(technician)
    assert client.get(f"/api/v1/cases/{number}/notes", headers=own).status_code in (403, 404)
    assert client.get("/api/v1/cases/AS-2026-999999/notes", headers=desk).status_code == 404
