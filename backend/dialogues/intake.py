"""Reporting a fault (R4.5, R7.3), asked the same way in a chat and on the phone.

Steps: phone → name → product (the customer's own units, then product lines) → model → serial
number → purchase date → fault → photo → address → zone → location → confirm → the case.
`on_start(phone=…)` (the caller ID) skips the phone step; a known customer skips the name; a unit
already on file skips serial number and purchase date; a channel that cannot send photos or
locations (the phone) skips those steps. The closing prompt names the case number, the service
category in plain words with the fee schedule for paid work (R4.11) and the promised arrival
(R7.14).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from backend.actors import Actor
from backend.bounds import EARLIEST_PURCHASE
from backend.calendar import calendar_for
from backend.cases.models import Case
from backend.cases.notices import category_words
from backend.casework.flows import intake_case
from backend.casework.intake import (
    CustomerInput,
    IntakeRequest,
    ProductInput,
    fee_schedule,
)
from backend.casework.promises import current_promise, promise_words
from backend.catalog.models import Product, Unit
from backend.dialogues.common import (
    MORE,
    CallerSteps,
    StepDialogue,
    begin_intake,
    chosen,
    conversation_chat,
    created_case,
    free_text,
    intake_key,
    language,
    page_of,
    recording_of,
    turn_page,
    words,
)
from backend.dialogues.engine import Answer, Choice, Context, Prompt
from backend.errors import ValidationError
from backend.parsing import ascii_digits
from backend.people.models import Zone

SKIP_ON_CHANNEL = {"phone": {"photo", "location"}}  # the phone cannot send either
ZONE_CHOICES = (Choice(Zone.CITY, "City"), Choice(Zone.SUBURB, "Suburb"))
CONFIRM_CHOICES = (Choice("yes", "Yes, register it"), Choice("no", "No, cancel"))
SUMMARY_DESCRIPTION = 300  # the summary shows the start of a long description


def line_label(line: str) -> str:
    """A product line as words ("air_conditioner" → "Air conditioner"), a message id."""
    return line.replace("_", " ").strip().capitalize()


def parse_purchase_date(text: str, today: date) -> date:
    """2025-03-14, 2025.3.14, 2025/03/14, 20250314 or 2025년 3월 14일; never in the future."""
    numbers = re.findall(r"\d+", text)
    if len(numbers) == 1 and len(numbers[0]) == 8:
        numbers = [numbers[0][:4], numbers[0][4:6], numbers[0][6:]]
    try:
        year, month, day = (int(n) for n in numbers)
        value = date(year, month, day)
    except ValueError as error:
        raise ValidationError(
            "Please give the date like 2025-03-14, or say you don't know.", field="purchased_on"
        ) from error
    if value > today or value < EARLIEST_PURCHASE:  # backend/bounds.py
        raise ValidationError("That date is not possible. Please check it.", field="purchased_on")
    return value


def search_products(ctx: Context, text: str) -> list[Product]:
    """Products whose model or name contains what was typed (spaces and dashes ignored)."""
    needle = re.sub(r"[\s\-_]", "", text).lower()
    if not needle:
        return []

    def squeeze(column: Any) -> Any:
        return func.replace(func.replace(func.lower(column), " ", ""), "-", "")

    return list(
        ctx.session.scalars(
            select(Product)
            .where(
                or_(squeeze(Product.model).contains(needle), squeeze(Product.name).contains(needle))
            )
            .order_by(Product.model)
            .limit(40)
        )
    )


class FaultReport(CallerSteps, StepDialogue):
    """The repair intake; on_start(phone=None): the caller ID, when the channel has one."""

    name = "intake"
    first_step = "phone"
    after_caller_step = "product"

    def on_start(self, ctx: Context, **options: Any) -> None:
        ctx.conversation.data["media"] = []
        begin_intake(ctx)
        self.start_with_caller(ctx, phone=options.get("phone"))

    def skips(self, ctx: Context, step: str) -> bool:
        return step in SKIP_ON_CHANNEL.get(ctx.channel, set())

    def after(self, ctx: Context, step: str) -> str:
        """The step following `step`, passing over those this channel cannot answer."""
        order = ["description", "photo", "address", "zone", "location", "confirm"]
        following = order[order.index(step) + 1]
        return self.after(ctx, following) if self.skips(ctx, following) else following

    # product ------------------------------------------------------------------------------
    def product_choices(self, ctx: Context) -> list[Choice]:
        choices: list[Choice] = []
        customer = self.known_customer(ctx)
        if customer is not None:
            units = ctx.session.scalars(
                select(Unit).where(Unit.customer_id == customer.id).order_by(Unit.id)
            ).all()
            choices += [
                Choice(
                    f"unit:{u.id}",
                    "My {product} (serial {serial})",
                    {"product": u.product.name, "serial": u.serial_number},
                )
                for u in units
            ]
        lines = ctx.session.scalars(
            select(Product.product_line).distinct().order_by(Product.product_line)
        ).all()
        choices += [Choice(f"line:{line}", line_label(line)) for line in lines]
        return choices

    def ask_product(self, ctx: Context) -> Prompt:
        return Prompt(
            step="product",
            kind="choice",
            text="Which product is it? Choose below, or type the model name.",
            choices=page_of(ctx, "product", self.product_choices(ctx)),
        )

    def take_product(self, ctx: Context, answer: Answer) -> str:
        choices = page_of(ctx, "product", self.product_choices(ctx))
        typed_number = ascii_digits((answer.text or "").strip())
        value = chosen(answer, choices) if answer.choice or typed_number else None
        if value == MORE:
            return turn_page(ctx, "product")
        if value and value.startswith("unit:"):
            return self.take_unit(ctx, int(value.removeprefix("unit:")))
        if value and value.startswith("line:"):
            line = value.removeprefix("line:")
            ids = ctx.session.scalars(
                select(Product.id).where(Product.product_line == line).order_by(Product.model)
            ).all()
            return self.offer_models(ctx, list(ids))
        return self.take_model_search(ctx, answer)

    def take_unit(self, ctx: Context, unit_id: int) -> str:
        customer = self.known_customer(ctx)
        unit = ctx.session.get(Unit, unit_id)
        if unit is None or customer is None or unit.customer_id != customer.id:
            raise ValidationError("Please choose one of the options.", field="product")
        data = ctx.conversation.data
        data.update(
            product_id=unit.product_id,
            serial=unit.serial_number,
            purchased_on=unit.purchased_on.isoformat() if unit.purchased_on else None,
        )
        return "description"

    def take_model_search(self, ctx: Context, answer: Answer) -> str:
        if answer.choice or not (answer.text or "").strip():
            raise ValidationError("Please choose one of the options.", field="product")
        found = search_products(ctx, answer.text or "")
        if not found:
            raise ValidationError(
                "No product matches that. Choose from the list or type the model again.",
                field="product",
            )
        return self.offer_models(ctx, [p.id for p in found])

    def offer_models(self, ctx: Context, product_ids: list[int]) -> str:
        data = ctx.conversation.data
        data["model_page"] = 0
        if len(product_ids) == 1:
            data["product_id"] = product_ids[0]
            return "serial"
        data["model_ids"] = product_ids
        return "model"

    def model_choices(self, ctx: Context) -> list[Choice]:
        ids = ctx.conversation.data.get("model_ids") or []
        products = ctx.session.scalars(
            select(Product).where(Product.id.in_(ids)).order_by(Product.model)
        ).all()
        return [
            Choice(f"product:{p.id}", "{name} ({model})", {"name": p.name, "model": p.model})
            for p in products
        ]

    def ask_model(self, ctx: Context) -> Prompt:
        return Prompt(
            step="model",
            kind="choice",
            text="Which model is it?",
            choices=page_of(ctx, "model", self.model_choices(ctx)),
        )

    def take_model(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, page_of(ctx, "model", self.model_choices(ctx)))
        if value == MORE:
            return turn_page(ctx, "model")
        if value is None:
            return self.take_model_search(ctx, answer)
        ctx.conversation.data["product_id"] = int(value.removeprefix("product:"))
        return "serial"

    # serial number and purchase date (both optional: "don't know") ------------------------------
    def ask_serial(self, ctx: Context) -> Prompt:
        return Prompt(
            step="serial",
            kind="text",
            optional=True,
            text="What is the serial number? It is on the label of the product.",
        )

    def take_serial(self, ctx: Context, answer: Answer) -> str:
        data = ctx.conversation.data
        if answer.skip:
            data["serial"] = None
            return "purchase_date"
        data["serial"] = free_text(answer, limit=64, field="serial").upper()
        unit = ctx.session.scalar(
            select(Unit).where(
                Unit.product_id == data["product_id"], Unit.serial_number == data["serial"]
            )
        )
        if unit is not None and unit.purchased_on is not None:
            data["purchased_on"] = unit.purchased_on.isoformat()
            return "description"
        return "purchase_date"

    def ask_purchase_date(self, ctx: Context) -> Prompt:
        return Prompt(
            step="purchase_date",
            kind="date",
            optional=True,
            text="When was it bought? For example 2025-03-14.",
        )

    def take_purchase_date(self, ctx: Context, answer: Answer) -> str:
        if answer.skip:
            ctx.conversation.data["purchased_on"] = None
            return "description"
        today = calendar_for(ctx.settings).local_date(ctx.now)
        value = parse_purchase_date(answer.choice or answer.text or "", today)
        ctx.conversation.data["purchased_on"] = value.isoformat()
        return "description"

    # the fault, a photo -------------------------------------------------------------------------
    def ask_description(self, ctx: Context) -> Prompt:
        return Prompt(
            step="description",
            kind="recording",
            text="Please describe the fault in your own words.",
        )

    def take_description(self, ctx: Context, answer: Answer) -> str:
        data = ctx.conversation.data
        data["description"] = free_text(answer, field="description")
        if (media := recording_of(answer)) is not None:
            data["media"] = [*data.get("media", []), media]
        return self.after(ctx, "description")

    def ask_photo(self, ctx: Context) -> Prompt:
        return Prompt(
            step="photo",
            kind="photo",
            optional=True,
            text="You can send a photo of the fault, or skip this.",
        )

    def take_photo(self, ctx: Context, answer: Answer) -> str:
        if not answer.skip:
            if not answer.media or answer.media.get("kind") != "photo":
                raise ValidationError("Please send a photo, or skip this step.", field="photo")
            data = ctx.conversation.data
            data["media"] = [*data.get("media", []), dict(answer.media)]
        return self.after(ctx, "photo")

    # where -------------------------------------------------------------------------------------
    def ask_address(self, ctx: Context) -> Prompt:
        customer = self.known_customer(ctx)
        choices: tuple[Choice, ...] = ()
        if customer is not None and customer.address:
            choices = (Choice("saved", "Use my address: {address}", {"address": customer.address}),)
        return Prompt(
            step="address",
            kind="text",
            choices=choices,
            text="At what address should the technician come?",
        )

    def take_address(self, ctx: Context, answer: Answer) -> str:
        data = ctx.conversation.data
        customer = self.known_customer(ctx)
        if (
            customer is not None
            and customer.address
            and chosen(answer, self.ask_address(ctx).choices) == "saved"
        ):
            data.update(address=customer.address, zone=customer.zone)
            return self.after(ctx, "zone")
        address = free_text(answer, limit=500, field="address")
        if len(address) < 4:
            raise ValidationError("Please give the full address.", field="address")
        data["address"] = address
        return "zone"

    def ask_zone(self, ctx: Context) -> Prompt:
        return Prompt(
            step="zone",
            kind="choice",
            choices=ZONE_CHOICES,
            text="Is that in the city or in the suburbs?",
        )

    def take_zone(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, ZONE_CHOICES)
        typed = (answer.text or "").strip().lower()
        value = value or {
            "city": "city",
            "시내": "city",
            "도시": "city",
            "suburb": "suburb",
            "suburbs": "suburb",
            "교외": "suburb",
            "외곽": "suburb",
        }.get(typed)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="zone")
        ctx.conversation.data["zone"] = value
        return self.after(ctx, "zone")

    def ask_location(self, ctx: Context) -> Prompt:
        return Prompt(
            step="location",
            kind="location",
            optional=True,
            text="You can share your location so the technician finds you, or skip this.",
        )

    def take_location(self, ctx: Context, answer: Answer) -> str:
        if not answer.skip:
            if answer.location is None:
                raise ValidationError(
                    "Please share a location, or skip this step.", field="location"
                )
            lat, lon = answer.location
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValidationError("That location is not valid.", field="location")
            ctx.conversation.data.update(lat=float(lat), lon=float(lon))
        return "confirm"

    # confirm and register --------------------------------------------------------------------
    def summary_values(self, ctx: Context) -> dict[str, Any]:
        data = ctx.conversation.data
        product = ctx.session.get(Product, data["product_id"])
        description = data["description"]
        if len(description) > SUMMARY_DESCRIPTION:
            description = description[:SUMMARY_DESCRIPTION] + "…"
        unknown = words(ctx, "don't know")
        return {
            "name": data["name"],
            "phone": data["phone"],
            "product": f"{product.name} ({product.model})" if product else "-",
            "serial": data.get("serial") or unknown,
            "purchased": data.get("purchased_on") or unknown,
            "description": description,
            "address": data["address"],
            "zone": words(ctx, "City" if data["zone"] == Zone.CITY else "Suburb"),
            "photos": str(sum(1 for m in data.get("media", []) if m.get("kind") == "photo")),
        }

    def ask_confirm(self, ctx: Context) -> Prompt:
        return Prompt(
            step="confirm",
            kind="confirm",
            choices=CONFIRM_CHOICES,
            values=self.summary_values(ctx),
            text="Please check your report:\nName: {name}\nPhone: {phone}\n"
            "Product: {product}\nSerial number: {serial}\nBought on: {purchased}\n"
            "Fault: {description}\nAddress: {address} ({zone})\nPhotos: {photos}\n"
            "Shall we register it?",
        )

    def take_confirm(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, CONFIRM_CHOICES)
        typed = (answer.text or "").strip().lower()
        value = value or {
            "yes": "yes",
            "y": "yes",
            "네": "yes",
            "예": "yes",
            "no": "no",
            "n": "no",
            "아니요": "no",
            "아니오": "no",
        }.get(typed)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="confirm")
        if value == "no":
            return "cancelled"
        if (known := self.known_customer(ctx)) is not None:
            known.language = language(ctx)  # the confirmation below speaks their language
        chat = self.chat_to_link(ctx)
        case = intake_case(
            ctx.session,
            self.request(ctx, chat),
            settings=ctx.settings,
            now=ctx.now,
            actor=self.actor(ctx),
        )
        ctx.case = case
        ctx.conversation.data["case_number"] = case.number
        if ctx.conversation.data.get("verified") or self.linked_chat(case, chat):
            ctx.conversation.customer_id = case.customer_id
        return "done"

    def request(self, ctx: Context, chat: int | None) -> IntakeRequest:
        data = ctx.conversation.data
        product = ctx.session.get(Product, data["product_id"])
        purchased = date.fromisoformat(data["purchased_on"]) if data.get("purchased_on") else None
        return IntakeRequest(
            kind="repair",
            channel=ctx.channel,
            description=data["description"],
            customer=CustomerInput(
                name=data["name"],
                phone=data["phone"],
                address=data["address"],
                zone=data["zone"],
                language=language(ctx),
            ),
            product=ProductInput(
                model=product.model if product else "",
                serial_number=data.get("serial"),
                purchased_on=purchased,
            ),
            lat=data.get("lat"),
            lon=data.get("lon"),
            media=list(data.get("media", [])),
            telegram_chat_id=chat,
            confirmed_in_chat=conversation_chat(ctx),
            intake_key=intake_key(ctx),
            identity_verified=bool(ctx.conversation.data.get("verified")),
        )

    def actor(self, ctx: Context) -> Actor:
        customer_id = ctx.conversation.data.get("customer_id")
        return Actor("customer", id=customer_id, channel=ctx.channel)

    # endings -------------------------------------------------------------------------------------
    def ask_done(self, ctx: Context) -> Prompt:
        case = created_case(ctx)
        return Prompt(
            step="done",
            kind="end",
            values=self.result_values(ctx, case),
            text="Your repair request {number} is registered.\n{category}\n{promise}",
            result={
                "case_number": case.number,
                "service_category": case.service_category,
                "sla_due_at": case.sla_due_at.isoformat() if case.sla_due_at else None,
                "promised_arrival_at": (
                    case.promised_arrival_at.isoformat() if case.promised_arrival_at else None
                ),
            },
        )

    def result_values(self, ctx: Context, case: Case) -> dict[str, Any]:
        # Issue 16: the arrival only when a technician is planned to make it, else a callback.
        promise = current_promise(case, ctx.settings)
        return {
            "number": case.number,
            "category": category_words(case, language(ctx), fee_schedule(ctx.settings)),
            "promise": promise_words(promise, language(ctx), ctx.settings),
        }

    def ask_cancelled(self, ctx: Context) -> Prompt:
        return Prompt(
            step="cancelled",
            kind="end",
            result=None,
            text="Your report was not sent. You can start again at any time.",
        )


INTAKE = FaultReport()
