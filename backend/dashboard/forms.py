"""HTML form fields → the same requests the API builds, with an error per field.

Field names are the API's dotted names (`customer.phone`), so an error a flow raises for a field
lands next to that field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pydantic
from werkzeug.datastructures import MultiDict

from backend.api.schemas import ActionBody
from backend.cases.models import CaseKind, Channel
from backend.casework.intake import CustomerInput, IntakeRequest, ProductInput
from backend.catalog.models import Product


@dataclass
class Form:
    """Submitted values (to fill the form again) and the errors found, by field name."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, data: MultiDict[str, str], name: str, *, limit: int = 200) -> str:
        # NUL cannot be stored by PostgreSQL; a browser never sends it, a fuzzer does.
        value = (data.get(name) or "").replace("\x00", "").strip()[:limit]
        self.values[name] = value
        return value

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


def query_text(value: str | None, limit: int = 100) -> str:
    return (value or "").replace("\x00", "").strip()[:limit]


def query_number(value: str | None, *, maximum: int = 999_999_999) -> int | None:
    """A positive whole number from a query string, or None for anything else."""
    text = (value or "").strip()
    if not text.isdecimal() or not text.isascii() or len(text) > 9:
        return None
    number = int(text)
    return number if 1 <= number <= maximum else None


def _date(form: Form, data: MultiDict[str, str], name: str) -> date | None:
    text = form.text(data, name, limit=20)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        form.fail(name, "a date like 2026-01-31")
        return None


def local_moment(form: Form, data: MultiDict[str, str], name: str, tz: ZoneInfo) -> datetime | None:
    """A `datetime-local` value, read in the business time zone."""
    text = form.text(data, name, limit=30)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        form.fail(name, "a date and time like 2026-11-20 14:30")
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _choice(
    form: Form, data: MultiDict[str, str], name: str, choices: set[str], default: str | None = None
) -> str | None:
    value = form.text(data, name, limit=40) or default
    if value is not None and value not in choices:
        form.fail(name, "choose one of the offered values")
        return None
    return value


def parse_intake(data: MultiDict[str, str], tz: ZoneInfo) -> tuple[Form, IntakeRequest | None]:
    """The staff intake form (R2.3, R4.5) as the intake request every channel builds."""
    form = Form()
    kind = _choice(form, data, "kind", set(CaseKind))
    channel = _choice(form, data, "channel", set(Channel), default=Channel.PHONE)
    zone = _choice(form, data, "customer.zone", {"city", "suburb"})
    customer = CustomerInput(
        name=form.text(data, "customer.name"),
        phone=form.text(data, "customer.phone", limit=40),
        address=form.text(data, "customer.address", limit=500) or None,
        zone=zone,
    )
    model = form.text(data, "product.model", limit=64)
    serial = form.text(data, "product.serial_number", limit=64) or None
    purchased_on = _date(form, data, "product.purchased_on")
    reported_at = local_moment(form, data, "reported_at", tz)
    topic = form.text(data, "topic", limit=40) or None
    severity = form.text(data, "severity", limit=40) or None
    description = form.text(data, "description", limit=5001)
    about_after_sales = data.get("about_after_sales") == "on"
    form.values["about_after_sales"] = "on" if about_after_sales else ""
    about_technician_id, about_staff_id = _about(form, data)
    dealer = form.text(data, "dealer", limit=200) or None
    if kind is None:
        form.fail("kind", "choose the kind of contact")
    if kind == CaseKind.REPAIR and zone is None and "customer.zone" not in form.errors:
        # R7.14: the zone sets the arrival deadline; never a silent default.
        form.fail("customer.zone", "Choose the zone: it sets the promised arrival time.")
    if form.errors or kind is None or channel is None:
        return form, None
    product = ProductInput(model, serial, purchased_on) if model else None
    return form, IntakeRequest(
        kind=kind,
        channel=channel,
        customer=customer,
        description=description,
        product=product,
        reported_at=reported_at,
        topic=topic if kind == "complaint" else None,
        severity=severity if kind == "complaint" else None,
        about_after_sales=about_after_sales,
        about_technician_id=about_technician_id if kind == "complaint" else None,
        about_staff_id=about_staff_id if kind == "complaint" else None,
        dealer=dealer if kind == "complaint" else None,
    )


def _about(form: Form, data: MultiDict[str, str]) -> tuple[int | None, int | None]:
    """R2.4: "technician:<id>" or "staff:<id>", the person a complaint is about."""
    value = form.text(data, "about", limit=40)
    kind, _, number = value.partition(":")
    person = query_number(number)
    if not value:
        return None, None
    if kind not in ("technician", "staff") or person is None:
        form.fail("about", "choose one of the offered values")
        return None, None
    return (person, None) if kind == "technician" else (None, person)


INTAKE_FIELD_ALIASES = {
    "product": "product.model",
    "customer": "customer.name",
    "about_technician_id": "about",
    "about_staff_id": "about",
}


def intake_field(name: str | None) -> str:
    """Where to show an error a flow raised for `name`."""
    if not name:
        return "form"
    return INTAKE_FIELD_ALIASES.get(name, name)


TEXT_FIELDS = (
    "signed_by",
    "note",
    "reason",
    "to",
    "department",
    "answer",
    "cause_department",
    "findings",
    "decision",
    "rule",
    "channel",  # R4.11: how the customer gave the answer staff record (accept/decline_quote)
    "method",  # R7.5: cash, card or invoice (pay)
    # the workshop (R4.10, R5.4, R7.7)
    "promised_return_on",
    "loaner_serial",
    "receipt_number",
    "loaner_condition",
)


def _number(form: Form, data: MultiDict[str, str], name: str, kind: type) -> Any:
    text = form.text(data, name, limit=20)
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        form.fail(name, "a number")
        return None


def _parts(form: Form, data: MultiDict[str, str], product: Product | None) -> list[dict[str, Any]]:
    """One quantity box per part of the product's part list (R6.2); empty or 0 means unused."""
    used = []
    for part in product.parts if product else []:
        name = f"part:{part.code}"
        quantity = _number(form, data, name, int)
        if quantity is None or quantity == 0:
            continue
        if not 1 <= quantity <= 99:
            form.fail(name, "a quantity 0–99")
            continue
        used.append({"code": part.code, "quantity": quantity})
    return used


def parse_action(
    action: str, data: MultiDict[str, str], product: Product | None
) -> tuple[Form, dict[str, Any] | None]:
    """An action form → the API's action body, validated by the API's own schema."""
    form = Form()
    body: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if value := form.text(data, name, limit=3000):
            body[name] = value
    if action == "cancel":
        # Cancelling cannot be undone: the form asks for a tick and a reason (finding 2).
        form.values["confirm"] = "on" if data.get("confirm") == "on" else ""
        if data.get("confirm") != "on":
            form.fail("confirm", "Tick the box to confirm the cancellation.")
        if "reason" not in body:
            form.fail("reason", "Give the reason for cancelling.")
    if action == "assign" and (technician_id := _number(form, data, "technician_id", int)):
        body["technician_id"] = technician_id
    if action == "inspect":  # R3.5: the person a return's cause is attributed to, if any
        person = form.text(data, "cause_person", limit=40)
        kind, _, number = person.partition(":")
        if person and (kind not in ("technician", "user") or not number.isdecimal()):
            form.fail("cause_person", "choose one of the offered values")
        elif person:
            body[f"cause_{kind}_id"] = int(number)
    if action in ("resolve", "finish_repair", "quote"):
        body["parts"] = _parts(form, data, product)
        if (hours := _number(form, data, "hours", float)) is not None:
            body["hours"] = hours
    paid_work = action in ("resolve", "finish_repair")
    if paid_work and (fee := _number(form, data, "fee", int)) is not None:
        body["fee"] = fee
    if action == "take_to_workshop" and data.get("transport") == "on":
        body["transport"] = True  # R4.8 the company carries the goods
    if action == "reward" and (amount := _number(form, data, "reward_amount", int)) is not None:
        body["reward_amount"] = amount  # R9.3
    if form.errors:
        return form, None
    try:
        checked = ActionBody.model_validate(body)
    except pydantic.ValidationError as exc:
        for error in exc.errors(include_url=False):
            form.fail(str(error["loc"][0]) if error["loc"] else "form", error["msg"])
        return form, None
    return form, checked.model_dump(exclude_none=True, mode="json")
