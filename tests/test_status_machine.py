"""The status vocabulary and who may change a status: the enums are the machine's statuses, every
one reachable and either terminal or with a way on; only `apply_transition` moves a case, and it
records every move; the case package never reaches up into dispatch."""

from __future__ import annotations

import ast
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, inspect, select

from backend.cases.machine import (
    ALL_STATUSES,
    AWAITING_ARRIVAL,
    COMMITTED,
    FIELD_JOB,
    INITIAL_STATUS,
    NOT_ARRIVED,
    OPEN_REPAIR,
    SAME,
    STATUSES,
    SYSTEM_TRANSITIONS,
    TERMINAL,
    TRANSITIONS,
    UNFINISHED_FIELD_JOB,
    RepairStatus,
)
from backend.cases.models import Case
from backend.dashboard.i18n import LABELS
from backend.db import Database
from backend.dialogues.status import STATUS_WORDS
from backend.dispatch.duties import acceptance_timeouts
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas, act, complaint_body, create_case, repair_body

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("backend", "bot", "ivr")
THE_MACHINE = ("backend/cases/service.py", "apply_transition")


# --- the vocabulary ---------------------------------------------------------------------------


def test_status_values_are_the_stored_strings() -> None:
    """The database rows and the public JSON carry these exact words."""
    assert {kind: sorted(statuses) for kind, statuses in STATUSES.items()} == {
        "repair": sorted(
            ["new", "assigned", "accepted", "en_route", "on_site", "in_workshop", "repaired"]
            + ["inspected", "resolved", "closed", "cancelled"]
        ),
        "complaint": ["answered", "closed", "received", "routed"],
        "return": ["cancelled", "closed", "decided", "inspected", "received"],
        "inquiry": ["answered", "closed", "received"],
        "suggestion": ["closed", "evaluated", "received"],
    }


def _moves(kind: str) -> dict[str, dict[str, str]]:
    """Every move of `kind`: {status: {action: next status}}, people's and the system's."""
    moves: dict[str, dict[str, str]] = {}
    for table in (TRANSITIONS[kind], SYSTEM_TRANSITIONS[kind]):
        for action, pairs in table.items():
            for source, target in pairs.items():
                moves.setdefault(source, {})[action] = source if target == SAME else target
    return moves


def _reachable(kind: str, start: str, *, avoiding: frozenset[str] = frozenset()) -> set[str]:
    moves, seen, queue = _moves(kind), {start}, deque([start])
    while queue:
        for action, target in moves.get(queue.popleft(), {}).items():
            if action not in avoiding and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


@pytest.mark.parametrize("kind", sorted(STATUSES))
def test_the_tables_speak_only_the_kinds_own_statuses(kind: str) -> None:
    enum = STATUSES[kind]
    assert type(INITIAL_STATUS[kind]) is enum
    for source, actions in _moves(kind).items():
        assert type(source) is enum, (source, actions)
        assert all(type(target) is enum for target in actions.values()), (source, actions)


@pytest.mark.parametrize("kind", sorted(STATUSES))
def test_every_status_is_reachable_and_terminal_exactly_when_nothing_leads_on(kind: str) -> None:
    statuses, moves = set(STATUSES[kind]), _moves(kind)
    assert _reachable(kind, INITIAL_STATUS[kind]) == statuses
    for status in statuses:
        leads_on = any(target != status for target in moves.get(status, {}).values())
        assert (status in TERMINAL) == (status not in moves), status  # nothing at all, not even =
        if status not in TERMINAL:
            assert leads_on, f"{kind} {status} has no way on"
            assert _reachable(kind, status) & TERMINAL, f"{kind} {status} never ends"


def test_the_named_repair_sets_say_what_their_names_say() -> None:
    repair = _moves("repair")
    handing_back = frozenset({"decline", "acceptance_timeout", "partner_dispute", "cancel"})
    before_arrival = _reachable("repair", RepairStatus.NEW, avoiding=handing_back | {"arrive"})
    assert before_arrival == NOT_ARRIVED
    arrived = {moves["arrive"] for moves in repair.values() if "arrive" in moves}
    assert NOT_ARRIVED | arrived == UNFINISHED_FIELD_JOB
    held = _reachable("repair", RepairStatus.ASSIGNED, avoiding=handing_back | {"arrive"})
    assert held == AWAITING_ARRIVAL
    taken_on = {
        t for moves in repair.values() for a, t in moves.items() if a in ("accept", "depart")
    }
    assert taken_on == COMMITTED
    assert UNFINISHED_FIELD_JOB - {RepairStatus.NEW} == FIELD_JOB
    assert set(RepairStatus) - TERMINAL == OPEN_REPAIR
    named = NOT_ARRIVED | AWAITING_ARRIVAL | COMMITTED | FIELD_JOB | UNFINISHED_FIELD_JOB
    assert all(type(s) is RepairStatus for s in named | OPEN_REPAIR)


def test_every_status_has_words_for_customers_and_a_dashboard_label() -> None:
    assert {status for statuses in STATUSES.values() for status in statuses} == ALL_STATUSES
    assert STATUS_WORDS.keys() >= ALL_STATUSES
    assert LABELS.keys() >= ALL_STATUSES


# --- only the machine moves a case: in the source ---------------------------------------------


def _is_case_annotation(node: ast.expr | None) -> bool:
    return node is not None and "Case" in {
        n.id if isinstance(n, ast.Name) else n.value if isinstance(n, ast.Constant) else None
        for n in ast.walk(node)
    }


def _names_of_cases(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names bound to a Case in `function`: annotated so, or loaded by a case lookup."""
    args = function.args
    names = {
        a.arg
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)
        if _is_case_annotation(a.annotation)
    }
    lookups = {"Case", "get_case", "find_case", "visible_case"}
    for node in ast.walk(function):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if _is_case_annotation(node.annotation):
                names.add(node.target.id)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            called = node.value.func
            name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", "")
            loads_case = name in lookups or (
                name == "get" and any(_is_case_annotation(a) for a in node.value.args[:1])
            )
            if loads_case:
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.For | ast.comprehension)
            and isinstance(node.target, ast.Name)
            and _is_case_annotation(node.iter)  # for case in session.scalars(select(Case)…)
        ):
            names.add(node.target.id)
    return names


def _is_a_case(owner: ast.expr, cases: set[str]) -> bool:
    if isinstance(owner, ast.Name):
        return owner.id in cases or "case" in owner.id.lower()
    if isinstance(owner, ast.Attribute):  # survey.case, self.case
        return owner.attr == "case"
    if isinstance(owner, ast.Subscript):  # cases[0], context.cases[job_id]
        return _is_a_case(owner.value, cases) or "cases" in ast.unparse(owner.value)
    return False


def _status_targets(node: ast.AST) -> Iterator[ast.expr]:
    """The owners of `.status` that `node` writes: `x.status = …` (also in a tuple), `x.status
    += …`, `setattr(x, "status", …)`."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "setattr"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and node.args[1].value == "status"
    ):
        yield node.args[0]
    while targets:
        target = targets.pop()
        if isinstance(target, ast.Tuple | ast.List):
            targets.extend(target.elts)
        elif isinstance(target, ast.Attribute) and target.attr == "status":
            yield target.value


def _bulk_status_updates(node: ast.AST) -> bool:
    """`update(Case).values(status=…)`: a status written behind the ORM's back."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "values"
        and any(k.arg == "status" for k in node.keywords)
        and "update(Case" in ast.unparse(node.func.value)
    )


def case_status_writes(source: str) -> list[tuple[str, int]]:
    """(function, line) of every write of a case's status in `source`."""
    found: list[tuple[str, int]] = []
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions:
        cases = _names_of_cases(function)
        for node in ast.walk(function):
            owners = list(_status_targets(node))
            if any(_is_a_case(owner, cases) for owner in owners) or _bulk_status_updates(node):
                found.append((function.name, getattr(node, "lineno", 0)))
    module_level = [n for n in tree.body if not isinstance(n, ast.FunctionDef | ast.ClassDef)]
    for statement in module_level:
        for node in ast.walk(statement):
            if any(_is_a_case(owner, set()) for owner in _status_targets(node)):
                found.append(("<module>", getattr(node, "lineno", 0)))
    return sorted(set(found))


def test_the_scan_tells_a_case_status_from_other_rows_statuses() -> None:
    source = """
def moves(session, job: Case, survey, row, message, number):
    job.status = "closed"
    row.status, message.status = "sent", "failed"
    survey.status = "answered"
    found = get_case(session, number)
    found.status, found.priority = "new", "high"
    setattr(job, "status", "new")
    survey.case.status = "closed"
    for case in session.scalars(select(Case)):
        case.status = "cancelled"
    session.execute(update(Case).where(Case.id == 1).values(status="closed"))
    session.execute(update(Survey).values(status="pending"))
"""
    assert [line for _, line in case_status_writes(source)] == [3, 7, 8, 9, 11, 12]


def test_only_apply_transition_writes_a_case_status() -> None:
    writes = {
        (str(path.relative_to(ROOT)), function, line)
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts
        for function, line in case_status_writes(path.read_text(encoding="utf-8"))
    }
    assert {(path, function) for path, function, _ in writes} == {THE_MACHINE}, sorted(writes)


def test_the_case_package_never_imports_dispatch() -> None:
    """Dependencies point one way: dispatch → cases (backend/casework/flows.py)."""
    imports = []
    for path in sorted((ROOT / "backend" / "cases").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            imports += [(path.name, m) for m in modules if m.startswith("backend.dispatch")]
    assert imports == []


# --- only the machine moves a case: while it runs ---------------------------------------------


@pytest.fixture
def status_writers() -> Iterator[list[tuple[str, str]]]:
    """(file, function) of the code behind every change of a stored case's status."""
    writers: list[tuple[str, str]] = []

    def record(target: Case, value: Any, oldvalue: Any, initiator: Any) -> None:
        if inspect(target).transient:  # a case being created (intake: INITIAL_STATUS)
            return
        frame = sys._getframe(1)
        while frame.f_back is not None and "sqlalchemy" in frame.f_code.co_filename:
            frame = frame.f_back
        path = Path(frame.f_code.co_filename).resolve()
        writers.append((str(path.relative_to(ROOT)), frame.f_code.co_name))

    event.listen(Case.status, "set", record)
    yield writers
    event.remove(Case.status, "set", record)


def test_every_move_of_a_working_day_goes_through_the_machine_and_into_the_history(
    client: FlaskClient,
    people: Personas,
    database: Database,
    settings: Settings,
    clock: Clock,
    status_writers: list[tuple[str, str]],
) -> None:
    people.product()
    technician = people.technician()
    staff = people.headers("service_director")
    on_site = people.technician_headers(technician)
    repair = create_case(client, people.headers(), repair_body())
    for headers, action, body in (
        (staff, "decline", {"reason": "too far"}),  # for the technician; no one else: still new
        (staff, "assign", {"technician_id": technician}),
        (on_site, "accept", {}),
        (on_site, "arrive", {}),
        (on_site, "resolve", {"parts": [], "hours": 1}),
        (on_site, "sign_off", {"signed_by": "홍길동"}),  # R7.4 on the technician's phone
    ):
        repair = act(client, headers, repair["number"], action, body)
    complaint = create_case(client, staff, complaint_body())  # routed at intake
    complaint = act(client, staff, complaint["number"], "answer", {"answer": "Sorry."})
    complaint = act(client, staff, complaint["number"], "close")
    late = create_case(client, staff, repair_body(phone="010-5555-0002", serial="SN-LATE"))
    with database.session() as session:
        assert acceptance_timeouts(session, settings, clock.advance(minutes=30)) == 1

    assert status_writers and set(status_writers) == {THE_MACHINE}
    with database.session() as session:
        for number in (repair["number"], complaint["number"], late["number"]):
            case = session.scalar(select(Case).where(Case.number == number))
            assert case is not None
            moves = [e for e in case.events if e.to_status is not None]
            assert moves[0].action == "intake" and moves[0].from_status is None
            for before, after in zip(moves, moves[1:], strict=False):  # an unbroken chain
                assert after.from_status == before.to_status, (number, after.action)
            assert moves[-1].to_status == case.status
    assert repair["status"] == "closed" and complaint["status"] == "closed"
