"""A technician's multi-step job actions, channel-neutral: declining with a reason, and resolving
with the parts from the product's part list, the hours and (paid work) the fee (R4.3, R4.12, R7.7).

Both start with on_start(case_number=…, technician_id=…); the case must be the technician's own.
"""

from __future__ import annotations

from typing import Any

from backend.cases.models import Case, ServiceCategory
from backend.dialogues.common import (
    MORE,
    StepDialogue,
    chosen,
    free_text,
    page_of,
    turn_page,
    words,
)
from backend.dialogues.engine import Answer, Choice, Context, Prompt
from backend.errors import OutOfStock, ValidationError
from backend.fieldwork.jobs import own_job, work_job
from backend.parsing import ascii_digits
from backend.people.models import Technician

DECLINE_REASONS = (
    Choice("too_far", "Too far for today"),
    Choice("busy", "Fully booked"),
    Choice("not_certified", "Not trained for this product"),
    Choice("sick", "Sick or off duty"),
)
REASON_TEXT = {
    "too_far": "too far",
    "busy": "fully booked",
    "not_certified": "not trained for this product",
    "sick": "sick or off duty",
}
HOUR_CHOICES = tuple(
    Choice(h, "{hours} h", {"hours": h}) for h in ("0.5", "1", "1.5", "2", "3", "4")
)
DONE = Choice("done", "No more parts")
CONFIRM = (Choice("yes", "Yes, resolve it"), Choice("no", "No, cancel"))


class JobStep(StepDialogue):
    """The technician and the case of the job this dialogue is about."""

    def on_start(self, ctx: Context, **options: Any) -> None:
        technician = ctx.session.get(Technician, options.get("technician_id"))
        if technician is None:
            raise ValidationError("unknown technician", field="technician_id")
        case = own_job(ctx.session, technician, str(options.get("case_number") or ""))
        ctx.conversation.data.update(case_number=case.number, technician_id=technician.id)

    def job(self, ctx: Context) -> tuple[Technician, Case]:
        data = ctx.conversation.data
        technician = ctx.session.get(Technician, data["technician_id"])
        assert technician is not None
        return technician, own_job(ctx.session, technician, data["case_number"])

    def act(self, ctx: Context, action: str, body: dict[str, Any]) -> None:
        technician, case = self.job(ctx)
        work_job(
            ctx.session,
            technician,
            case.number,
            action,
            settings=ctx.settings,
            now=ctx.now,
            channel=ctx.channel,
            body=body,
        )


class DeclineJob(JobStep):
    """Decline: a reason from the list or in the technician's words; the job is dispatched again."""

    name = "job_decline"
    first_step = "reason"

    def ask_reason(self, ctx: Context) -> Prompt:
        return Prompt(
            step="reason",
            kind="choice",
            choices=DECLINE_REASONS,
            values={"number": ctx.conversation.data["case_number"]},
            text="Why do you decline {number}? Choose or type the reason.",
        )

    def take_reason(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, DECLINE_REASONS) if answer.choice else None
        reason = REASON_TEXT[value] if value else free_text(answer, limit=500, field="reason")
        self.act(ctx, "decline", {"reason": reason})
        return "declined"

    def ask_declined(self, ctx: Context) -> Prompt:
        number = ctx.conversation.data["case_number"]
        return Prompt(
            step="declined",
            kind="end",
            values={"number": number},
            text="You declined {number}; it goes to another technician.",
            result={"case_number": number},
        )


class ResolveJob(JobStep):
    """Resolve: parts (tap a part once per piece), hours, fee for paid work, confirm."""

    name = "job_resolve"
    first_step = "parts"

    def part_choices(self, ctx: Context) -> list[Choice]:
        _technician, case = self.job(ctx)
        parts = case.product.parts if case.product else []
        taken = ctx.conversation.data.get("parts", {})
        return [
            Choice(
                f"part:{p.code}",
                "{name} ({code}) ×{count}",
                {"name": p.name, "code": p.code, "count": taken.get(p.code, 0)},
            )
            for p in parts
        ]

    def parts_words(self, ctx: Context) -> str:
        taken = ctx.conversation.data.get("parts", {})
        return ", ".join(f"{code} ×{n}" for code, n in taken.items()) or words(ctx, "none")

    def ask_parts(self, ctx: Context) -> Prompt:
        return Prompt(
            step="parts",
            kind="choice",
            choices=page_of(ctx, "parts", self.part_choices(ctx), fixed=(DONE,)),
            values={"number": ctx.conversation.data["case_number"], "parts": self.parts_words(ctx)},
            text="{number}: which parts did you replace? Tap a part once per piece. "
            "So far: {parts}",
        )

    def take_parts(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, page_of(ctx, "parts", self.part_choices(ctx), fixed=(DONE,)))
        if value == MORE:
            return turn_page(ctx, "parts")
        if value == DONE.value:
            return "hours"
        if value is None:
            raise ValidationError("Please choose one of the options.", field="parts")
        taken = dict(ctx.conversation.data.get("parts", {}))
        code = value.removeprefix("part:")
        taken[code] = min(taken.get(code, 0) + 1, 99)
        ctx.conversation.data["parts"] = taken
        return "parts"

    def ask_hours(self, ctx: Context) -> Prompt:
        return Prompt(
            step="hours",
            kind="choice",
            choices=HOUR_CHOICES,
            text="How many hours did the work take? Choose or type a number.",
        )

    def take_hours(self, ctx: Context, answer: Answer) -> str:
        raw = (answer.choice or answer.text or "").strip().replace(",", ".")
        try:
            hours = float(raw)
        except ValueError as error:
            raise ValidationError(
                "Please give the hours as a number, like 1.5.", field="hours"
            ) from error
        if not 0 < hours <= 24:
            raise ValidationError("Please give the hours as a number, like 1.5.", field="hours")
        ctx.conversation.data["hours"] = hours
        _technician, case = self.job(ctx)
        return "fee" if case.service_category == ServiceCategory.PAID else "confirm"

    def ask_fee(self, ctx: Context) -> Prompt:
        return Prompt(
            step="fee",
            kind="text",
            optional=True,
            text="Paid job: the labour fee in KRW? Skip to charge the hours at the fee schedule.",
        )

    def take_fee(self, ctx: Context, answer: Answer) -> str:
        if answer.skip:
            ctx.conversation.data["fee"] = None
            return "confirm"
        raw = (answer.text or answer.choice or "").replace(",", "").replace("원", "").strip()
        if not ascii_digits(raw) or len(raw) > 9 or int(raw) > ctx.settings.max_amount:
            raise ValidationError("Please give the fee as a whole number of KRW.", field="fee")
        ctx.conversation.data["fee"] = int(raw)
        return "confirm"

    def ask_confirm(self, ctx: Context) -> Prompt:
        data = ctx.conversation.data
        fee = data.get("fee")
        return Prompt(
            step="confirm",
            kind="confirm",
            choices=CONFIRM,
            values={
                "number": data["case_number"],
                "parts": self.parts_words(ctx),
                "hours": f"{data['hours']:g}",
                "fee": f"{fee:,}" if fee is not None else words(ctx, "by schedule"),
            },
            text="Resolve {number}? Parts: {parts}. Hours: {hours}. Fee: {fee}.",
        )

    def take_confirm(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, CONFIRM)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="confirm")
        if value == "no":
            return "cancelled"
        data = ctx.conversation.data
        parts = [{"code": code, "quantity": n} for code, n in data.get("parts", {}).items()]
        body: dict[str, Any] = {"parts": parts, "hours": data["hours"]}
        if data.get("fee") is not None:
            body["fee"] = data["fee"]
        try:
            with ctx.session.begin_nested():  # a part short undoes the parts already taken
                self.act(ctx, "resolve", body)
        except OutOfStock as error:  # R5.3: never below zero; the technician is asked again
            raise ValidationError(
                "A part you chose is not in your van. Get it from the warehouse first, "
                "or choose no.",
                field=error.field,
            ) from error
        return "resolved"

    def ask_resolved(self, ctx: Context) -> Prompt:
        _technician, case = self.job(ctx)
        total = (case.charges or {}).get("total", 0)
        return Prompt(
            step="resolved",
            kind="end",
            values={"number": case.number, "total": f"{total:,}"},
            text="{number} is resolved (total {total} KRW). The customer has been "
            "asked to sign the service certificate.",
            result={"case_number": case.number, "charges": case.charges},
        )

    def ask_cancelled(self, ctx: Context) -> Prompt:
        return Prompt(
            step="cancelled",
            kind="end",
            result=None,
            values={"number": ctx.conversation.data["case_number"]},
            text="Nothing was recorded for {number}.",
        )


QUOTE_CONFIRM = (Choice("yes", "Yes, send the quote"), Choice("no", "No, cancel"))
PAY_METHODS = (
    Choice("cash", "Cash"),
    Choice("card", "Card"),
    Choice("invoice", "Invoice (pay later)"),
)


class QuoteJob(ResolveJob):
    """Quote (R4.11): the parts to replace and the hours expected, then the quote goes to the
    customer, who accepts or declines before the work is done."""

    name = "job_quote"

    def ask_parts(self, ctx: Context) -> Prompt:
        return Prompt(
            step="parts",
            kind="choice",
            choices=page_of(ctx, "parts", self.part_choices(ctx), fixed=(DONE,)),
            values={"number": ctx.conversation.data["case_number"], "parts": self.parts_words(ctx)},
            text="{number}: which parts will you replace? Tap a part once per piece. "
            "So far: {parts}",
        )

    def ask_hours(self, ctx: Context) -> Prompt:
        return Prompt(
            step="hours",
            kind="choice",
            choices=HOUR_CHOICES,
            text="How many hours will the work take? Choose or type a number.",
        )

    def take_hours(self, ctx: Context, answer: Answer) -> str:
        super().take_hours(ctx, answer)
        return "confirm"

    def ask_confirm(self, ctx: Context) -> Prompt:
        data = ctx.conversation.data
        return Prompt(
            step="confirm",
            kind="confirm",
            choices=QUOTE_CONFIRM,
            values={
                "number": data["case_number"],
                "parts": self.parts_words(ctx),
                "hours": f"{data['hours']:g}",
            },
            text="Send the customer a quote for {number}? Parts: {parts}. Hours: {hours}.",
        )

    def take_confirm(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, QUOTE_CONFIRM)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="confirm")
        if value == "no":
            return "cancelled"
        data = ctx.conversation.data
        parts = [{"code": code, "quantity": n} for code, n in data.get("parts", {}).items()]
        self.act(ctx, "quote", {"parts": parts, "hours": data["hours"]})
        return "quoted"

    def ask_quoted(self, ctx: Context) -> Prompt:
        _technician, case = self.job(ctx)
        total = (case.quote or {}).get("total", 0)
        return Prompt(
            step="quoted",
            kind="end",
            values={"number": case.number, "total": f"{total:,}"},
            text="The quote for {number} ({total} KRW) was sent to the customer. Start the "
            "work once they accept.",
            result={"case_number": case.number, "quote": case.quote},
        )


class PayJob(JobStep):
    """Pay (R4.11, R7.5): how the customer paid the charges; the receipt goes to them."""

    name = "job_pay"
    first_step = "method"

    def ask_method(self, ctx: Context) -> Prompt:
        _technician, case = self.job(ctx)
        total = (case.charges or {}).get("total", 0)
        return Prompt(
            step="method",
            kind="choice",
            choices=PAY_METHODS,
            values={"number": case.number, "total": f"{total:,}"},
            text="{number}: {total} KRW. How does the customer pay?",
        )

    def take_method(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, PAY_METHODS)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="method")
        self.act(ctx, "pay", {"method": value})
        return "paid"

    def ask_paid(self, ctx: Context) -> Prompt:
        _technician, case = self.job(ctx)
        payment = case.payment or {}
        return Prompt(
            step="paid",
            kind="end",
            values={"number": case.number, "invoice": payment.get("invoice_number", "")},
            text="Recorded: {invoice} for {number}. The customer receives it.",
            result={"case_number": case.number, "payment": case.payment},
        )


DECLINE = DeclineJob()
RESOLVE = ResolveJob()
QUOTE = QuoteJob()
PAY = PayJob()
