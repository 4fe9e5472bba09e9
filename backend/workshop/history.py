"""A unit's repair history by serial number (R6.1): its cases, the parts fitted, the charges and
the technicians — for the dashboard, the API and the technician's job push."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from backend.actors import Actor
from backend.cases.models import Case
from backend.cases.permissions import roles_for
from backend.catalog.models import Unit
from backend.i18n import translate
from backend.people.models import Technician
from backend.stock.models import StockMove
from backend.stock.service import MoveKind
from backend.workshop.models import RepairWork


def cases_of_serial(session: Session, serial_number: str) -> list[Case]:
    """Every case of a unit with this serial number (any model), oldest first."""
    return list(
        session.scalars(
            select(Case)
            .join(Unit, Unit.id == Case.unit_id)
            .where(Unit.serial_number == serial_number[:64])
            .order_by(Case.reported_at, Case.id)
            .options(joinedload(Case.assigned_technician))
        ).unique()
    )


def _parts_by_case(session: Session, case_ids: list[int]) -> dict[int, dict[str, int]]:
    """Parts fitted per case, from the stock ledger (the truth of what left stock)."""
    parts: dict[int, dict[str, int]] = defaultdict(dict)
    moves = session.scalars(
        select(StockMove).where(StockMove.case_id.in_(case_ids), StockMove.kind == MoveKind.USED)
    )
    for move in moves:
        assert move.case_id is not None
        held = parts[move.case_id]
        held[move.part_code] = held.get(move.part_code, 0) + move.quantity
    return parts


def _workshop_technicians(session: Session, case_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    rows = session.execute(
        select(RepairWork.case_id, RepairWork.technician_id).where(
            RepairWork.case_id.in_(case_ids), RepairWork.technician_id.is_not(None)
        )
    )
    for case_id, technician_id in rows:
        if technician_id is not None:
            found[case_id].add(technician_id)
    return found


def unit_history(session: Session, serial_number: str) -> list[dict[str, Any]]:
    """One entry per case of the serial: number, kind, status, dates, product, description,
    parts fitted, charges, technicians (the assigned one and the workshop's)."""
    cases = cases_of_serial(session, serial_number)
    ids = [case.id for case in cases]
    parts = _parts_by_case(session, ids)
    workshop = _workshop_technicians(session, ids)
    names = {
        t.id: t.name
        for t in session.scalars(
            select(Technician).where(Technician.id.in_(set().union(*workshop.values())))
        )
    }
    history = []
    for case in cases:
        technicians = []
        if case.assigned_technician is not None:
            names[case.assigned_technician.id] = case.assigned_technician.name
            technicians.append(case.assigned_technician.id)
        technicians += sorted(workshop.get(case.id, set()) - set(technicians))
        history.append(
            {
                "number": case.number,
                "kind": case.kind,
                "status": case.status,
                "reported_at": case.reported_at,
                "closed_at": case.closed_at,
                "model": case.product.model if case.product else None,
                "description": case.description,
                "parts": [
                    {"code": code, "quantity": quantity}
                    for code, quantity in sorted(parts.get(case.id, {}).items())
                ],
                "charges_total": (case.charges or {}).get("total"),
                "service_category": case.service_category,
                "technicians": [{"id": i, "name": names.get(i, "")} for i in technicians],
            }
        )
    return history


def sees_unit_history(session: Session, actor: Actor, serial_number: str) -> bool:
    """R6.1, R6.5: the office, the warehouse and the managers read any unit's history; a
    technician the history of a unit they have a job on."""
    if actor.kind == "system" or (actor.kind == "user" and actor.role in roles_for("unit_history")):
        return True
    if actor.technician_id is None:
        return False
    return any(
        case.assigned_technician_id == actor.technician_id
        for case in cases_of_serial(session, serial_number)
    )


def history_lines(session: Session, case: Case, language: str, *, limit: int = 3) -> list[str]:
    """For the job push (R6.1): the unit's earlier cases, newest first, with the parts fitted."""
    if case.unit is None:
        return []
    earlier = [
        entry
        for entry in unit_history(session, case.unit.serial_number)
        if entry["number"] != case.number
    ]
    if not earlier:
        return []
    lines = [translate(language, "Unit history: {count} earlier case(s)", count=len(earlier))]
    for entry in reversed(earlier[-limit:]):
        parts = ", ".join(f"{p['code']} ×{p['quantity']}" for p in entry["parts"]) or "-"
        lines.append(
            translate(
                language,
                "• {number} ({day}): parts {parts}",
                number=entry["number"],
                day=entry["reported_at"].date().isoformat() if entry["reported_at"] else "-",
                parts=parts,
            )
        )
    return lines
