"""The status machine of each case kind, through the API: every allowed step works, every forbidden
one answers 409 naming the allowed actions; roles decide who may act (R6.5)."""

from __future__ import annotations

from collections import deque
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cases.machine import (
    ALL_ACTIONS,
    INITIAL_STATUS,
    SAME,
    TRANSITIONS,
    allowed_actions,
    next_status,
)
from backend.cases.models import CaseKind
from backend.db import Database
from backend.errors import TransitionNotAllowed
from backend.people.models import StaffUser, Technician
from tests.factories import (
    FOR_THE_TECHNICIAN,
    Personas,
    act,
    complaint_body,
    consent_first,
    create_case,
    repair_body,
)

# The status each kind has right after intake through the API (with one eligible technician):
# a repair is dispatched at once, a complaint routed at once (R2.3).
AFTER_INTAKE = {
    "repair": "assigned",
    "complaint": "routed",
    "return": "received",
    "inquiry": "received",
    "suggestion": "received",  # walked through the API in tests/suggestions/test_evaluation.py
}


def paths_to_statuses(kind: str) -> dict[str, list[str]]:
    """The shortest list of actions from the status after intake to every reachable status."""
    start = AFTER_INTAKE[kind]
    paths: dict[str, list[str]] = {start: []}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for action in allowed_actions(kind, status):
            target = TRANSITIONS[kind][action][status]
            target = status if target == SAME else target
            if target not in paths:
                paths[target] = [*paths[status], action]
                queue.append(target)
    return paths


REACHABLE = [
    (kind, status, path)
    for kind in ("repair", "complaint", "return", "inquiry")
    for status, path in paths_to_statuses(kind).items()
]


def test_every_status_of_every_machine_is_reached_by_these_tests() -> None:
    for kind, table in TRANSITIONS.items():
        statuses = {s for moves in table.values() for pair in moves.items() for s in pair} - {SAME}
        unreached = statuses - set(paths_to_statuses(kind))
        # A complaint is routed at intake, so 'received' is only seen inside intake.
        assert unreached <= {INITIAL_STATUS[CaseKind(kind)]}, (kind, unreached)


def test_a_complaint_still_received_may_only_be_routed_or_escalated() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        next_status("complaint", "received", "answer")
    assert refused.value.allowed == ["route", "escalate"]


def _body_for(kind: str, action: str, technician_id: int) -> dict[str, Any]:
    """The step's body, with the reason a manager gives for a technician's step or a cancel, and
    the name the customer signed with (README "Security")."""
    return {**FOR_THE_TECHNICIAN, "signed_by": "홍길동", **_step_body(kind, action, technician_id)}


def _step_body(kind: str, action: str, technician_id: int) -> dict[str, Any]:
    bodies: dict[str, dict[str, Any]] = {
        "assign": {"technician_id": technician_id},
        "answer": {"answer": "답변드립니다."},
        "resolve": {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1},
        "finish_repair": {"parts": [{"code": "COMP"}], "hours": 2},
        "escalate": {"reason": "customer away"},
        "route": {"department": "service"},
        "decide": {"decision": "refund"},
    }
    if kind == "return" and action == "inspect":
        return {"cause_department": "warehouse_transport"}
    return bodies.get(action, {})


def _new_case(client: FlaskClient, people: Personas, kind: str, index: int) -> dict[str, Any]:
    phone = f"010-4{index:03d}-0001"
    if kind == "repair":
        body = repair_body(phone=phone, serial=f"SN-{index}")
    elif kind == "complaint":
        body = complaint_body(phone=phone)
    else:
        body = {
            "kind": kind,
            "channel": "email",
            "description": f"{kind} {index}",
            "customer": {"name": "Jane Park", "phone": phone},
            "product": {"model": "AC-1", "serial_number": f"RT-{index}"},
        }
    return create_case(client, people.headers(), body)


@pytest.fixture
def world(people: Personas) -> int:
    """One product and one technician certified for it; the technician's id."""
    people.product()
    return people.technician()


@pytest.mark.parametrize(
    ("kind", "status", "path"), REACHABLE, ids=[f"{kind}-{status}" for kind, status, _ in REACHABLE]
)
def test_forbidden_actions_answer_409_naming_the_allowed_ones(
    client: FlaskClient, people: Personas, world: int, kind: str, status: str, path: list[str]
) -> None:
    staff = people.staff_headers(kind)
    signer = people.technician_headers(world)  # the customer's signature, on the job's phone

    def headers(action: str) -> dict[str, str]:
        return signer if action == "sign_off" and kind == "repair" else staff

    case = _new_case(client, people, kind, len(path))
    assert case["status"] == AFTER_INTAKE[kind]
    for action in path:  # every allowed step on the way works
        body = _body_for(kind, action, world)
        if action in ("resolve", "finish_repair"):  # R4.11 chargeable work needs consent
            consent_first(client, staff, case["number"], body)
        case = act(client, headers(action), case["number"], action, body)
    assert case["status"] == status
    allowed = allowed_actions(kind, status)
    assert case["allowed_actions"] == allowed
    events_before = len(case["events"])
    for action in sorted(set(ALL_ACTIONS) - set(allowed)):
        if action == "sign_off" and kind == "repair" and case["assigned_technician"] is None:
            # No technician holds the job, so no one may sign for it: refused before the status.
            act(client, staff, case["number"], action, status=403)
            continue
        error = act(
            client,
            headers(action),
            case["number"],
            action,
            _body_for(kind, action, world),
            status=409,
        )["error"]
        assert error["code"] == "action_not_allowed"
        assert error["allowed_actions"] == allowed
        assert error["field"] == "action"
        assert f"'{action}'" in error["message"] and status in error["message"]
        assert all(name in error["message"] for name in allowed)
    after = client.get(f"/api/v1/cases/{case['number']}", headers=staff).get_json()
    assert after["status"] == status and len(after["events"]) == events_before


def test_unknown_action_is_404_naming_the_actions(
    client: FlaskClient, people: Personas, world: int
) -> None:
    case = _new_case(client, people, "repair", 1)
    error = act(client, people.headers(), case["number"], "teleport", status=404)["error"]
    assert error["field"] == "action" and "sign_off" in error["message"]


def test_a_whole_repair_on_site(
    client: FlaskClient, people: Personas, world: int, database: Database
) -> None:
    """Receptionist registers, manager assigns, technician accepts/departs/arrives/resolves,
    the customer's signature is recorded (R7.3, R7.4)."""
    headers = people.headers("repair_manager")
    case = create_case(client, people.headers(), repair_body(purchased_on=date(2024, 6, 1)))
    number = case["number"]
    assert number.startswith("AS-2026-")
    assert case["assigned_technician"] == {"id": world, "name": "김민수"}
    second = people.technician("이서연", phone="010-2000-0002")
    case = act(client, headers, number, "assign", {"technician_id": second})
    assert case["assigned_technician"]["id"] == second and case["status"] == "assigned"
    technician = people.technician_headers(second)
    for action, status in [("accept", "accepted"), ("depart", "en_route"), ("arrive", "on_site")]:
        case = act(client, technician, number, action)
        assert case["status"] == status
    assert case["arrived_at"] == "2026-11-25T10:00:00+09:00"
    work = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1}
    consent_first(client, technician, number, work)  # R4.11 the customer agrees first
    case = act(
        client,
        technician,
        number,
        "resolve",
        {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1},
    )
    assert case["status"] == "resolved" and case["charges"]["total"] == 80_000 + 30_000 + 20_000
    # R7.4: the customer signs on the technician's phone, under their own name.
    case = act(client, technician, number, "sign_off", {"signed_by": "홍길동", "note": "확인"})
    assert case["status"] == "closed" and case["closed_at"] is not None
    actions = [e["action"] for e in case["events"]]
    assert actions == [
        "intake",
        "assign",
        "assign",
        "accept",
        "depart",
        "arrive",
        "quote",
        "accept_quote",
        "resolve",
        "sign_off",
    ]
    assert case["events"][-1]["note"] == "확인"
    assert all(e["at"].endswith("+09:00") for e in case["events"])
    assert case["survey"]["status"] == "pending"  # R8.3: every job is surveyed
    from backend.outbox.models import OutboundMessage

    with database.session() as session:
        purposes = session.scalars(select(OutboundMessage.purpose)).all()
    assert "sign_off_request" in purposes and "intake_confirmation" in purposes


def test_the_workshop_path(client: FlaskClient, people: Personas, world: int) -> None:
    """Not repairable on site: receipt, repair card, inspection, return, signature (R4.10, R7.6,
    R7.7)."""
    headers = people.headers("repair_manager")
    number = create_case(client, people.headers(), repair_body())["number"]
    for action in ("accept", "arrive", "take_to_workshop"):
        act(client, headers, number, action, FOR_THE_TECHNICIAN)
    warehouse = people.headers("warehouse_clerk")
    case = act(
        client,
        warehouse,
        number,
        "finish_repair",
        {"parts": [{"code": "COMP", "quantity": 1}], "hours": 3},
    )
    assert case["status"] == "repaired" and case["charges"]["total"] == 0
    case = act(client, headers, number, "inspect")  # R7.7 the supervisor inspects
    assert case["status"] == "inspected"
    receipt = {"receipt_number": case["workshop"]["receipt_number"]}  # R4.10 taken back
    case = act(client, warehouse, number, "return_item", receipt)
    assert case["status"] == "resolved" and case["resolved_at"] is not None
    case = act(
        client, people.technician_headers(world), number, "sign_off", {"signed_by": "홍길동"}
    )
    assert case["status"] == "closed"
    assert [e["to_status"] for e in case["events"]][-5:] == [
        "in_workshop",
        "repaired",
        "inspected",
        "resolved",
        "closed",
    ]


def test_decline_reassigns_to_another_technician(
    client: FlaskClient, people: Personas, world: int
) -> None:
    other = people.technician("이서연", phone="010-2000-0002")
    number = create_case(client, people.headers(), repair_body())["number"]
    first = client.get(f"/api/v1/cases/{number}", headers=people.headers()).get_json()
    declined_by = first["assigned_technician"]["id"]
    case = act(client, people.headers("repair_manager"), number, "decline", {"reason": "busy"})
    assert case["status"] == "assigned"
    assert case["assigned_technician"]["id"] == ({world, other} - {declined_by}).pop()


def test_cancel_and_escalate(client: FlaskClient, people: Personas, world: int) -> None:
    headers = people.headers("repair_manager")
    number = create_case(client, people.headers(), repair_body())["number"]
    case = act(client, headers, number, "escalate", {"reason": "parts missing"})
    assert (case["status"], case["escalated_to"], case["priority"]) == (
        "assigned",
        "service_director",
        "high",
    )
    case = act(client, headers, number, "cancel", {"reason": "the customer fixed it"})
    assert case["status"] == "cancelled"


# --- roles -----------------------------------------------------------------------------------


@pytest.fixture
def technician_user(people: Personas, database: Database, world: int) -> dict[str, str]:
    """The headers of a technician's own login, linked to the technician `world`."""
    headers = people.headers("technician")
    with database.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.role == "technician"))
        technician = session.get(Technician, world)
        assert user is not None and technician is not None
        technician.user_id = user.id
    return headers


def test_a_technician_works_their_own_job(
    client: FlaskClient, people: Personas, technician_user: dict[str, str]
) -> None:
    number = create_case(client, people.headers(), repair_body())["number"]
    for action in ("accept", "depart", "arrive"):
        act(client, technician_user, number, action)
    consent_first(client, technician_user, number, {"hours": 1})
    case = act(client, technician_user, number, "resolve", {"hours": 1})
    assert case["status"] == "resolved"
    assert any(e["actor"].startswith("user:") for e in case["events"] if e["action"] == "accept")
    # The customer's signature is captured on the technician's phone, under the customer's name:
    # never without it (R7.4).
    error = act(client, technician_user, number, "sign_off", status=422)["error"]
    assert error["field"] == "signed_by"
    case = act(client, technician_user, number, "sign_off", {"signed_by": "홍길동"})
    assert case["status"] == "closed"


def test_a_technician_cannot_see_or_touch_someone_elses_job(
    client: FlaskClient, people: Personas, technician_user: dict[str, str], world: int
) -> None:
    other = people.technician("이서연", phone="010-2000-0002")
    number = create_case(client, people.headers(), repair_body())["number"]
    act(client, people.headers("repair_manager"), number, "assign", {"technician_id": other})
    assert (
        act(client, technician_user, number, "accept", status=404)["error"]["code"] == "not_found"
    )
    assert client.get(f"/api/v1/cases/{number}", headers=technician_user).status_code == 404
    listing = client.get("/api/v1/cases", headers=technician_user).get_json()
    assert listing["total"] == 0
    own = create_case(client, people.headers(), repair_body(phone="010-3000-0002", serial="X"))
    act(client, people.headers("repair_manager"), own["number"], "assign", {"technician_id": world})
    listing = client.get("/api/v1/cases", headers=technician_user).get_json()
    assert [c["number"] for c in listing["items"]] == [own["number"]]


def test_a_technician_cannot_assign_jobs(
    client: FlaskClient, people: Personas, technician_user: dict[str, str], world: int
) -> None:
    number = create_case(client, people.headers(), repair_body())["number"]
    error = act(client, technician_user, number, "assign", {"technician_id": world}, status=403)[
        "error"
    ]
    assert error["field"] == "action"


def test_a_warehouse_clerk_cannot_create_cases(
    client: FlaskClient, people: Personas, world: int
) -> None:
    response = client.post(
        "/api/v1/cases", headers=people.headers("warehouse_clerk"), json=repair_body()
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_receptionist_cannot_inspect_a_workshop_repair(
    client: FlaskClient, people: Personas, world: int
) -> None:
    headers = people.headers("repair_manager")
    number = create_case(client, people.headers(), repair_body())["number"]
    for action in ("accept", "arrive", "take_to_workshop", "finish_repair"):
        act(client, headers, number, action, FOR_THE_TECHNICIAN)
    act(client, people.headers("receptionist"), number, "inspect", status=403)


def test_a_hotline_officer_cannot_drive_a_repair(
    client: FlaskClient, people: Personas, world: int
) -> None:
    number = create_case(client, people.headers(), repair_body())["number"]
    act(client, people.headers("hotline_officer"), number, "accept", status=403)


def test_assigning_an_uncertified_technician_names_the_reason(
    client: FlaskClient, people: Personas, world: int
) -> None:
    fridge_only = people.technician(
        "최유진", phone="010-2000-0004", lines={"refrigerator": date(2030, 1, 1)}
    )
    number = create_case(client, people.headers(), repair_body())["number"]
    error = act(
        client,
        people.headers("repair_manager"),
        number,
        "assign",
        {"technician_id": fridge_only},
        status=422,
    )["error"]
    assert error["field"] == "technician_id" and "not certified" in error["message"]  # R4.4
    error = act(
        client,
        people.headers("repair_manager"),
        number,
        "assign",
        {"technician_id": 999999},
        status=422,
    )["error"]
    assert error["field"] == "technician_id"
