"""The permission matrix (backend/cases/permissions.py, README "Security"), through the API: every
role × action × case kind and status answers what the matrix says — 200, 403 where the role may
not act, 404 where the case must not even be seen, 409 where the status does not allow the step —
and every reader gets the case without the parts the matrix hides. Then findings 2–4 of the
access review, each as its own regression test (finding 1: tests/test_case_access.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.actors import Actor
from backend.cases.machine import ALL_ACTIONS, STATUSES, TRANSITIONS, RepairStatus
from backend.cases.models import Case, CaseKind
from backend.cases.notices import JOB_BUTTONS, job_buttons
from backend.cases.permissions import (
    HOTLINE_DEPARTMENT,
    Hide,
    Verdict,
    can,
    matrix_markdown,
    sight_for,
)
from backend.cases.service import get_case
from backend.complaints.routing import DepartmentCode
from backend.db import Database
from backend.people.models import Role
from backend.tasks.models import Task
from tests.factories import (
    CUSTOMER_PHONE,
    Personas,
    act,
    case_in_status,
    complaint_body,
    create_case,
)

STAFF_ROLES = [role.value for role in Role if role != Role.TECHNICIAN]
# The technician's three situations: their own job, a colleague's, a login linked to nobody.
TECHNICIANS = ["technician_own", "technician_other", "technician_unlinked"]
# (kind, department) → every status of that kind; a complaint about after-sales staff (R9.4)
# is the hotline's, so it is a class of its own.
CLASSES = {
    "repair": ("repair", None),
    "complaint": ("complaint", "service"),
    "staff_complaint": ("complaint", HOTLINE_DEPARTMENT),
    "return": ("return", None),
    "inquiry": ("inquiry", None),
    "suggestion": ("suggestion", None),
}
COMBOS = [
    (case_class, status.value)
    for case_class, (kind, _department) in CLASSES.items()
    for status in STATUSES[CaseKind(kind)]
]


def _body(department: str | None, technician_id: int, kind: str = "repair") -> dict[str, Any]:
    """Every field any step reads, so that a step the matrix allows succeeds (a return's
    decision is a refund, a suggestion's an acceptance)."""
    return {
        "reason": "asked by phone",
        "signed_by": "홍길동",
        "answer": "답변드립니다.",
        "technician_id": technician_id,
        "hours": 1,
        "parts": [],
        "department": department or "service",
        "cause_department": "warehouse_transport",
        "decision": "accepted" if kind == "suggestion" else "refund",
        "note": "좋은 제안입니다.",
        "reward_amount": 50_000,
        "channel": "phone",
        "method": "cash",
    }


# Steps the status allows that need more than the status (R4.11, R7.5): an answer needs a quote
# waiting for it, a quote something chargeable, a payment charges to pay. A case put straight
# into a status has none of these, so an allowed step is refused with 409 naming what is missing.
NEEDS_MORE_THAN_STATUS = {"accept_quote", "decline_quote", "quote", "pay"}


class World:
    """Two technicians, the staff of every role, and how each is seen by the matrix."""

    def __init__(self, people: Personas) -> None:
        people.product()
        self.own = people.technician("김민수", phone="010-2000-0001")
        self.other = people.technician("이서연", phone="010-2000-0002")
        self.headers = {role: people.headers(role) for role in STAFF_ROLES}
        self.headers["technician_own"] = people.technician_headers(self.own)
        self.headers["technician_other"] = people.technician_headers(self.other)
        self.headers["technician_unlinked"] = people.headers("technician")
        self.actors = {
            role: Actor("user", id=1, role=role, channel="web") for role in STAFF_ROLES
        } | {
            "technician_own": Actor("user", id=1, role="technician", technician_id=self.own),
            "technician_other": Actor("user", id=1, role="technician", technician_id=self.other),
            "technician_unlinked": Actor("user", id=1, role="technician"),
        }


@pytest.fixture
def world(people: Personas) -> World:
    return World(people)


def _load(database: Database, number: str) -> Case:
    with database.session() as session:
        case = get_case(session, number)
        session.expunge(case)
    return case


def _expected(actor: Actor, action: str, case: Case) -> int:
    """What the API must answer, from the matrix and the machine."""
    decision = can(actor, action, case)
    if decision.verdict is Verdict.HIDDEN:
        return 404
    if action not in TRANSITIONS[case.kind]:
        return 409  # no such step for this kind at all (contract: 409 naming the allowed ones)
    if decision.verdict is Verdict.FORBIDDEN:
        return 403
    if case.status not in TRANSITIONS[case.kind][action] or action in NEEDS_MORE_THAN_STATUS:
        return 409
    return 200


def _check_redaction(answer: dict[str, Any], hidden: frozenset[Hide]) -> list[str]:
    problems = []
    customer = answer["customer"]
    if Hide.CUSTOMER in hidden and customer is not None:
        problems.append("customer shown")
    if Hide.CONTACT in hidden and customer and (customer["phone"] or customer["address"]):
        problems.append("contact shown")
    if Hide.TEXT in hidden and (answer["description"] or any(e["note"] for e in answer["events"])):
        problems.append("text shown")
    if not hidden and (customer is None or customer["phone"] != CUSTOMER_PHONE):
        problems.append("contact missing")
    if not hidden and answer["description"] is None:
        problems.append("description missing")
    return problems


@pytest.mark.parametrize(("case_class", "status"), COMBOS, ids=[f"{c}-{s}" for c, s in COMBOS])
def test_every_role_and_action_answers_as_the_matrix_says(
    client: FlaskClient, database: Database, world: World, case_class: str, status: str
) -> None:
    kind, department = CLASSES[case_class]
    assigned = world.own if kind == "repair" and status != RepairStatus.NEW else None

    def fresh() -> str:
        return case_in_status(
            database, kind=kind, status=status, technician_id=assigned, department=department
        )

    shared = fresh()
    case = _load(database, shared)
    body = _body(department, world.own, kind)
    mismatches: list[tuple[str, str, int, int]] = []
    for subject, headers in world.headers.items():
        actor = world.actors[subject]
        sight = sight_for(actor, case)
        read = client.get(f"/api/v1/cases/{shared}", headers=headers)
        if read.status_code != (404 if sight is None else 200):
            mismatches.append((subject, "read", read.status_code, 404 if sight else 200))
        elif sight is not None:
            problems = _check_redaction(read.get_json(), sight.hidden)
            assert not problems, (subject, problems)
        listing = client.get(f"/api/v1/cases?kind={kind}", headers=headers).get_json()
        listed = [c["number"] for c in listing["items"]]
        assert listed == ([shared] if sight is not None else []), (subject, "list")
    for subject, headers in world.headers.items():  # after the reads: steps add fresh cases
        actor = world.actors[subject]
        for action in ALL_ACTIONS:
            expected = _expected(actor, action, case)
            number = fresh() if expected == 200 else shared  # a step taken changes its case
            response = client.post(
                f"/api/v1/cases/{number}/actions/{action}", headers=headers, json=body
            )
            if response.status_code != expected:
                mismatches.append((subject, action, response.status_code, expected))
    assert not mismatches, mismatches
    after = _load(database, shared)
    assert after.status == status and len(after.events) == 1  # no refused step changed it


def test_the_readme_prints_the_matrix_as_the_code_holds_it() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert matrix_markdown() in readme, "run: python -m scripts.permission_table"


def test_the_hotline_department_is_the_routings_own() -> None:
    assert HOTLINE_DEPARTMENT == DepartmentCode.COMPLAINT_HOTLINE


# --- the findings ----------------------------------------------------------------------------


def test_finding_2_receptionist_and_warehouse_do_only_their_duty(
    client: FlaskClient, database: Database, world: World
) -> None:
    """Finding 2: a warehouse clerk could cancel, accept and mark arrival; a receptionist could
    resolve, sign off as the customer, move the job to the workshop, answer and close complaints."""
    warehouse, desk = world.headers["warehouse_clerk"], world.headers["receptionist"]
    body = _body(None, world.own)
    workshop = case_in_status(
        database, kind="repair", status="in_workshop", technician_id=world.own
    )
    for action in ("cancel", "accept", "arrive"):
        number = case_in_status(database, kind="repair", status="accepted", technician_id=world.own)
        # a field job is not even seen by the warehouse; a workshop one is, but not these steps
        act(client, warehouse, number, action, body, status=404)
        act(client, warehouse, workshop, action, body, status=403)
    on_site = case_in_status(database, kind="repair", status="on_site", technician_id=world.own)
    resolved = case_in_status(database, kind="repair", status="resolved", technician_id=world.own)
    for number, action in (
        (on_site, "resolve"),
        (on_site, "take_to_workshop"),
        (resolved, "sign_off"),
    ):
        assert act(client, desk, number, action, body, status=403)["error"]["field"] == "action"
    routed = case_in_status(database, kind="complaint", status="routed", department="service")
    answered = case_in_status(database, kind="complaint", status="answered", department="service")
    act(client, desk, routed, "answer", body, status=403)
    act(client, desk, answered, "close", body, status=403)
    # What is theirs: the receptionist cancels a case registered by mistake, before dispatch.
    new = case_in_status(database, kind="repair", status="new")
    error = act(client, desk, new, "cancel", status=422)["error"]
    assert error["field"] == "reason"
    assert act(client, desk, new, "cancel", {"reason": "registered twice"})["status"] == "cancelled"
    act(client, desk, on_site, "cancel", body, status=403)  # once dispatched it is not theirs
    # The warehouse works the workshop: the repair card, and the return of the item.
    assert act(client, warehouse, workshop, "finish_repair", body)["status"] == "repaired"


def test_finding_2_a_managers_technician_step_needs_a_reason_and_is_recorded_on_their_behalf(
    client: FlaskClient, database: Database, world: World
) -> None:
    manager = world.headers["repair_manager"]
    number = case_in_status(database, kind="repair", status="assigned", technician_id=world.own)
    assert act(client, manager, number, "accept", status=422)["error"]["field"] == "reason"
    case = act(client, manager, number, "accept", {"reason": "he phoned, battery dead"})
    event = case["events"][-1]
    assert event["action"] == "accept"
    assert event["note"] == f"on behalf of technician {world.own}: he phoned, battery dead"
    with database.session() as session:
        stored = get_case(session, number).events[-1]
        assert stored.data == {"on_behalf_of": world.own}
    # Nobody signs for the customer: not the manager, not the director (R7.4).
    resolved = case_in_status(database, kind="repair", status="resolved", technician_id=world.own)
    for role in ("repair_manager", "service_director", "admin"):
        act(client, world.headers[role], resolved, "sign_off", {"signed_by": "x"}, status=403)


def test_finding_3_warehouse_reads_only_its_cases_without_contacts_and_technicians_only_themselves(
    client: FlaskClient, database: Database, world: World
) -> None:
    """Finding 3: the warehouse read every case with complaint texts and the customer's contact
    details; any technician listed every technician's phone and home coordinates."""
    warehouse = world.headers["warehouse_clerk"]
    complaint = case_in_status(database, kind="complaint", status="routed", department="service")
    field_job = case_in_status(database, kind="repair", status="accepted", technician_id=world.own)
    workshop = case_in_status(database, kind="repair", status="repaired", technician_id=world.own)
    assert client.get(f"/api/v1/cases/{complaint}", headers=warehouse).status_code == 404
    assert client.get(f"/api/v1/cases/{field_job}", headers=warehouse).status_code == 404
    seen = client.get(f"/api/v1/cases/{workshop}", headers=warehouse).get_json()
    assert seen["customer"] == {"name": "홍길동", "phone": None, "address": None, "zone": "city"}
    assert seen["redacted"] == ["contact", "media"]
    listing = client.get("/api/v1/cases", headers=warehouse).get_json()
    assert [c["number"] for c in listing["items"]] == [workshop]
    text = str(listing)
    assert CUSTOMER_PHONE not in text and "불친절" not in text

    own = world.headers["technician_own"]
    technicians = client.get("/api/v1/technicians", headers=own).get_json()["items"]
    assert [t["id"] for t in technicians] == [world.own]
    assert technicians[0]["phone"] == "+821020000001"  # their own record, in full
    assert client.get(f"/api/v1/technicians/{world.other}", headers=own).status_code == 404
    unlinked = world.headers["technician_unlinked"]
    assert client.get("/api/v1/technicians", headers=unlinked).get_json()["items"] == []
    # Other staff see the technicians, but their phone and home only when they dispatch.
    desk = client.get("/api/v1/technicians", headers=world.headers["receptionist"]).get_json()
    assert len(desk["items"]) == 2 and all(t["phone"] is None for t in desk["items"])
    manager = world.headers["repair_manager"]
    dispatch = client.get(f"/api/v1/technicians/{world.other}", headers=manager).get_json()
    assert dispatch["phone"] == "+821020000002"


def test_finding_4_a_complaint_about_after_sales_staff_is_the_hotlines(
    client: FlaskClient, database: Database, world: World
) -> None:
    """Finding 4: complaints about after-sales staff were owned, answered and closed by the
    service director, head of the department complained about (R9.4: the hotline is
    independent)."""
    body = complaint_body(
        topic="staff_attitude", about_after_sales=True, description="기사님이 불친절했습니다"
    )
    created = create_case(client, world.headers["receptionist"], body)
    number = created["number"]
    assert created["department"] == "complaint_hotline"
    assert created["accountable"] == "hotline_officer"
    with database.session() as session:
        roles = session.scalars(select(Task.role).where(Task.kind == "complaint")).all()
    assert roles == ["hotline_officer"]  # the director is not even alerted
    # After-sales sees that it exists, never what it says.
    assert created["description"] is None and created["customer"] is None  # the desk's own view
    for role in ("receptionist", "repair_manager", "service_director", "admin"):
        seen = client.get(f"/api/v1/cases/{number}", headers=world.headers[role]).get_json()
        assert (seen["number"], seen["status"]) == (number, "routed")
        assert seen["description"] is None and seen["customer"] is None
        assert all(e["note"] is None for e in seen["events"])
        assert "불친절" not in str(seen)
    for role in ("warehouse_clerk", "technician_own", "technician_unlinked"):
        assert client.get(f"/api/v1/cases/{number}", headers=world.headers[role]).status_code == 404
    director = world.headers["service_director"]
    for action in ("route", "answer", "escalate", "close"):
        act(client, director, number, action, _body(HOTLINE_DEPARTMENT, world.own), status=403)
    # The vice-president supervises the hotline: reads it all, acts on none of it.
    supervised = client.get(f"/api/v1/cases/{number}", headers=world.headers["vice_president"])
    assert supervised.get_json()["description"] == "기사님이 불친절했습니다"
    act(client, world.headers["vice_president"], number, "answer", {"answer": "x"}, status=403)
    hotline = world.headers["hotline_officer"]
    assert (
        act(client, hotline, number, "answer", {"answer": "사과드립니다."})["status"] == "answered"
    )
    assert act(client, hotline, number, "close")["status"] == "closed"


def test_the_bot_offers_a_technician_only_the_steps_the_matrix_allows(
    database: Database, world: World
) -> None:
    """The job card's buttons (Telegram) come from the same matrix: every button offered is a
    step the job's technician may take; a job with no technician offers none."""
    for status, buttons in JOB_BUTTONS.items():
        number = case_in_status(database, kind="repair", status=status, technician_id=world.own)
        case = _load(database, number)
        offered = [b["callback_data"].split(":")[1] for row in _rows(case) for b in row]
        # `pay` shows only on a job with something to pay (tests/money covers it)
        assert offered == [b for b in buttons if b != "pay"]
        technician = Actor("technician", id=world.own, technician_id=world.own)
        assert all(can(technician, action, case).allowed for action in offered)
        case.assigned_technician_id = None
        assert _rows(case) == []


def _rows(case: Case) -> list[list[dict[str, str]]]:
    markup = job_buttons(case, "en")
    rows: list[list[dict[str, str]]] = markup["inline_keyboard"]  # type: ignore[assignment]
    return rows
