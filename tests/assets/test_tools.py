"""Tools and test equipment (R5.5–R5.7) through the API: the register, a handover that needs
both people, loss and damage with a compensation decision (normal wear excepted), and purchase
requests that finance approves before purchasing buys."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from backend.db import Database
from backend.tasks.models import Task
from tests.factories import Personas

CLERK, MANAGER, DIRECTOR, FINANCE = (
    "warehouse_clerk",
    "repair_manager",
    "service_director",
    "finance",
)


def _tool(client: FlaskClient, people: Personas, **extra: Any) -> dict[str, Any]:
    body = {
        "serial_number": "MM-0001",
        "name": "Digital multimeter",
        "kind": "test_equipment",
        "value": 250_000,
        "purchased_on": "2025-03-02",
        **extra,
    }
    answer = client.post("/api/v1/tools", json=body, headers=people.headers(CLERK))
    assert answer.status_code == 201, answer.get_json()
    tool: dict[str, Any] = answer.get_json()
    return tool


def _post(
    client: FlaskClient, path: str, headers: dict[str, str], body: dict[str, Any], status: int
) -> dict[str, Any]:
    answer = client.post(path, json=body, headers=headers)
    assert answer.status_code == status, answer.get_json()
    data: dict[str, Any] = answer.get_json()
    return data


def test_r5_5_a_tool_is_registered_once_with_serial_value_and_purchase_date(
    client: FlaskClient, people: Personas
) -> None:
    kim = people.technician()
    tool = _tool(client, people, holder_id=kim)
    assert tool["holder"] == {"id": kim, "name": "김민수"}
    assert (tool["value"], tool["purchased_on"], tool["kind"]) == (
        250_000,
        "2025-03-02",
        "test_equipment",
    )
    again = client.post(
        "/api/v1/tools",
        json={"serial_number": "MM-0001", "name": "x", "value": 1, "purchased_on": "2025-01-01"},
        headers=people.headers(CLERK),
    )
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "serial_number"
    future = client.post(
        "/api/v1/tools",
        json={"serial_number": "F-1", "name": "x", "value": 1, "purchased_on": "2027-01-01"},
        headers=people.headers(CLERK),
    )
    assert future.status_code == 422 and future.get_json()["error"]["field"] == "purchased_on"
    # A technician sees only the tools registered to them (R5.6, R6.5).
    park = people.technician("박지성", phone="010-2000-0002")
    mine = client.get("/api/v1/tools", headers=people.technician_headers(kim)).get_json()
    assert [t["serial_number"] for t in mine["items"]] == ["MM-0001"]
    theirs = client.get("/api/v1/tools", headers=people.technician_headers(park)).get_json()
    assert theirs["items"] == []
    hidden = client.get(f"/api/v1/tools/{tool['id']}", headers=people.technician_headers(park))
    assert hidden.status_code == 404
    assert client.post("/api/v1/tools", json={}, headers=people.headers(MANAGER)).status_code == 403


def test_r5_6_a_tool_handover_needs_both_confirmations(
    client: FlaskClient, people: Personas
) -> None:
    kim = people.technician()
    park = people.technician("박지성", phone="010-2000-0002")
    tool = _tool(client, people, holder_id=kim)
    handover = _post(
        client,
        f"/api/v1/tools/{tool['id']}/handovers",
        people.headers(MANAGER),
        {"to_technician_id": park},
        201,
    )
    confirm = f"/api/v1/tool-handovers/{handover['id']}/confirm"
    # Nobody confirms for someone else: not the receiver for the giver, not a manager, not
    # the store's staff for a technician's side.
    _post(client, confirm, people.technician_headers(park), {"side": "give"}, 403)
    _post(client, confirm, people.headers(CLERK), {"side": "give"}, 403)
    _post(client, confirm, people.headers(MANAGER), {"side": "give"}, 403)
    given = _post(client, confirm, people.technician_headers(kim), {"side": "give"}, 200)
    assert given["status"] == "pending" and given["given_at"] is not None
    still = client.get(f"/api/v1/tools/{tool['id']}", headers=people.headers(MANAGER)).get_json()
    assert still["holder"]["id"] == kim  # one confirmation moves nothing
    _post(client, confirm, people.technician_headers(kim), {"side": "give"}, 409)
    done = _post(client, confirm, people.technician_headers(park), {"side": "take"}, 200)
    assert done["status"] == "done"
    moved = client.get(f"/api/v1/tools/{tool['id']}", headers=people.headers(MANAGER)).get_json()
    assert moved["holder"]["id"] == park
    _post(client, confirm, people.technician_headers(park), {"side": "take"}, 409)
    cancel = f"/api/v1/tool-handovers/{handover['id']}/cancel"
    _post(client, cancel, people.headers(MANAGER), {}, 409)  # a done handover stays done


def test_r5_6_a_handover_nobody_finishes_is_called_off_and_the_tool_stays(
    client: FlaskClient, people: Personas
) -> None:
    kim = people.technician()
    park = people.technician("박지성", phone="010-2000-0002")
    tool = _tool(client, people, holder_id=kim)
    path = f"/api/v1/tools/{tool['id']}/handovers"
    handover = _post(client, path, people.headers(MANAGER), {"to_technician_id": park}, 201)
    _post(
        client,
        f"/api/v1/tool-handovers/{handover['id']}/confirm",
        people.technician_headers(kim),
        {"side": "give"},
        200,
    )
    cancelled = _post(
        client, f"/api/v1/tool-handovers/{handover['id']}/cancel", people.headers(MANAGER), {}, 200
    )
    assert cancelled["status"] == "cancelled"
    _post(
        client,
        f"/api/v1/tool-handovers/{handover['id']}/confirm",
        people.technician_headers(park),
        {"side": "take"},
        409,
    )
    still = client.get(f"/api/v1/tools/{tool['id']}", headers=people.headers(MANAGER)).get_json()
    assert still["holder"]["id"] == kim
    _post(
        client, path, people.headers(MANAGER), {"to_technician_id": park}, 201
    )  # a new one may open


def test_r5_6_back_to_the_store_the_warehouse_confirms_the_store_side(
    client: FlaskClient, people: Personas
) -> None:
    kim = people.technician()
    tool = _tool(client, people, holder_id=kim)
    handover = _post(
        client,
        f"/api/v1/tools/{tool['id']}/handovers",
        people.headers(MANAGER),
        {"to_technician_id": None},
        201,
    )
    _post(
        client,
        f"/api/v1/tools/{tool['id']}/handovers",
        people.headers(MANAGER),
        {"to_technician_id": None},
        409,
    )
    confirm = f"/api/v1/tool-handovers/{handover['id']}/confirm"
    _post(client, confirm, people.technician_headers(kim), {"side": "take"}, 403)
    _post(client, confirm, people.headers(CLERK), {"side": "take"}, 200)
    done = _post(client, confirm, people.technician_headers(kim), {"side": "give"}, 200)
    assert done["status"] == "done"
    back = client.get(f"/api/v1/tools/{tool['id']}", headers=people.headers(CLERK)).get_json()
    assert back["holder"] is None


def test_r5_7_lost_tool_is_compensated_and_normal_wear_is_excepted(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    kim = people.technician()
    lost = _tool(client, people, holder_id=kim)
    worn = _tool(
        client,
        people,
        serial_number="CR-7",
        name="Crimper",
        kind="tool",
        value=40_000,
        holder_id=kim,
    )
    incident = _post(
        client,
        f"/api/v1/tools/{lost['id']}/incidents",
        people.technician_headers(kim),
        {"kind": "lost", "description": "left at a customer's, gone"},
        201,
    )
    with database.session() as session:
        task = session.query(Task).filter_by(kind="tool_compensation").one()
        assert task.role == DIRECTOR
    decision = f"/api/v1/tool-incidents/{incident['id']}/decision"
    # A lost tool is never normal wear; a charge is at most the tool's value; only the director.
    wear = _post(client, decision, people.headers(DIRECTOR), {"decision": "normal_wear"}, 422)
    assert wear["error"]["field"] == "decision"
    too_much = {"decision": "charged", "amount": 250_001}
    assert (
        _post(client, decision, people.headers(DIRECTOR), too_much, 422)["error"]["field"]
        == "amount"
    )
    _post(client, decision, people.headers(MANAGER), {"decision": "charged", "amount": 1}, 403)
    charged = _post(
        client, decision, people.headers(DIRECTOR), {"decision": "charged", "amount": 125_000}, 200
    )
    assert (charged["decision"], charged["amount"]) == ("charged", 125_000)
    _post(client, decision, people.headers(DIRECTOR), {"decision": "waived", "note": "x"}, 409)
    # A damaged tool worn out by normal use costs the technician nothing.
    damaged = _post(
        client,
        f"/api/v1/tools/{worn['id']}/incidents",
        people.headers(MANAGER),
        {"kind": "damaged", "description": "jaws worn after two years"},
        201,
    )
    worn_decision = f"/api/v1/tool-incidents/{damaged['id']}/decision"
    charged_wear = {"decision": "normal_wear", "amount": 10_000}
    assert (
        _post(client, worn_decision, people.headers(DIRECTOR), charged_wear, 422)["error"]["field"]
        == "amount"
    )
    excepted = _post(
        client, worn_decision, people.headers(DIRECTOR), {"decision": "normal_wear"}, 200
    )
    assert (excepted["decision"], excepted["amount"]) == ("normal_wear", 0)
    tools = client.get("/api/v1/tools", headers=people.headers(MANAGER)).get_json()["items"]
    assert {t["serial_number"]: t["status"] for t in tools} == {
        "MM-0001": "lost",
        "CR-7": "damaged",
    }


def test_r5_7_a_technician_reports_only_their_own_tools(
    client: FlaskClient, people: Personas
) -> None:
    kim = people.technician()
    park = people.technician("박지성", phone="010-2000-0002")
    tool = _tool(client, people, holder_id=kim)
    body = {"kind": "damaged", "description": "dropped"}
    _post(
        client, f"/api/v1/tools/{tool['id']}/incidents", people.technician_headers(park), body, 403
    )


def test_r5_7_a_purchase_request_needs_finance_approval_before_purchase(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    kim = people.technician()
    request = _post(
        client,
        "/api/v1/purchase-requests",
        people.headers(MANAGER),
        {
            "item": "Refrigerant leak detector",
            "kind": "test_equipment",
            "reason": "the old one failed calibration",
            "estimated_cost": 480_000,
            "for_technician_id": kim,
        },
        201,
    )
    assert request["status"] == "requested"
    with database.session() as session:
        assert session.query(Task).filter_by(kind="tool_purchase").one().role == FINANCE
    bought = {"serial_number": "LD-42", "value": 455_000, "purchased_on": "2025-11-20"}
    purchase = f"/api/v1/purchase-requests/{request['id']}/purchase"
    decision = f"/api/v1/purchase-requests/{request['id']}/decision"
    refused = _post(client, purchase, people.headers(CLERK), bought, 409)  # not approved yet
    assert "finance" in refused["error"]["message"]
    # Only finance decides: not the manager who asked, not the warehouse that buys.
    _post(client, decision, people.headers(MANAGER), {"approved": True}, 403)
    _post(client, decision, people.headers(CLERK), {"approved": True}, 403)
    approved = _post(
        client, decision, people.headers(FINANCE), {"approved": True, "note": "ok"}, 200
    )
    assert approved["status"] == "approved"
    _post(client, decision, people.headers(FINANCE), {"approved": False}, 409)  # once
    _post(client, purchase, people.headers(FINANCE), bought, 403)  # finance does not buy
    tool = _post(client, purchase, people.headers(CLERK), bought, 201)
    assert (tool["serial_number"], tool["value"], tool["holder"]) == ("LD-42", 455_000, None)
    listed = client.get("/api/v1/purchase-requests", headers=people.headers(FINANCE)).get_json()
    assert (
        listed["items"][0]["status"] == "purchased" and listed["items"][0]["tool_id"] == tool["id"]
    )
    # Bought for 김민수: the handover from the store waits for both sides.
    waiting = client.get(
        "/api/v1/tool-handovers", headers=people.technician_headers(kim)
    ).get_json()
    assert [(h["tool_id"], h["to_technician_id"], h["status"]) for h in waiting["items"]] == [
        (tool["id"], kim, "pending")
    ]


def test_r5_7_a_rejected_purchase_is_never_bought(client: FlaskClient, people: Personas) -> None:
    request = _post(
        client,
        "/api/v1/purchase-requests",
        people.headers(CLERK),
        {"item": "Torque wrench", "reason": "spare", "estimated_cost": 90_000},
        201,
    )
    _post(
        client,
        f"/api/v1/purchase-requests/{request['id']}/decision",
        people.headers(FINANCE),
        {"approved": False},
        200,
    )
    bought = {"serial_number": "TW-1", "value": 90_000, "purchased_on": "2025-11-20"}
    _post(
        client,
        f"/api/v1/purchase-requests/{request['id']}/purchase",
        people.headers(CLERK),
        bought,
        409,
    )
