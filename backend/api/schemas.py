"""Request bodies of the REST API; the OpenAPI document is generated from these same models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, ConfigDict, Field, StrictBool, StrictInt

from backend.bounds import DEFAULT_MAX_AMOUNT
from backend.cases.notes import NOTE_LIMIT
from backend.web.bodies import Body

Text = Annotated[str, Field(min_length=1, max_length=200)]
# A name the server reads as not blank (str.strip() knows more spaces than a JSON Schema's \S):
# the document asks for a letter or digit somewhere in it.
NAME_DOC = {"pattern": "[0-9A-Za-z\u00c0-\u024f\u3131-\u318e\uac00-\ud7a3]"}
# Row ids are 32-bit on PostgreSQL; Telegram chat ids need 64 bits (BIGINT columns).
RowId = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
ChatId = Annotated[StrictInt, Field(ge=-(2**63), le=2**63 - 1)]
Zone = Literal["city", "suburb"]
# The server reads any valid number (national ones in AFTERSALES_REGION); the document's pattern
# is the part of that every client can rely on: Korean mobile and Seoul numbers.
PHONE_PATTERN = (
    r"^(\+82[ -]?10|010)[ -]?([2-46-9][0-9]{3}|5[0-8][0-9]{2}|59[0-6][0-9])[ -]?[0-9]{4}$"
    r"|^(\+82[ -]?2|02)[ -]?[2-9][0-9]{2,3}[ -]?[0-9]{4}$"
)
PHONE_DOC = (
    "a phone number in any common format (national numbers read in the business country); "
    "valid numbers only. The pattern is the Korean subset every installation accepts"
)
Phone = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        description=PHONE_DOC,
        json_schema_extra={"pattern": PHONE_PATTERN},
    ),
]
# Dates the server holds to bounds that move with today (backend/bounds.py): the document
# states a fixed window inside them, spelled out whole (days 01-28 are in every month) so that a
# generator makes valid dates rather than filtering random text.
MONTH_DAY = "-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
CLOCK = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])"
PURCHASE_DATE = Field(
    description="1990-01-01 to the day of the report (reported_at, else today; business zone)",
    json_schema_extra={"pattern": rf"^(199[0-9]|20[01][0-9]|202[0-5]){MONTH_DAY}$"},
)
TERM_DATE = Field(
    description="2000-01-01 to 20 years after today",
    json_schema_extra={"pattern": rf"^20[0-3][0-9]{MONTH_DAY}$"},
)
# Amounts: at most AFTERSALES_MAX_AMOUNT (default 100,000,000 KRW, checked against the setting).
AMOUNT_DOC = {"maximum": DEFAULT_MAX_AMOUNT}


class CustomerIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=200, json_schema_extra=NAME_DOC)]
    phone: Phone
    address: Annotated[str, Field(max_length=500)] | None = None
    zone: Zone | None = None


class ProductRef(Body):
    model: Annotated[str, Field(min_length=1, max_length=64)]
    serial_number: Annotated[str, Field(max_length=64)] | None = None
    purchased_on: Annotated[date, PURCHASE_DATE] | None = None


class Location(Body):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class CaseCreate(Body):
    # What the server asks beyond each field: a repair or return names its product (R7.3), a
    # complaint its topic (R2). The product's model must be in the catalogue (422 naming
    # product.model otherwise: the catalogue is data, not part of the document).
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {
                        "required": ["kind"],
                        "properties": {"kind": {"enum": ["repair", "return"]}},
                    },
                    "then": {
                        "required": ["product"],
                        "properties": {"product": {"type": "object"}},
                    },
                },
                {
                    "if": {"required": ["kind"], "properties": {"kind": {"const": "complaint"}}},
                    "then": {"required": ["topic"], "properties": {"topic": {"type": "string"}}},
                },
            ]
        }
    )

    kind: Literal["repair", "complaint", "return", "inquiry", "suggestion"]
    channel: Literal["phone", "telegram", "email", "letter", "visit", "web"]
    customer: CustomerIn
    product: ProductRef | None = None
    description: Annotated[str, Field(max_length=5000)] = ""
    reported_at: (
        Annotated[
            AwareDatetime,
            Field(
                description="from 2000 to now (a letter received earlier)",
                json_schema_extra={"pattern": rf"^(20[01][0-9]|202[0-5]){MONTH_DAY}T{CLOCK}$"},
            ),
        ]
        | None
    ) = None
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
    fee: Annotated[StrictInt, Field(ge=0, json_schema_extra=AMOUNT_DOC)] | None = None
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
    # The workshop (R4.8, R4.10, R5.4, R7.7): `take_to_workshop` takes the promised return date
    # (default: AFTERSALES_WORKSHOP_RETURN_DAYS business days on), transport by the company and
    # a loaner; `inspect` {passed: false, reason} sends the item back to repair; `return_item`
    # confirms the goods receipt's number and records the loaner's condition.
    promised_return_on: date | None = None
    transport: StrictBool | None = None
    loaner_serial: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    passed: StrictBool | None = None
    receipt_number: Annotated[str, Field(min_length=1, max_length=24)] | None = None
    loaner_condition: Literal["good", "worn", "damaged"] | None = None


class PartIn(Body):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    name: Text
    warranty_months: Annotated[StrictInt, Field(ge=0, le=600)]
    price: Annotated[StrictInt, Field(ge=0, le=1_000_000_000, json_schema_extra=AMOUNT_DOC)]


class ProductCreate(Body):
    model: Annotated[str, Field(min_length=1, max_length=64)]
    name: Text
    product_line: Annotated[str, Field(min_length=1, max_length=64)]
    warranty_months: Annotated[StrictInt, Field(ge=0, le=600)]
    parts: Annotated[list[PartIn], Field(max_length=500)] = []


class CertificationIn(Body):
    product_line: Annotated[str, Field(min_length=1, max_length=64)]
    valid_until: Annotated[date, TERM_DATE]


class TechnicianCreate(Body):
    name: Text
    phone: Phone
    zone: Zone
    certifications: Annotated[list[CertificationIn], Field(max_length=20)] = []
    telegram_chat_id: ChatId | None = None
    home: Location | None = None
    working_days: (
        Annotated[list[Annotated[StrictInt, Field(ge=1, le=7)]], Field(max_length=7)] | None
    ) = None


class ContractCustomer(Body):
    name: Text
    phone: Phone


class ContractProduct(Body):
    model: Annotated[str, Field(min_length=1, max_length=64)]
    serial_number: Annotated[str, Field(min_length=1, max_length=64)]


class ContractCreate(Body):
    customer: ContractCustomer
    product: ContractProduct
    starts_on: Annotated[date, TERM_DATE]
    ends_on: Annotated[date, TERM_DATE] = Field(description="after starts_on")


class TokenCreate(Body):
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=3650)] | None = None


Password = Annotated[str, Field(min_length=8, max_length=200)]
RoleName = Literal[
    "receptionist",
    "repair_manager",
    "service_director",
    "vice_president",
    "hotline_officer",
    "warehouse_clerk",
    "technician",
    "admin",
]
DepartmentName = Literal[
    "rnd_production",
    "warehouse_transport",
    "marketing",
    "dealer_relations",
    "complaint_hotline",
    "service",
]


class UserCreate(Body):
    # Printable ASCII around one "@" (the same rule in Python and in the document's regex).
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[!-?A-~]+@[!-?A-~]+$")]
    role: RoleName
    name: Annotated[str, Field(max_length=200)] | None = None
    department: DepartmentName | None = None
    password: Password | None = None


class UserUpdate(Body):
    role: RoleName | None = None
    name: Annotated[str, Field(min_length=1, max_length=200, json_schema_extra=NAME_DOC)] | None = (
        None
    )
    department: DepartmentName | Literal[""] | None = None


class PasswordReset(Body):
    password: Password | None = None


class NoteCreate(Body):
    """An internal note on a case (staff only; never sent to the customer)."""

    text: Annotated[str, Field(min_length=1, max_length=NOTE_LIMIT, json_schema_extra=NAME_DOC)]
