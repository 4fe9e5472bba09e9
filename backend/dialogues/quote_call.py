"""The quote read out by phone (R4.11): "press 1 to accept, 2 to decline", the answer recorded
as the customer's own, from the phone channel. Started by phone_outbound.quote_call_answered."""

from __future__ import annotations

from typing import Any

from backend.actors import Actor
from backend.cases.service import get_case
from backend.casework.flows import perform_action
from backend.dialogues.common import StepDialogue, chosen
from backend.dialogues.engine import Answer, Choice, Context, Prompt
from backend.errors import Conflict, NotFound, TransitionNotAllowed, ValidationError

ANSWERS = (Choice("accept", "Accept"), Choice("decline", "Decline"))
ACTIONS = {"accept": "accept_quote", "decline": "decline_quote"}


class QuoteConsent(StepDialogue):
    """on_start(case_number=…): the pending quote's total, then accept (1) or decline (2)."""

    name = "quote_consent"
    first_step = "decide"

    def on_start(self, ctx: Context, **options: Any) -> None:
        case = get_case(ctx.session, str(options.get("case_number") or ""))
        if case.quote is None or case.quote.get("status") != "pending":
            raise NotFound("no quote waiting for an answer", field="case_number")
        ctx.conversation.data.update(case_number=case.number, total=case.quote["total"])
        ctx.conversation.customer_id = case.customer_id

    def ask_decide(self, ctx: Context) -> Prompt:
        data = ctx.conversation.data
        return Prompt(
            step="decide",
            kind="choice",
            choices=ANSWERS,
            values={"number": data["case_number"], "total": f"{data['total']:,}"},
            text="Quote for {number}: the work costs {total} KRW. Nothing is done before you "
            "accept. Press 1 to accept the quote, or 2 to decline it.",
        )

    def take_decide(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, ANSWERS)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="decide")
        case = get_case(ctx.session, ctx.conversation.data["case_number"])
        try:
            with ctx.session.begin_nested():
                perform_action(
                    ctx.session,
                    case,
                    ACTIONS[value],
                    actor=Actor("customer", id=case.customer_id, channel="phone"),
                    body={},
                    settings=ctx.settings,
                    now=ctx.now,
                )
        except (TransitionNotAllowed, Conflict):
            return "answered_before"
        return "accepted" if value == "accept" else "declined"

    def _end(self, step: str, text: str) -> Prompt:
        return Prompt(step=step, kind="end", text=text)

    def ask_accepted(self, ctx: Context) -> Prompt:
        return self._end(
            "accepted", "Thank you: you accepted the quote. The technician will do the work."
        )

    def ask_declined(self, ctx: Context) -> Prompt:
        return self._end("declined", "You declined the quote. Only the call-out fee is charged.")

    def ask_answered_before(self, ctx: Context) -> Prompt:
        return self._end("answered_before", "This quote has already been answered.")


QUOTE_CONSENT = QuoteConsent()
