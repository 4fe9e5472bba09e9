"""Returning a product (R3.1–R3.3), asked the same way in a chat and on the phone.

The fault report's first steps — who the customer is (a caller ID confirmed first), which
product (their registered units for a known customer), its serial and purchase date — then why
they want to return it. The return window is the product line's (R3.1): a return past it is
refused at once with the rule in words (R3.2); one within it is registered for the after-sales
department (R2.3) and the customer is told the rule and what happens next.
"""

from __future__ import annotations

from datetime import date

from backend.casework.flows import intake_case
from backend.casework.intake import CustomerInput, IntakeRequest, ProductInput
from backend.catalog.models import Product
from backend.dialogues.common import (
    conversation_chat,
    created_case,
    free_text,
    intake_key,
    language,
    recording_of,
)
from backend.dialogues.engine import Answer, Context, Prompt
from backend.dialogues.intake import FaultReport
from backend.returns.policy import ReturnWindowPassed, rule_text, window_days


class ReturnRequest(FaultReport):
    """The return intake; on_start(phone=None): the caller ID, when the channel has one."""

    name = "return"

    def after(self, ctx: Context, step: str) -> str:
        return "description"  # after the product steps: why; no address, zone or place

    def ask_description(self, ctx: Context) -> Prompt:
        return Prompt(
            step="description",
            kind="recording",
            text="Why would you like to return it? Tell us in your own words.",
            spoken="Why would you like to return it? Please tell us in your own words.",
        )

    def take_description(self, ctx: Context, answer: Answer) -> str:
        data = ctx.conversation.data
        data["description"] = free_text(answer, field="description")
        media = recording_of(answer)
        product = ctx.session.get(Product, data["product_id"])
        purchased = date.fromisoformat(data["purchased_on"]) if data.get("purchased_on") else None
        chat = self.chat_to_link(ctx)
        try:
            case = intake_case(
                ctx.session,
                IntakeRequest(
                    kind="return",
                    channel=ctx.channel,
                    description=data["description"],
                    customer=CustomerInput(
                        name=data["name"], phone=data["phone"], language=language(ctx)
                    ),
                    product=ProductInput(
                        model=product.model if product else "",
                        serial_number=data.get("serial"),
                        purchased_on=purchased,
                    ),
                    media=[media] if media else [],
                    telegram_chat_id=chat,
                    confirmed_in_chat=conversation_chat(ctx),
                    intake_key=intake_key(ctx),
                    identity_verified=bool(data.get("verified")),
                ),
                settings=ctx.settings,
                now=ctx.now,
                actor=self.actor(ctx),
            )
        except ReturnWindowPassed:  # R3.1, R3.2: refused with the rule, not asked again
            line = product.product_line if product else None
            data["window_days"] = window_days(ctx.settings, line)
            return "refused"
        ctx.case = case
        data["case_number"] = case.number
        if data.get("verified") or self.linked_chat(case, chat):
            ctx.conversation.customer_id = case.customer_id
        return "done"

    def ask_refused(self, ctx: Context) -> Prompt:
        days = int(ctx.conversation.data.get("window_days") or 0)
        return Prompt(
            step="refused",
            kind="end",
            text="We are sorry: this product was bought too long ago to be returned. {rule} "
            "If it has a fault, we can repair it: choose 'Report a fault'.",
            values={"rule": rule_text(days, language(ctx))},
            result={"refused": "return_window_passed"},
        )

    def ask_done(self, ctx: Context) -> Prompt:
        case = created_case(ctx)
        days = window_days(ctx.settings, case.product.product_line if case.product else None)
        return Prompt(
            step="done",
            kind="end",
            text="Your return {number} is registered. {rule} The product is inspected first; "
            "we will tell you what we decide.",
            values={"number": case.number, "rule": rule_text(days, language(ctx))},
            result={"case_number": case.number},
        )


RETURN_REQUEST = ReturnRequest()
