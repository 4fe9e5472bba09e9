"""The dashboard's tools, purchase-request, promotion and document pages (R4.2, R5.5–R5.7,
R6.5): each answers the roles the matrix names, in Korean by default, and its forms work."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import Database
from backend.people.models import Role, StaffUser, Technician
from backend.people.service import create_user
from backend.tools.models import PurchaseRequest, Tool
from tests.assets.conftest import PDF
from tests.factories import Personas

PAGES = ("/tools", "/purchase-requests", "/promotions", "/documents")


def sign_in(client: FlaskClient, database: Database, role: str) -> None:
    email = f"{role}.page@test.local"
    with database.session() as session:
        create_user(session, email=email, role=role, password="pw-123456")
    token = csrf(client, "/login")
    answer = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": "pw-123456"}
    )
    assert answer.status_code == 302, answer.data[:300]


def csrf(client: FlaskClient, page: str) -> str:
    html = client.get(page).get_data(as_text=True)
    return html.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("warehouse_clerk", {"/tools", "/purchase-requests", "/documents"}),
        ("finance", {"/tools", "/purchase-requests"}),
        ("receptionist", {"/promotions", "/documents"}),
        ("technician", {"/tools", "/documents"}),
        ("admin", set(PAGES)),
    ],
)
def test_each_page_answers_the_roles_of_the_matrix(
    app: Any, database: Database, role: str, allowed: set[str]
) -> None:
    client = app.test_client()
    sign_in(client, database, role)
    for page in PAGES:
        assert client.get(page).status_code == (200 if page in allowed else 403), (role, page)


def test_r5_7_finance_approves_in_the_dashboard_and_the_warehouse_buys(
    app: Any, database: Database, people: Personas
) -> None:
    clerk, finance = app.test_client(), app.test_client()
    sign_in(clerk, database, "warehouse_clerk")
    sign_in(finance, database, "finance")
    token = csrf(clerk, "/purchase-requests")
    clerk.post(
        "/purchase-requests",
        data={
            "csrf_token": token,
            "item": "절연 저항계",
            "kind": "test_equipment",
            "reason": "교체",
            "estimated_cost": "300000",
        },
    )
    with database.session() as session:
        request_id = session.scalars(select(PurchaseRequest.id)).one()
    bought = {
        "csrf_token": token,
        "serial_number": "IR-1",
        "value": "290000",
        "purchased_on": "2026-11-20",
    }
    clerk.post(f"/purchase-requests/{request_id}/purchase", data=bought)
    with database.session() as session:
        assert session.scalars(select(Tool)).all() == []  # not before finance approved
    page = finance.get("/purchase-requests").get_data(as_text=True)
    assert "승인" in page and "절연 저항계" in page
    finance.post(
        f"/purchase-requests/{request_id}/decision",
        data={"csrf_token": csrf(finance, "/purchase-requests"), "approved": "yes"},
    )
    clerk.post(f"/purchase-requests/{request_id}/purchase", data=bought)
    with database.session() as session:
        assert [t.serial_number for t in session.scalars(select(Tool))] == ["IR-1"]


def test_r6_5_the_documents_page_lists_and_serves_only_what_the_role_reads(
    app: Any, database: Database, people: Personas
) -> None:
    people.product()
    manager = app.test_client()
    sign_in(manager, database, "repair_manager")
    for level, title in (("service", "팬 교체 지침"), ("confidential", "압축기 설계")):
        manager.post(
            "/documents",
            data={
                "csrf_token": csrf(manager, "/documents"),
                "model": "AC-1",
                "kind": "repair_guide",
                "level": level,
                "title": title,
                "file": (io.BytesIO(PDF), "guide.pdf"),
            },
            content_type="multipart/form-data",
        )
    technician = app.test_client()
    sign_in(technician, database, Role.TECHNICIAN)
    page = technician.get("/documents").get_data(as_text=True)
    assert "팬 교체 지침" in page and "압축기 설계" not in page
    assert technician.get("/documents/1/file").data == PDF
    assert technician.get("/documents/2/file").status_code == 404
    assert manager.get("/documents/2/file").data == PDF


def test_r4_2_an_admin_records_a_promotion_in_the_dashboard(
    app: Any, database: Database, people: Personas
) -> None:
    people.product()
    admin = app.test_client()
    sign_in(admin, database, "admin")
    admin.post(
        "/promotions",
        data={
            "csrf_token": csrf(admin, "/promotions"),
            "name": "겨울 팬 보증",
            "models": "AC-1",
            "purchased_from": "2025-12-01",
            "purchased_until": "2026-02-28",
            "part_months": "FAN=12",
        },
    )
    assert "겨울 팬 보증" in admin.get("/promotions").get_data(as_text=True)


JUNK = [
    "",
    "-1",
    "0",
    "abc",
    "9" * 40,
    "\x00",
    "' OR 1=1 --",
    "2026-13-40",
    "1e9",
    "한글",
    "a" * 5000,
]
FORMS = {
    "warehouse_clerk": [
        "/tools",
        "/tools/1/handovers",
        "/tools/handovers/1/confirm",
        "/tools/1/incidents",
        "/purchase-requests",
        "/purchase-requests/1/purchase",
    ],
    "service_director": [
        "/tools/incidents/1/decision",
        "/tools/99999999999999/incidents",
        "/tools/handovers/1/cancel",
    ],
    "finance": ["/purchase-requests/1/decision"],
    "admin": ["/promotions", "/documents"],
}
FIELDS = (
    "serial_number",
    "name",
    "kind",
    "value",
    "purchased_on",
    "holder_id",
    "to_technician_id",
    "side",
    "description",
    "decision",
    "amount",
    "note",
    "item",
    "reason",
    "estimated_cost",
    "for_technician_id",
    "approved",
    "models",
    "purchased_from",
    "purchased_until",
    "extra_months",
    "part_months",
    "model",
    "part_code",
    "level",
    "title",
)


def test_junk_in_the_asset_forms_never_answers_500(
    app: Any, database: Database, people: Personas
) -> None:
    people.product()
    kim = people.technician()
    with database.session() as session:
        session.add(
            Tool(
                serial_number="J-1",
                name="j",
                value=10,
                purchased_on=date(2025, 1, 1),
                holder_id=kim,
            )
        )
    for role, paths in FORMS.items():
        client = app.test_client()
        sign_in(client, database, role)
        token = csrf(client, "/documents" if role != "finance" else "/tools")
        for path in paths:
            for value in JUNK:
                data = {"csrf_token": token, **{name: value for name in FIELDS}}
                answer = client.post(path, data=data)
                assert answer.status_code < 500, (role, path, value, answer.status_code)
        for value in JUNK:
            for page in ("/documents", "/tools"):
                assert client.get(page, query_string={"model": value}).status_code < 500


def test_r5_6_store_to_technician_both_confirm_in_the_dashboard(
    app: Any, database: Database, people: Personas
) -> None:
    kim = people.technician()
    clerk, manager, technician = app.test_client(), app.test_client(), app.test_client()
    sign_in(clerk, database, "warehouse_clerk")
    sign_in(manager, database, "repair_manager")
    sign_in(technician, database, "technician")
    with database.session() as session:
        login = session.scalars(
            select(StaffUser).where(StaffUser.email == "technician.page@test.local")
        ).one()
        linked = session.get(Technician, kim)
        assert linked is not None
        linked.user_id = login.id
    token = csrf(clerk, "/tools")
    clerk.post(
        "/tools",
        data={
            "csrf_token": token,
            "serial_number": "TS-1",
            "name": "토크 렌치",
            "kind": "tool",
            "value": "90000",
            "purchased_on": "2025-05-05",
        },
    )
    with database.session() as session:
        tool_id = session.scalars(select(Tool.id)).one()
    manager.post(
        f"/tools/{tool_id}/handovers",
        data={"csrf_token": csrf(manager, "/tools"), "to_technician_id": str(kim)},
    )
    page = clerk.get("/tools").get_data(as_text=True)
    assert "확인을 기다리는 인수인계" in page
    clerk.post("/tools/handovers/1/confirm", data={"csrf_token": token, "side": "give"})
    with database.session() as session:
        assert session.get(Tool, tool_id).holder_id is None  # type: ignore[union-attr]
    technician.post(
        "/tools/handovers/1/confirm",
        data={"csrf_token": csrf(technician, "/tools"), "side": "take"},
    )
    with database.session() as session:
        assert session.get(Tool, tool_id).holder_id == kim  # type: ignore[union-attr]
    assert "토크 렌치" in technician.get("/tools").get_data(as_text=True)
