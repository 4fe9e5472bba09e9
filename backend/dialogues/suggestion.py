"""Leaving a suggestion (R2.10, R9.3), asked the same way in a chat and on the phone.

Steps: phone → name → the suggestion in the customer's own words → the case. The closing prompt
names the case number and says the customer will hear what is decided (and about a reward).
"""

from __future__ import annotations

from typing import Any

from backend.actors import Actor
from backend.casework.flows import intake_case
from backend.casework.intake import CustomerInput, IntakeRequest
from backend.dialogues.common import (
    CallerSteps,
    StepDialogue,
    begin_intake,
    conversation_chat,
    created_case,
    free_text,
    intake_key,
    language,
    recording_of,
)
from backend.dialogues.engine import Answer, Context, Prompt


class Suggestion(CallerSteps, StepDialogue):
    """The suggestion intake; on_start(phone=None): the caller ID, when the channel has one."""

    name = "suggestion"
    first_step = "phone"
    after_caller_step = "suggestion"

    def on_start(self, ctx: Context, **options: Any) -> None:
        begin_intake(ctx)
        self.start_with_caller(ctx, phone=options.get("phone"))

    def ask_suggestion(self, ctx: Context) -> Prompt:
        return Prompt(
            step="suggestion",
            kind="recording",
            text="What is your suggestion? Tell us in your own words.",
        )

    def take_suggestion(self, ctx: Context, answer: Answer) -> str:
        data = ctx.conversation.data
        data["description"] = free_text(answer, field="suggestion")
        media = recording_of(answer)
        chat = self.chat_to_link(ctx)
        case = intake_case(
            ctx.session,
            IntakeRequest(
                kind="suggestion",
                channel=ctx.channel,
                description=data["description"],
                customer=CustomerInput(
                    name=data["name"], phone=data["phone"], language=language(ctx)
                ),
                media=[media] if media else [],
                telegram_chat_id=chat,
                confirmed_in_chat=conversation_chat(ctx),
                intake_key=intake_key(ctx),
                identity_verified=bool(data.get("verified")),
            ),
            settings=ctx.settings,
            now=ctx.now,
            actor=Actor("customer", id=data.get("customer_id"), channel=ctx.channel),
        )
        ctx.case = case
        data["case_number"] = case.number
        if data.get("verified") or self.linked_chat(case, chat):
            ctx.conversation.customer_id = case.customer_id
        return "done"

    def ask_done(self, ctx: Context) -> Prompt:
        case = created_case(ctx)
        return Prompt(
            step="done",
            kind="end",
            text="Thank you: your suggestion {number} is registered. We will tell you what we "
            "decide.",
            values={"number": case.number},
            result={"case_number": case.number},
        )


SUGGESTION = Suggestion()
