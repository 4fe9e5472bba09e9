"""Warranty promotions (R4.2): a promotion that lengthens the warranty of units of some models
bought within a window, for the whole product or for named parts, reaches after-sales here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.catalog.models import Product, Unit
from backend.db import Base, utcnow
from backend.errors import ValidationError


class WarrantyPromotion(Base):
    """Extra warranty months for units of `models` purchased from `purchased_from` to
    `purchased_until` (both days included): `extra_months` for the product (and so for each of
    its parts, like a unit's own extension), `part_months` {part code: months} for named parts."""

    __tablename__ = "warranty_promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    models: Mapped[list[str]] = mapped_column(JSON)
    purchased_from: Mapped[date]
    purchased_until: Mapped[date]
    extra_months: Mapped[int] = mapped_column(default=0)
    part_months: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def covers(self, model: str, purchased_on: date) -> bool:
        return model in self.models and self.purchased_from <= purchased_on <= self.purchased_until


@dataclass(frozen=True)
class Extension:
    """Months a promotion adds to one warranty (the product's or a part's), and which one."""

    months: int = 0
    promotion: WarrantyPromotion | None = None


NO_EXTENSION = Extension()


def promotions_for(session: Session, unit: Unit | None) -> list[WarrantyPromotion]:
    """The promotions the unit was bought under (R4.2): its model, its purchase day."""
    if unit is None or unit.purchased_on is None:
        return []
    model = unit.product.model if unit.product is not None else None
    if model is None:
        return []
    candidates = session.scalars(
        select(WarrantyPromotion)
        .where(WarrantyPromotion.purchased_from <= unit.purchased_on)
        .where(WarrantyPromotion.purchased_until >= unit.purchased_on)
        .order_by(WarrantyPromotion.id)
    )
    return [p for p in candidates if p.covers(model, unit.purchased_on)]


def product_extension(promotions: Sequence[WarrantyPromotion]) -> Extension:
    """The longest product-wide extension among `promotions` (they do not add up)."""
    best = max(promotions, key=lambda p: p.extra_months, default=None)
    if best is None or best.extra_months <= 0:
        return NO_EXTENSION
    return Extension(best.extra_months, best)


def part_extension(promotions: Sequence[WarrantyPromotion], code: str) -> Extension:
    """The longest extension of part `code`: a product-wide one or one naming the part."""
    best = product_extension(promotions)
    for promotion in promotions:
        months = int((promotion.part_months or {}).get(code, 0))
        if months > best.months:
            best = Extension(months, promotion)
    return best


def promotion_json(promotion: WarrantyPromotion) -> dict[str, Any]:
    return {
        "id": promotion.id,
        "name": promotion.name,
        "models": list(promotion.models),
        "purchased_from": promotion.purchased_from.isoformat(),
        "purchased_until": promotion.purchased_until.isoformat(),
        "extra_months": promotion.extra_months,
        "part_months": dict(promotion.part_months or {}),
        "created_at": promotion.created_at.isoformat() if promotion.created_at else None,
    }


def record_promotion(
    session: Session,
    *,
    name: str,
    models: Sequence[str],
    purchased_from: date,
    purchased_until: date,
    extra_months: int,
    part_months: dict[str, int],
    created_by: int | None,
    now: datetime,
) -> WarrantyPromotion:
    """A promotion as admins record it: known models, named parts of those models, a window
    that does not end before it starts, and some extension (422 naming the field)."""
    if purchased_until < purchased_from:
        raise ValidationError("the window ends before it starts", field="purchased_until")
    products = {
        p.model: p for p in session.scalars(select(Product).where(Product.model.in_(models)))
    }
    for index, model in enumerate(models):
        if model not in products:
            raise ValidationError(f"no product model {model!r}", field=f"models[{index}]")
    codes = {part.code for product in products.values() for part in product.parts}
    for code in part_months:
        if code not in codes:
            raise ValidationError(f"no part {code!r} in these models", field="part_months")
    if extra_months == 0 and not any(part_months.values()):
        raise ValidationError("a promotion extends the product or a part", field="extra_months")
    promotion = WarrantyPromotion(
        name=name,
        models=list(dict.fromkeys(models)),
        purchased_from=purchased_from,
        purchased_until=purchased_until,
        extra_months=extra_months,
        part_months=dict(part_months),
        created_by=created_by,
        created_at=now,
    )
    session.add(promotion)
    session.flush()
    return promotion


def list_promotions(session: Session) -> list[WarrantyPromotion]:
    return list(
        session.scalars(
            select(WarrantyPromotion).order_by(
                WarrantyPromotion.purchased_from.desc(), WarrantyPromotion.id
            )
        )
    )
