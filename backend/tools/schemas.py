"""Request bodies of the tools routes (the OpenAPI document is built from these models)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt

from backend.tools.models import Compensation, IncidentKind, ToolKind
from backend.web.bodies import Body

RowId = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
# The server refuses a purchase in the future; the document states a window inside that.
PURCHASE_DAY = Field(
    description="not after today (business zone)",
    json_schema_extra={
        "pattern": r"^(199[0-9]|20[01][0-9]|202[0-5])-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"
    },
)
Money = Annotated[StrictInt, Field(ge=0, le=100_000_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Serial = Annotated[str, Field(min_length=1, max_length=64)]
Note = Annotated[str, Field(max_length=2000)]


class ToolIn(Body):
    """A tool or piece of test equipment in the register (R5.5), optionally already held."""

    serial_number: Serial
    name: Name
    kind: ToolKind = ToolKind.TOOL
    value: Money
    purchased_on: Annotated[date, PURCHASE_DAY]
    holder_id: RowId | None = None


class HandoverIn(Body):
    """Transfer to a technician (null: back to the store); both sides then confirm (R5.6)."""

    to_technician_id: RowId | None


class HandoverConfirmIn(Body):
    """`give`: the one handing over confirms; `take`: the one receiving."""

    side: Literal["give", "take"]


class IncidentIn(Body):
    kind: IncidentKind
    description: Annotated[str, Field(min_length=1, max_length=2000)]


class CompensationIn(Body):
    """R5.7: `charged` (amount 1 to the tool's value), `normal_wear` (a damaged tool; amount 0)
    or `waived` (amount 0, with a note)."""

    decision: Compensation
    amount: Money = 0
    note: Note | None = None


class PurchaseRequestIn(Body):
    item: Name
    kind: ToolKind = ToolKind.TOOL
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    estimated_cost: Money
    for_technician_id: RowId | None = Field(default=None, description="an active technician")


class PurchaseDecisionIn(Body):
    """Finance's decision (R5.7)."""

    approved: StrictBool
    note: Note | None = None


class PurchaseIn(Body):
    """What purchasing bought for an approved request: the tool enters the register."""

    serial_number: Serial
    value: Money
    purchased_on: Annotated[date, PURCHASE_DAY]
