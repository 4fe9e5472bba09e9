"""Reorder points (R5.3): stock at or below a point opens one purchase task for the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.catalog.models import Part
from backend.errors import ValidationError
from backend.i18n import message
from backend.people.models import Role
from backend.stock.abc import REVIEW
from backend.stock.models import ReorderPoint, StockMove
from backend.stock.service import check_location, known_part, quantity_on_hand
from backend.tasks.models import Task
from backend.tasks.service import open_task


@dataclass(frozen=True)
class ReorderLine:
    """A reorder point with what is on hand now and the lot to order (ABC-steered)."""

    part_code: str
    location: str
    reorder_point: int
    reorder_quantity: int
    on_hand: int
    abc_class: str | None
    order_quantity: int

    @property
    def due(self) -> bool:
        return self.on_hand <= self.reorder_point


def part_class(session: Session, part_code: str) -> str | None:
    return session.scalar(select(func.min(Part.abc_class)).where(Part.code == part_code))


def order_quantity(base: int, abc_class: str | None) -> int:
    """R5.2: the lot scales with the class (A small and often, C large and seldom)."""
    return base * REVIEW[abc_class or "B"].lot_multiplier


def set_reorder_point(
    session: Session,
    *,
    part_code: str,
    location: str,
    reorder_point: int,
    reorder_quantity: int,
    now: datetime,
) -> ReorderPoint:
    """Create or change a point; a point already reached opens its task at once."""
    known_part(session, part_code)
    check_location(session, location, field="location")
    if not 0 <= reorder_point <= 100_000:
        raise ValidationError("reorder_point must be 0–100000", field="reorder_point")
    if not 1 <= reorder_quantity <= 100_000:
        raise ValidationError("reorder_quantity must be 1–100000", field="reorder_quantity")
    point = session.get(ReorderPoint, (part_code, location))
    if point is None:
        point = ReorderPoint(part_code=part_code, location=location)
        session.add(point)
    point.reorder_point = reorder_point
    point.reorder_quantity = reorder_quantity
    point.updated_at = now
    session.flush()
    check_reorder(session, part_code, location)
    return point


def check_reorder(session: Session, part_code: str, location: str) -> Task | None:
    """The purchase task, once per time the stock falls to the point: its key names the last
    receipt into the location, so only a refill starts a new one."""
    point = session.get(ReorderPoint, (part_code, location))
    if point is None:
        return None
    line = _line(session, point)
    if not line.due:
        return None
    last_in = session.scalar(
        select(func.max(StockMove.id)).where(
            StockMove.part_code == part_code, StockMove.to_location == location
        )
    )
    review = REVIEW[line.abc_class or "B"]
    return open_task(
        session,
        kind="purchase",
        role=Role.WAREHOUSE_CLERK,
        title=message(
            "Reorder {part} for {location}: {on_hand} on hand (reorder point {point}); "
            "order {quantity}",
            part=part_code,
            location=location,
            on_hand=line.on_hand,
            point=line.reorder_point,
            quantity=line.order_quantity,
        ),
        detail=f"class {line.abc_class or '-'}: review every {review.interval_days} days",
        data={
            "part_code": part_code,
            "location": location,
            "on_hand": line.on_hand,
            "order_quantity": line.order_quantity,
        },
        dedupe_key=f"reorder:{part_code}:{location}:{last_in or 0}",
    )


def _line(session: Session, point: ReorderPoint) -> ReorderLine:
    abc = part_class(session, point.part_code)
    return ReorderLine(
        point.part_code,
        point.location,
        point.reorder_point,
        point.reorder_quantity,
        quantity_on_hand(session, point.part_code, point.location),
        abc,
        order_quantity(point.reorder_quantity, abc),
    )


def reorder_lines(session: Session) -> list[ReorderLine]:
    """Every reorder point with its stock, those due first (the warehouse's reorder list)."""
    points = session.scalars(
        select(ReorderPoint).order_by(ReorderPoint.location, ReorderPoint.part_code)
    )
    lines = [_line(session, point) for point in points]
    return sorted(lines, key=lambda line: (not line.due, line.location, line.part_code))
