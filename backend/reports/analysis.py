"""Analysis of the service log for product and service improvement (R9.1).

By product model, part and month: repairs, parts replaced, repeat repairs of the same unit
within 90 days, and complaint topics. Read-only; every figure comes from the cases themselves,
so it agrees with the case list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.calendar import calendar_for
from backend.cases.machine import RepairStatus
from backend.cases.models import Case, CaseKind
from backend.errors import ValidationError
from backend.settings import Settings
from backend.surveys.performance import month_bounds, parse_month

REPEAT_WINDOW = timedelta(days=90)
MAX_MONTHS = 36


@dataclass(frozen=True)
class MonthRange:
    first: tuple[int, int]
    last: tuple[int, int]

    @property
    def label(self) -> tuple[str, str]:
        return f"{self.first[0]:04d}-{self.first[1]:02d}", f"{self.last[0]:04d}-{self.last[1]:02d}"


def month_range(first: str | None, last: str | None, today: date) -> MonthRange:
    """`from`/`to` months (YYYY-MM); by default the six months up to this one."""
    end = parse_month(last, today) if last else (today.year, today.month)
    if first:
        start = parse_month(first, today)
    else:
        index = end[0] * 12 + end[1] - 1 - 5
        start = (index // 12, index % 12 + 1)
    if start > end:
        raise ValidationError("from must not be after to", field="from")
    if (end[0] * 12 + end[1]) - (start[0] * 12 + start[1]) >= MAX_MONTHS:
        raise ValidationError(f"at most {MAX_MONTHS} months at once", field="from")
    return MonthRange(start, end)


def _bounds(settings: Settings, months: MonthRange) -> tuple[datetime, datetime]:
    start, _ = month_bounds(settings, *months.first)
    _, end = month_bounds(settings, *months.last)
    return start, end


def analysis(session: Session, settings: Settings, months: MonthRange) -> dict[str, Any]:
    """Every table of the analysis for the months of `months`."""
    start, end = _bounds(settings, months)
    calendar = calendar_for(settings)

    def month_of(moment: datetime) -> str:
        return calendar.local(moment).strftime("%Y-%m")

    repairs = _repairs(session, start - REPEAT_WINDOW, end)
    by_model: Counter[tuple[str, str, str]] = Counter()
    by_part: Counter[tuple[str, str, str]] = Counter()
    last_of_unit: dict[int, Case] = {}
    for case in repairs:  # oldest first: each repair meets the unit's previous one
        model = case.product.model if case.product else "-"
        previous = last_of_unit.get(case.unit_id) if case.unit_id is not None else None
        if case.unit_id is not None:
            last_of_unit[case.unit_id] = case
        if case.reported_at >= start:
            month = month_of(case.reported_at)
            by_model[(month, model, "repairs")] += 1
            if previous is not None and _repeats(previous, case):
                by_model[(month, model, "repeat_repairs")] += 1
        if case.resolved_at is not None and start <= case.resolved_at < end:
            month = month_of(case.resolved_at)
            for part in (case.charges or {}).get("parts", []):
                quantity = int(part.get("quantity") or 0)
                by_part[(month, model, str(part.get("code")))] += quantity
                by_model[(month, model, "parts_replaced")] += quantity
    topics: Counter[tuple[str, str, str]] = Counter()
    for complaint in _complaints(session, start, end):
        model = complaint.product.model if complaint.product else "-"
        month = month_of(complaint.reported_at)
        topics[(month, model, complaint.topic or "other")] += 1
        by_model[(month, model, "complaints")] += 1
    first, last = months.label
    return {
        "from": first,
        "to": last,
        "repeat_window_days": REPEAT_WINDOW.days,
        "by_model": _model_rows(by_model),
        "by_part": [
            {"month": m, "model": model, "part": code, "replaced": n}
            for (m, model, code), n in sorted(by_part.items())
            if n
        ],
        "complaint_topics": [
            {"month": m, "model": model, "topic": topic, "complaints": n}
            for (m, model, topic), n in sorted(topics.items())
        ],
    }


def _repeats(previous: Case, case: Case) -> bool:
    """A repair of the same unit reported within 90 days of the previous one's end (R9.1)."""
    done = previous.resolved_at or previous.reported_at
    return case.reported_at - done <= REPEAT_WINDOW


def _repairs(session: Session, start: datetime, end: datetime) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .options(selectinload(Case.product))
            .where(
                Case.kind == CaseKind.REPAIR,
                Case.status != RepairStatus.CANCELLED,
                Case.reported_at >= start,
                Case.reported_at < end,
            )
            .order_by(Case.reported_at, Case.id)
        ).all()
    )


def _complaints(session: Session, start: datetime, end: datetime) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .options(selectinload(Case.product))
            .where(
                Case.kind == CaseKind.COMPLAINT,
                Case.reported_at >= start,
                Case.reported_at < end,
            )
        ).all()
    )


FIGURES = ("repairs", "parts_replaced", "repeat_repairs", "complaints")


def _model_rows(counts: Counter[tuple[str, str, str]]) -> list[dict[str, Any]]:
    keys = sorted({(month, model) for month, model, _ in counts})
    return [
        {"month": month, "model": model, **{f: counts[(month, model, f)] for f in FIGURES}}
        for month, model in keys
    ]


def analysis_csv_rows(result: dict[str, Any]) -> list[list[str | int]]:
    """One table for a spreadsheet: table, month, model, part or topic, figure, count."""
    rows: list[list[str | int]] = [["table", "month", "model", "part_or_topic", "figure", "count"]]
    for row in result["by_model"]:
        rows.extend(
            ["by_model", row["month"], row["model"], "", f, row[f]] for f in FIGURES if row[f]
        )
    rows.extend(
        ["by_part", r["month"], r["model"], r["part"], "replaced", r["replaced"]]
        for r in result["by_part"]
    )
    rows.extend(
        ["complaint_topics", r["month"], r["model"], r["topic"], "complaints", r["complaints"]]
        for r in result["complaint_topics"]
    )
    return rows
