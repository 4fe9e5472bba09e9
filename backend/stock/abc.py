"""ABC classes of spare parts (R5.2) from the last 12 months' consumption value.

A part's consumption value is the sum of quantity × price of its `used` moves. Sorted by value,
the parts that make up the first 80 % of the total are class A, the next 15 % class B, the rest
(and parts not used at all) class C; the two thresholds are `AFTERSALES_ABC_THRESHOLDS`.

The class steers stock control (`REVIEW`): an A part is expensive, so it is reviewed weekly
and bought in small lots (the reorder point's base quantity); a B part monthly, in double lots;
a C part quarterly, in lots four times the base (cheap to hold, not worth frequent orders).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from backend.catalog.models import Part
from backend.settings import Settings
from backend.stock.models import StockMove
from backend.stock.service import MoveKind

WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class Review:
    """How a class is controlled: review interval and the lot multiplier on reorder."""

    interval_days: int
    lot_multiplier: int


REVIEW: dict[str, Review] = {"A": Review(7, 1), "B": Review(30, 2), "C": Review(90, 4)}


def consumption_values(session: Session, *, now: datetime) -> dict[str, int]:
    """Part code → value used on jobs in the 12 months before `now`."""
    rows = session.execute(
        select(StockMove.part_code, func.sum(StockMove.quantity * StockMove.unit_price))
        .where(StockMove.kind == MoveKind.USED, StockMove.at > now - WINDOW, StockMove.at <= now)
        .group_by(StockMove.part_code)
    )
    return {code: int(value or 0) for code, value in rows}


def classify(values: Mapping[str, int], thresholds: tuple[float, float]) -> dict[str, str]:
    """Part code → A/B/C: a part is A while the value before it is under the A share, and so on."""
    total = sum(v for v in values.values() if v > 0)
    classes: dict[str, str] = {}
    before = 0
    for code, value in sorted(values.items(), key=lambda item: (-item[1], item[0])):
        if value <= 0 or total == 0:
            classes[code] = "C"
            continue
        share = before / total
        classes[code] = "A" if share < thresholds[0] else "B" if share < thresholds[1] else "C"
        before += value
    return classes


def month_of(now: datetime, settings: Settings) -> str:
    return now.astimezone(settings.tz).strftime("%Y-%m")


def recompute_classes(session: Session, *, settings: Settings, now: datetime) -> int:
    """Class every part code afresh; the number of part rows whose class changed."""
    codes = set(session.scalars(select(Part.code).distinct()))
    values = {code: 0 for code in codes} | consumption_values(session, now=now)
    classes = classify({c: v for c, v in values.items() if c in codes}, settings.abc_thresholds)
    month = month_of(now, settings)
    changed = 0
    for code, abc in classes.items():
        result = session.execute(
            update(Part)
            .where(Part.code == code, or_(Part.abc_class.is_(None), Part.abc_class != abc))
            .values(abc_class=abc)
            .execution_options(synchronize_session=False)
        )
        changed += result.rowcount  # type: ignore[attr-defined]
    session.execute(
        update(Part).values(abc_month=month).execution_options(synchronize_session=False)
    )
    return changed


def monthly_abc_classes(session: Session, settings: Settings, now: datetime) -> int:
    """The tick duty: once a month (the first tick of a month), class every part again."""
    month = month_of(now, settings)
    stale = session.scalar(
        select(exists().where(or_(Part.abc_month.is_(None), Part.abc_month != month)))
    )
    if not stale:
        return 0
    return recompute_classes(session, settings=settings, now=now)
