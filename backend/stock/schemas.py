"""Request bodies of the stock routes (the OpenAPI document is built from these models)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from backend.stock.service import MoveKind
from backend.web.bodies import Body

PartCode = Annotated[str, Field(min_length=1, max_length=64)]
Location = Annotated[str, Field(pattern=r"^(central|workshop|van:[1-9][0-9]{0,8})$")]
Source = Annotated[str, Field(pattern=r"^(central|workshop|supplier|van:[1-9][0-9]{0,8})$")]


class StockMoveIn(Body):
    """A movement: `from` null or `supplier` is a purchase receipt, `to` null takes stock out
    (a write-off); `kind` defaults from the shape (receipt, transfer, write_off)."""

    part_code: PartCode
    from_: Annotated[Source | None, Field(alias="from")] = None
    to: Location | None = None
    quantity: Annotated[StrictInt, Field(ge=1, le=100_000)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    kind: MoveKind | None = None


class ReorderPointIn(Body):
    """A reorder point: at or below `reorder_point` on hand, a purchase task opens (R5.3)."""

    part_code: PartCode
    location: Location
    reorder_point: Annotated[StrictInt, Field(ge=0, le=100_000)]
    reorder_quantity: Annotated[StrictInt, Field(ge=1, le=100_000)]
