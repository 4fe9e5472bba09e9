"""The complaints board: open complaints by department and age, as the reader may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.cases.machine import TERMINAL
from backend.cases.models import Case, CaseKind
from backend.cases.permissions import case_filter_for

BOARD_LIMIT = 500  # the oldest first; a longer backlog is a problem the board should not hide


@dataclass(frozen=True)
class BoardRow:
    number: str
    status: str
    severity: str | None
    department: str
    reported_at: datetime
    reply_due_at: datetime | None
    age_days: int
    late: bool
    formal: bool  # a formal case itself (R2.9)
    in_formal_case: bool

    def as_json(self, tz: Any) -> dict[str, Any]:
        return {
            "number": self.number,
            "status": self.status,
            "severity": self.severity,
            "department": self.department,
            "reported_at": self.reported_at.astimezone(tz).isoformat(),
            "reply_due_at": self.reply_due_at.astimezone(tz).isoformat()
            if self.reply_due_at
            else None,
            "age_days": self.age_days,
            "late": self.late,
            "formal": self.formal,
            "in_formal_case": self.in_formal_case,
        }


def complaints_board(session: Session, actor: Actor, *, now: datetime) -> dict[str, list[BoardRow]]:
    """Open complaints `actor` sees, per department, oldest first; late = unanswered past due."""
    cases = session.scalars(
        select(Case)
        .where(
            Case.kind == CaseKind.COMPLAINT,
            Case.status.not_in(sorted(TERMINAL)),
            case_filter_for(actor),
        )
        .order_by(Case.reported_at, Case.id)
        .limit(BOARD_LIMIT)
    ).all()
    board: dict[str, list[BoardRow]] = {}
    for case in cases:
        row = BoardRow(
            number=case.number,
            status=case.status,
            severity=case.severity,
            department=case.department or "-",
            reported_at=case.reported_at,
            reply_due_at=case.reply_due_at,
            age_days=max(0, (now - case.reported_at).days),
            late=case.answered_at is None
            and case.reply_due_at is not None
            and now > case.reply_due_at,
            formal=case.formal_key is not None,
            in_formal_case=case.formal_case_id is not None,
        )
        board.setdefault(row.department, []).append(row)
    return dict(sorted(board.items()))
