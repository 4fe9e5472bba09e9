"""A customer's free message about a case, appended to that case's history (R2.3).

With one open case the message goes straight to it; with several the customer is asked which
case it belongs to. The staff see it in the case's events as a `customer_message`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.cases.service import open_cases_of_customer, record_event
from backend.dialogues.common import MORE, StepDialogue, chosen, page_of, turn_page
from backend.dialogues.engine import Answer, Choice, Context, Prompt
from backend.errors import ValidationError
from backend.inbox.media import attach_media
from backend.people.models import Customer

NOTE_LIMIT = 5000
OTHER = "other"


def add_customer_message(
    session: Session,
    case: Case,
    *,
    text: str,
    channel: str,
    now: datetime,
    media: list[dict[str, Any]] | None = None,
) -> None:
    """Record what the customer wrote; the history is what the staff read. Photos sent with it
    join the case's media, fetched from the channel like those of the report itself."""
    record_event(
        session,
        case,
        actor=f"customer:{case.customer_id}",
        action="customer_message",
        at=now,
        channel=channel,
        note=text[:NOTE_LIMIT],
        data={"media": media} if media else None,
    )
    attach_media(session, case, media or [], channel=channel, now=now)


def case_label(case: Case) -> Choice:
    product = case.product.name if case.product else case.description[:30]
    return Choice(
        f"case:{case.number}", "{number}: {product}", {"number": case.number, "product": product}
    )


class CaseNote(StepDialogue):
    """on_start(text=…, media=[…]) in a conversation whose customer is known."""

    name = "case_note"
    first_step = "case"

    def on_start(self, ctx: Context, **options: Any) -> None:
        data = ctx.conversation.data
        data.update(
            text=str(options.get("text") or "")[:NOTE_LIMIT], media=list(options.get("media") or [])
        )
        cases = self.open_cases(ctx)
        if len(cases) == 1:
            self.append(ctx, cases[0])
            ctx.conversation.step = "added"
        elif not cases:
            ctx.conversation.step = "no_case"

    def open_cases(self, ctx: Context) -> list[Case]:
        customer_id = ctx.conversation.customer_id
        if customer_id is None or ctx.session.get(Customer, customer_id) is None:
            return []
        return open_cases_of_customer(ctx.session, customer_id)

    def choices(self, ctx: Context) -> list[Choice]:
        return [
            *(case_label(case) for case in self.open_cases(ctx)),
            Choice(OTHER, "Something else"),
        ]

    def ask_case(self, ctx: Context) -> Prompt:
        return Prompt(
            step="case",
            kind="choice",
            choices=page_of(ctx, "case", self.choices(ctx)),
            text="Which case is your message about?",
        )

    def take_case(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, page_of(ctx, "case", self.choices(ctx)))
        if value == MORE:
            return turn_page(ctx, "case")
        if value == OTHER:
            return "no_case"
        case = next((c for c in self.open_cases(ctx) if value == f"case:{c.number}"), None)
        if case is None:
            raise ValidationError("Please choose one of the options.", field="case")
        self.append(ctx, case)
        return "added"

    def append(self, ctx: Context, case: Case) -> None:
        data = ctx.conversation.data
        add_customer_message(
            ctx.session,
            case,
            text=data["text"],
            channel=ctx.channel,
            now=ctx.now,
            media=data.get("media"),
        )
        data["case_number"] = case.number
        ctx.case = case

    def ask_added(self, ctx: Context) -> Prompt:
        number = ctx.conversation.data["case_number"]
        return Prompt(
            step="added",
            kind="end",
            values={"number": number},
            text="Thank you. Your message was added to case {number}; our staff will read it.",
            result={"case_number": number},
        )

    def ask_no_case(self, ctx: Context) -> Prompt:
        return Prompt(
            step="no_case",
            kind="end",
            result=None,
            text="To report a fault or make a complaint, please choose it from the menu.",
        )


NOTE = CaseNote()
