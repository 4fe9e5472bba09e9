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
from calendar import month_name
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
from backend.dialogues.one_time_code import check_code, send_code
from backend.dialogues.status import keyed_case_number
from backend.errors import ValidationError
from backend.parsing import ascii_digits
from backend.people.models import Customer, Zone
from backend.places.service import propose_zone

SKIP_ON_CHANNEL = {"phone": {"photo", "location"}}  # the phone cannot send either
ZONE_CHOICES = (Choice(Zone.CITY, "City"), Choice(Zone.SUBURB, "Suburb"))
CONFIRM_CHOICES = (
    Choice("yes", "Yes, register it"),
    Choice("change", "Change something"),
    Choice("no", "No, cancel"),
)
# What the customer may correct from the summary (issue 16): the part, and the steps that
# belong to it; once the dialogue moves past them it returns to the summary, not onwards.
CORRECTABLE: dict[str, tuple[str, ...]] = {
    "product": ("product", "model", "serial", "purchase_date"),
    "fault": ("description", "photo"),
    "address": ("address", "zone", "location"),
    "name": ("name",),
}
CHANGE_CHOICES = (
    Choice("product", "The product"),
    Choice("fault", "The fault"),
    Choice("address", "The address"),
    Choice("name", "My name"),
)
MODELS_LISTED = 8  # a catalogue this small offers its models at once: no product-line question
# Issue 16: the zone from the address itself where its region says it (R7.14: 6 or 7 hours);
# anything else is asked. The business's city zone is Seoul, its suburbs Gyeonggi's towns.
ZONE_WORDS: tuple[tuple[str, str], ...] = (
    ("서울", Zone.CITY),
    ("seoul", Zone.CITY),
    ("경기", Zone.SUBURB),
    ("gyeonggi", Zone.SUBURB),
)
SUMMARY_DESCRIPTION = 300  # the summary shows the start of a long description
IDENTIFY = (
    "We have products registered to this number. To use them, key in one of your case "
    "numbers: the year and the six digits, then the hash key. To get a code by text message "
    "instead, press 0 and the hash key. To go on without them, press the star key."
)
CODE_PROMPT = (
    "We have sent a six-digit code to this phone by text message. Key it in, then the hash "
    "key. To go on without it, press the star key."
)
PRODUCT_HINTS = ("에어컨", "냉장고", "세탁기", "air conditioner", "refrigerator", "washer")
ADDRESS_HINTS = ("서울", "경기", "특별시", "구", "로", "길", "동", "번지", "아파트")


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


def zone_of_address(address: str) -> str | None:
    """The zone an address names by its region ("서울 중구 …" → city), else None."""
    lowered = address.lower()
    return next((zone for word, zone in ZONE_WORDS if word in lowered), None)


def bought_words(ctx: Context, unit: Unit) -> str:
    """When a unit was bought, as a customer says it ("March 2025", "2025년 3월")."""
    bought = unit.purchased_on
    if bought is None:
        return words(ctx, "date unknown")
    if language(ctx) == "ko":
        return f"{bought.year}년 {bought.month}월"
    return f"{month_name[bought.month]} {bought.year}"


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
    confirms_caller_id = True  # issue 16: units and address only for a confirmed caller

    def accept(self, ctx: Context, step: str, answer: Answer) -> str:
        """Each step; a part corrected from the summary leads back to the summary."""
        next_step = super().accept(ctx, step, answer)
        part = ctx.conversation.data.get("correcting")
        if part and step != "change" and next_step not in CORRECTABLE[part]:
            ctx.conversation.data.pop("correcting", None)
            return "confirm"
        return next_step

    def on_start(self, ctx: Context, **options: Any) -> None:
        ctx.conversation.data["media"] = []
        begin_intake(ctx)
        self.start_with_caller(ctx, phone=options.get("phone"))

    def skips(self, ctx: Context, step: str) -> bool:
        return step in SKIP_ON_CHANNEL.get(ctx.channel, set())

    def after(self, ctx: Context, step: str) -> str:
        """The step following `step`, passing over those this channel cannot answer and, for
        a known customer, the address on file (confirmed with the summary, issue 16)."""
        order = ["description", "photo", "address", "zone", "location", "confirm"]
        following = order[order.index(step) + 1]
        data = ctx.conversation.data
        if following == "address" and (data.get("address_typed") or self.use_address_on_file(ctx)):
            return "confirm"
        return self.after(ctx, following) if self.skips(ctx, following) else following

    def use_address_on_file(self, ctx: Context) -> bool:
        """A known customer's stored address and zone, taken unless they chose to change it."""
        customer = self.known_customer(ctx)
        if customer is None or not customer.address or not customer.zone:
            return False
        ctx.conversation.data.update(address=customer.address, zone=customer.zone)
        return True

    # identify: a caller ID confirmed by one of its case numbers ----------------------------------
    def ask_identify(self, ctx: Context) -> Prompt:
        return Prompt(
            step="identify",
            kind="phone",  # the keypad with the hash key (ivr/render.py)
            optional=True,
            text=IDENTIFY,
            spoken=IDENTIFY,
        )

    def take_identify(self, ctx: Context, answer: Answer) -> str:
        data = ctx.conversation.data
        if answer.skip:  # an unconfirmed caller ID is treated as a new customer
            return "name"
        keyed = (answer.text or answer.choice or "").strip()
        if keyed == "0":  # a one-time code by text message instead of a case number
            candidate = ctx.session.get(Customer, data["candidate_id"])
            if candidate is not None and send_code(ctx, candidate):
                return "code"
            raise ValidationError(
                "This number cannot receive text messages. Key in a case number, or press the "
                "star key.",
                field="identify",
            )
        number = keyed_case_number(keyed)
        case = ctx.session.scalar(
            select(Case).where(Case.number == number, Case.customer_id == data["candidate_id"])
        )
        if number is None or case is None:
            raise ValidationError(
                "We found no case with that number for this phone number. Please try again.",
                field="identify",
            )
        self.remember_customer(ctx, case.customer)
        return self.step_after_phone(ctx)

    def ask_code(self, ctx: Context) -> Prompt:
        return Prompt(
            step="code", kind="phone", optional=True, text=CODE_PROMPT, spoken=CODE_PROMPT
        )

    def take_code(self, ctx: Context, answer: Answer) -> str:
        if answer.skip:
            return "name"
        verdict = check_code(ctx, answer.text or answer.choice or "")
        if verdict is None:  # expired or three wrong tries: a new customer, as without a code
            return "name"
        if not verdict:
            raise ValidationError("That is not the code we sent. Please try again.", field="code")
        candidate = ctx.session.get(Customer, ctx.conversation.data["candidate_id"])
        assert candidate is not None
        self.remember_customer(ctx, candidate)
        return self.step_after_phone(ctx)

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
                    "My {product}, bought {bought}",
                    {"product": u.product.name, "bought": bought_words(ctx, u)},
                )
                for u in units
            ]
        products = ctx.session.scalars(
            select(Product).order_by(Product.model).limit(MODELS_LISTED + 1)
        ).all()
        if len(products) <= MODELS_LISTED:  # a small catalogue: its models, one question
            return choices + [
                Choice(f"product:{p.id}", "{name} ({model})", {"name": p.name, "model": p.model})
                for p in products
            ]
        lines = ctx.session.scalars(
            select(Product.product_line).distinct().order_by(Product.product_line)
        ).all()
        choices += [Choice(f"line:{line}", line_label(line)) for line in lines]
        return choices

    def ask_product(self, ctx: Context) -> Prompt:
        choices = page_of(ctx, "product", self.product_choices(ctx))
        return Prompt(
            step="product",
            kind="choice",
            text="Which product is it? Choose below, or type the model name.",
            spoken="Which product is it?",
            hints=tuple(PRODUCT_HINTS),
            choices=choices,
        )

    def take_product(self, ctx: Context, answer: Answer) -> str:
        choices = page_of(ctx, "product", self.product_choices(ctx))
        typed_number = ascii_digits((answer.text or "").strip())
        value = chosen(answer, choices) if answer.choice or typed_number else None
        if value == MORE:
            return turn_page(ctx, "product")
        if value and value.startswith("unit:"):
            return self.take_unit(ctx, int(value.removeprefix("unit:")))
        if value and value.startswith("product:"):
            return self.offer_models(ctx, [int(value.removeprefix("product:"))])
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
            keypad=True,
            text="What is the serial number? It is on the label of the product.",
            spoken="If you have the serial number at hand, key in its digits, then the hash "
            "key. If not, press the star key: the technician reads it from the label.",
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
            spoken="When was it bought? Key in eight digits: year, month and day. "
            "If you do not know, press the star key.",
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
            text="Please describe the fault in your own words. You can send a photo with "
            "the description as its caption.",
            spoken="Please tell us what is wrong, in your own words.",
        )

    def take_description(self, ctx: Context, answer: Answer) -> str:
        data = ctx.conversation.data
        data["description"] = free_text(answer, field="description")
        if (media := recording_of(answer)) is not None:
            data["media"] = [*data.get("media", []), media]
            if media.get("kind") == "photo":  # the photo came with it: no photo question
                return self.after(ctx, "photo")
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
            spoken="At what address should the technician come? Please say the full address.",
            hints=ADDRESS_HINTS,
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
        data.update(address=address, address_typed=True)
        # The district table's zone for the address's district, else its region's words.
        zone = propose_zone(ctx.session, address) or zone_of_address(address)
        if zone is not None:  # the address says it: not asked
            data["zone"] = zone
            return self.after(ctx, "zone")
        return "zone"

    def ask_zone(self, ctx: Context) -> Prompt:
        return Prompt(
            step="zone",
            kind="choice",
            choices=ZONE_CHOICES,
            text="Is that in the city or in the suburbs?",
            hints=("시내", "교외", "city", "suburb"),
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
            # Read back in short parts, each its own sentence (ivr/render.py says each line).
            spoken="Let me read your report back.\nThe product: {product}.\n"
            "The fault: {description}.\nThe address: {address}.\n"
            "We will call you on {phone}.",
            hints=("네", "수정", "아니요", "yes", "change", "no"),
        )

    def take_confirm(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, CONFIRM_CHOICES)
        typed = (answer.text or "").strip().lower()
        value = value or {
            "yes": "yes",
            "y": "yes",
            "네": "yes",
            "예": "yes",
            "change": "change",
            "수정": "change",
            "no": "no",
            "n": "no",
            "아니요": "no",
            "아니오": "no",
        }.get(typed)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="confirm")
        if value == "no":
            return "cancelled"
        if value == "change":
            return "change"
        return self.register(ctx)

    def register(self, ctx: Context) -> str:
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

    # correcting one part from the summary, without starting over (issue 16) ----------------------
    def ask_change(self, ctx: Context) -> Prompt:
        return Prompt(
            step="change",
            kind="choice",
            choices=CHANGE_CHOICES,
            text="What would you like to change?",
            hints=("제품", "고장", "주소", "이름", "product", "fault", "address", "name"),
        )

    def take_change(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, CHANGE_CHOICES)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="change")
        data = ctx.conversation.data
        data["correcting"] = value
        if value == "product":
            data.update(product_page=0, model_ids=None)
        return CORRECTABLE[value][0]

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
            "category": category_words(
                case, language(ctx), fee_schedule(ctx.session, ctx.settings)
            ),
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
