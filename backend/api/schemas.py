"""Request bodies of the REST API; the OpenAPI document is generated from these same models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StrictBool, StrictInt

from backend.web.bodies import Body

Text = Annotated[str, Field(min_length=1, max_length=200)]
# Row ids are 32-bit on PostgreSQL; Telegram chat ids need 64 bits (BIGINT columns).
RowId = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
ChatId = Annotated[StrictInt, Field(ge=-(2**63), le=2**63 - 1)]
Zone = Literal["city", "suburb"]


class CustomerIn(Body):
    name: Text
    phone: Annotated[
        str,
        Field(
            min_length=1,
            max_length=40,
            description="any common format; national numbers read as KR",
        ),
    ]
    address: Annotated[str, Field(max_length=500)] | None = None
    zone: Zone | None = None


class ProductRef(Body):
    model: Annotated[str, Field(min_length=1, max_length=64)]
    serial_number: Annotated[str, Field(max_length=64)] | None = None
    purchased_on: date | None = None


class Location(Body):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class CaseCreate(Body):
    kind: Literal["repair", "complaint", "return", "inquiry", "suggestion"]
    channel: Literal["phone", "telegram", "email", "letter", "visit", "web"]
    customer: CustomerIn
    product: ProductRef | None = None
    description: Annotated[str, Field(max_length=5000)] = ""
    reported_at: AwareDatetime | None = None
    topic: Literal["product_quality", "packaging", "staff_attitude", "dealer", "other"] | None = (
        None
    )
    severity: Literal["normal", "serious", "major"] | None = None
    about_after_sales: StrictBool = False
    about_technician_id: RowId | None = Field(
        default=None, description="R2.4: the technician the complaint is about"
    )
    about_staff_id: RowId | None = Field(
        default=None, description="R2.4: the staff member the complaint is about"
    )
    dealer: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="R2.8: the dealer or retailer the complaint is about"
    )
    location: Location | None = None
    # Suggestions (R9.8): the shop or public place it was left at.
    place: Annotated[str, Field(max_length=100)] | None = None


class PartUse(Body):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[StrictInt, Field(ge=1, le=99)] = 1


class ActionBody(Body):
    """Every field an action may take; each action reads the ones it needs."""

    technician_id: RowId | None = None
    parts: Annotated[list[PartUse], Field(max_length=50)] | None = None
    hours: Annotated[float, Field(ge=0, le=100)] | None = None
    fee: Annotated[StrictInt, Field(ge=0)] | None = None
    signed_by: Annotated[str, Field(max_length=200)] | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None
    reason: Annotated[str, Field(max_length=2000)] | None = None
    to: Literal["service_director", "vice_president"] | None = None
    department: (
        Literal[
            "rnd_production",
            "warehouse_transport",
            "marketing",
            "dealer_relations",
            "complaint_hotline",
            "service",
        ]
        | None
    ) = None
    answer: Annotated[str, Field(max_length=3000)] | None = None
    # Returns (R3.3–R3.5): inspection's findings and the person the cause is attributed to;
    # the decision, and for a refusal the rule that applies (in words). Suggestions (R9.3):
    # `evaluate` takes a decision (accepted or rejected) and a note, `reward` an amount (0: none).
    findings: Annotated[str, Field(max_length=2000)] | None = None
    cause_technician_id: RowId | None = None
    cause_user_id: RowId | None = None
    decision: Literal["refund", "exchange", "repair", "rejected", "accepted"] | None = None
    rule: Annotated[str, Field(max_length=500)] | None = None
    reward_amount: Annotated[StrictInt, Field(ge=0)] | None = None
    cause_department: (
        Literal[
            "rnd_production",
            "warehouse_transport",
            "marketing",
            "dealer_relations",
            "complaint_hotline",
            "service",
        ]
        | None
    ) = None
    # R4.11 how the customer answered a quote (staff recording it); R7.5 how the fee is paid.
    channel: Literal["telegram", "phone", "sms", "web", "visit", "email", "letter"] | None = None
    method: Literal["cash", "card", "invoice"] | None = None
    amount: Annotated[StrictInt, Field(ge=0)] | None = None


class PartIn(Body):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    name: Text
    warranty_months: Annotated[StrictInt, Field(ge=0, le=600)]
    price: Annotated[StrictInt, Field(ge=0, le=1_000_000_000)]


class ProductCreate(Body):
    model: Annotated[str, Field(min_length=1, max_length=64)]
    name: Text
    product_line: Annotated[str, Field(min_length=1, max_length=64)]
    warranty_months: Annotated[StrictInt, Field(ge=0, le=600)]
    parts: Annotated[list[PartIn], Field(max_length=500)] = []


class CertificationIn(Body):
    product_line: Annotated[str, Field(min_length=1, max_length=64)]
    valid_until: date


class TechnicianCreate(Body):
    name: Text
    phone: Annotated[str, Field(min_length=1, max_length=40)]
    zone: Zone
    certifications: Annotated[list[CertificationIn], Field(max_length=20)] = []
    telegram_chat_id: ChatId | None = None
    home: Location | None = None
    working_days: (
        Annotated[list[Annotated[StrictInt, Field(ge=1, le=7)]], Field(max_length=7)] | None
    ) = None


class ContractCustomer(Body):
    name: Text
    phone: Annotated[str, Field(min_length=1, max_length=40)]


class ContractProduct(Body):
    model: Annotated[str, Field(min_length=1, max_length=64)]
    serial_number: Annotated[str, Field(min_length=1, max_length=64)]


class ContractCreate(Body):
    customer: ContractCustomer
    product: ContractProduct
    starts_on: date
    ends_on: date


class TokenCreate(Body):
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=3650)] | None = None
