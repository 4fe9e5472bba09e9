"""Service category at intake and charges at resolution (R4.1, R4.3, R7.2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from backend.cases.models import ServiceCategory
from backend.catalog.fees import FeeSchedule
from backend.catalog.models import Part, Product, Unit
from backend.catalog.promotions import (
    WarrantyPromotion,
    part_extension,
    product_extension,
)
from backend.errors import ValidationError

__all__ = ["FeeSchedule", "PartUsed", "category_at_intake", "charges_at_resolution"]


def category_at_intake(
    unit: Unit | None,
    product: Product | None,
    on: date,
    promotions: Sequence[WarrantyPromotion] = (),
) -> ServiceCategory:
    """C free within the product's warranty (a promotion's extension included, R4.2), B under
    an active contract, A paid otherwise."""
    if unit is not None and product is not None:
        months = product.warranty_months + product_extension(promotions).months
        if unit.in_warranty(months, on):
            return ServiceCategory.FREE
    if unit is not None and unit.active_contract(on) is not None:
        return ServiceCategory.CONTRACT
    return ServiceCategory.PAID


@dataclass(frozen=True)
class PartUsed:
    part: Part
    quantity: int


def part_is_free(
    unit: Unit | None, part: Part, on: date, promotions: Sequence[WarrantyPromotion] = ()
) -> bool:
    """A part is free under its own warranty (R4.1) lengthened by a promotion (R4.2), or the
    unit's maintenance contract (R4.3)."""
    if unit is None:
        return False
    months = part.warranty_months + part_extension(promotions, part.code).months
    return unit.active_contract(on) is not None or unit.in_warranty(months, on)


def promotion_that_freed(
    unit: Unit | None, part: Part, on: date, promotions: Sequence[WarrantyPromotion]
) -> WarrantyPromotion | None:
    """The promotion without which the part would be charged (R4.2), if one is."""
    if not promotions or part_is_free(unit, part, on):
        return None
    if not part_is_free(unit, part, on, promotions):
        return None
    return part_extension(promotions, part.code).promotion


def resolve_parts(product: Product | None, requested: list[dict[str, Any]]) -> list[PartUsed]:
    """Match `[{"code", "quantity"}]` to the product's part list, naming the bad entry."""
    by_code = {part.code: part for part in (product.parts if product else [])}
    used: list[PartUsed] = []
    for index, item in enumerate(requested):
        code = item.get("code")
        if code not in by_code:
            raise ValidationError(
                f"unknown part code {code!r} for this product", field=f"parts[{index}].code"
            )
        quantity = item.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 99:
            raise ValidationError(
                "quantity must be a whole number 1–99", field=f"parts[{index}].quantity"
            )
        used.append(PartUsed(by_code[code], quantity))
    return used


def charges_at_resolution(
    *,
    unit: Unit | None,
    category: str | None,
    parts: list[PartUsed],
    hours: float,
    fee: int | None,
    on: date,
    schedule: FeeSchedule,
    product_line: str | None = None,
    zone: str | None = None,
    transport: int = 0,
    promotions: Sequence[WarrantyPromotion] = (),
) -> dict[str, Any]:
    """Each part checked against its own warranty (R4.1, lengthened by a promotion: R4.2) or a
    contract; labour per category, at the schedule's rate for the product line and its call-out
    fee for the zone; a workshop job's `transport` fee (R4.8) is paid service's too. A part free
    only thanks to a promotion names it (`warranty_promotion`)."""
    lines: list[dict[str, Any]] = []
    for used in parts:
        free = part_is_free(unit, used.part, on, promotions)
        line: dict[str, Any] = {
            "code": used.part.code,
            "name": used.part.name,
            "quantity": used.quantity,
            "free": free,
            "amount": 0 if free else used.part.price * used.quantity,
        }
        freed_by = promotion_that_freed(unit, used.part, on, promotions)
        if freed_by is not None:
            line["warranty_promotion"] = {"id": freed_by.id, "name": freed_by.name}
        lines.append(line)
    paid_service = category == ServiceCategory.PAID
    if paid_service:
        labour = fee if fee is not None else round(hours * schedule.labour_rate(product_line))
        call_out = schedule.call_out(zone)
    else:
        labour, call_out, transport = 0, 0, 0
    total = sum(line["amount"] for line in lines) + labour + call_out + transport
    charges: dict[str, Any] = {
        "parts": lines,
        "labour": labour,
        "call_out": call_out,
        "total": total,
    }
    if transport:
        charges["transport"] = transport
    if promotions:  # R4.2: the unit was bought under these promotions
        charges["warranty_promotions"] = [{"id": p.id, "name": p.name} for p in promotions]
    return charges
