"""Request bodies of the workshop routes (the OpenAPI document is built from these models)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from backend.web.bodies import Body


class LoanerIn(Body):
    """A loaner unit (R5.4): its serial number and model."""

    serial_number: Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]
    model: Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]
    note: Annotated[str, Field(max_length=500)] | None = None


class LoanerReturnIn(Body):
    """A lent loaner comes back (R5.4): its condition recorded (damaged: not lent again)."""

    condition: Literal["good", "worn", "damaged"]
    note: Annotated[str, Field(max_length=500)] | None = None
