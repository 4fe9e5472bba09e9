"""Stock operations that reach further than one move: a move and its reorder check, the parts
fitted on a job leaving the technician's van (or the workshop)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.stock.models import StockMove
from backend.stock.reorder import check_reorder
from backend.stock.service import WORKSHOP, MoveKind, MoveRequest, move_stock, van


def record_move(
    session: Session, request: MoveRequest, *, actor: str, now: datetime, field: str = "part_code"
) -> StockMove:
    """One movement, then the source's reorder point (R5.3)."""
    move = move_stock(session, request, actor=actor, now=now, field=field)
    if request.source is not None:
        check_reorder(session, request.part_code, request.source)
    return move


def job_location(case: Case, action: str) -> str | None:
    """Where a job's parts come from: the workshop for a workshop repair, else the van."""
    if action == "finish_repair":
        return WORKSHOP
    if case.assigned_technician_id is None:
        return None
    return van(case.assigned_technician_id)


def take_parts_for_job(
    session: Session,
    case: Case,
    parts: Sequence[tuple[str, int]],
    *,
    action: str,
    actor: str,
    now: datetime,
) -> list[StockMove]:
    """R5.3: parts fitted at `resolve`/`finish_repair` leave stock, never below zero (409 naming
    the part and the location, field `parts[i].code`)."""
    location = job_location(case, action)
    if location is None:
        return []
    return [
        record_move(
            session,
            MoveRequest(
                part_code=code,
                source=location,
                destination=None,
                quantity=quantity,
                reason=f"{action} {case.number}",
                kind=MoveKind.USED,
                case_id=case.id,
            ),
            actor=actor,
            now=now,
            field=f"parts[{index}].code",
        )
        for index, (code, quantity) in enumerate(parts)
    ]
