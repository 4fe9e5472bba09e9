"""My cases: open and recent cases with their status, the technician's first name and the ETA.

`customer_cases()` is the plain query any channel may call; the "status" dialogue wraps it for a
caller: a chat with a verified identity gets the list; a caller gets the one case whose number
they key in (finding 5, see `MyCases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.cases.machine import NOT_ARRIVED, TERMINAL
from backend.cases.models import Case
from backend.cases.notices import format_moment
from backend.dialogues.common import CallerSteps, StepDialogue, language
from backend.dialogues.engine import Answer, Context, Prompt
from backend.errors import ValidationError
from backend.i18n import translate
from backend.people.models import Customer
from backend.settings import Settings

RECENT = timedelta(days=30)
LISTED = 8
STATUS_WORDS = {
    "new": "registered, waiting for a technician",
    "assigned": "a technician is assigned",
    "accepted": "the technician has accepted",
    "en_route": "the technician is on the way",
    "on_site": "the technician is with you",
    "in_workshop": "being repaired in our workshop",
    "repaired": "repaired, being checked",
    "inspected": "checked, on its way back to you",
    "resolved": "done, waiting for your confirmation",
    "received": "received",
    "routed": "with the responsible department",
    "answered": "answered",
    "decided": "decided: we have told you what happens next",
    "closed": "closed",
    "cancelled": "cancelled",
    "evaluated": "evaluated, the reward is being decided",  # a suggestion (R9.3)
}
KIND_WORDS = {
    "repair": "Repair",
    "complaint": "Complaint",
    "return": "Return",
    "inquiry": "Inquiry",
    "suggestion": "Suggestion",
}


@dataclass(frozen=True)
class CaseSummary:
    number: str
    kind: str
    status: str
    is_open: bool
    technician_first_name: str | None
    eta: datetime | None  # the promised arrival, local; only until the technician arrives


def customer_cases(
    session: Session, customer_id: int, *, settings: Settings, now: datetime
) -> list[CaseSummary]:
    """Open cases first (newest first), then those closed in the last 30 days."""
    cases = session.scalars(
        select(Case)
        .where(
            Case.customer_id == customer_id,
            or_(Case.status.not_in(TERMINAL), Case.updated_at >= now - RECENT),
        )
        .order_by(Case.reported_at.desc(), Case.id.desc())
    ).all()
    ordered = sorted(cases, key=lambda c: c.status in TERMINAL)  # stable: open ones first
    return [summarize(case, settings) for case in ordered[:LISTED]]


def summarize(case: Case, settings: Settings) -> CaseSummary:
    technician = case.assigned_technician
    # "Arriving by" is the promise made at intake (R7.14); a planner's estimate may move.
    due = case.sla_due_at
    eta = (
        calendar_for(settings).local(due)
        if due is not None and case.status in NOT_ARRIVED and technician
        else None
    )
    return CaseSummary(
        number=case.number,
        kind=case.kind,
        status=case.status,
        is_open=case.status not in TERMINAL,
        technician_first_name=technician.first_name if technician else None,
        eta=eta,
    )


def describe(summary: CaseSummary, lang: str, *, detailed: bool = True) -> str:
    """One line per case, in the customer's language."""
    line = translate(
        lang,
        "{number} ({kind}): {status}",
        number=summary.number,
        kind=translate(lang, KIND_WORDS.get(summary.kind, summary.kind)),
        status=translate(lang, STATUS_WORDS.get(summary.status, summary.status)),
    )
    if detailed and summary.technician_first_name and summary.is_open:
        line += translate(lang, ", technician {name}", name=summary.technician_first_name)
    if detailed and summary.eta is not None:
        line += translate(lang, ", arriving by {eta}", eta=format_moment(summary.eta, lang))
    return line


def cases_text(
    session: Session,
    customer_id: int | None,
    *,
    settings: Settings,
    now: datetime,
    lang: str,
    detailed: bool = True,
) -> str:
    """The whole answer to "my cases", ready to show or say."""
    summaries = (
        customer_cases(session, customer_id, settings=settings, now=now) if customer_id else []
    )
    if not summaries:
        return translate(lang, "We found no open or recent cases for you.")
    lines = [describe(s, lang, detailed=detailed) for s in summaries]
    return translate(lang, "Your cases:") + "\n" + "\n".join(lines)


TYPED_NUMBER_REFUSED = (
    "For your privacy we show cases only to the owner of the number. Please tap the button "
    "below to share your contact from this Telegram account; a typed number cannot be used."
)
CASE_NUMBER_DIGITS = 10  # the year and the six digits of AS-YYYY-NNNNNN, as a caller keys them


def keyed_case_number(text: str) -> str | None:
    """A case number from what a caller keyed or typed: "2026000123", "2026 000123" or
    "AS-2026-000123" → "AS-2026-000123"; None for anything else."""
    digits = "".join(ch for ch in text if ch in "0123456789")
    if len(digits) != CASE_NUMBER_DIGITS:
        return None
    return f"AS-{digits[:4]}-{digits[4:]}"


class MyCases(CallerSteps, StepDialogue):
    """on_start(phone=None): the caller ID; otherwise the phone number is asked first.

    Finding 5 (R6.5): in a chat only a verified identity (a linked chat, or a contact the sender
    shared from their own account) lists cases, and a typed number is refused. On the phone the
    caller ID (which can be spoofed) only says whose cases to look among: a case is described
    only after the caller keys in its number (the year and six digits, `keyed_case_number`).
    """

    name = "status"
    first_step = "phone"
    after_caller_step = "done"

    def on_start(self, ctx: Context, **options: Any) -> None:
        self.start_with_caller(ctx, phone=options.get("phone"))

    def step_after_phone(self, ctx: Context) -> str:
        return "case_number" if ctx.channel == "phone" else "done"  # no name needed

    def take_phone(self, ctx: Context, answer: Answer) -> str:
        if ctx.channel != "phone" and not answer.phone:
            raise ValidationError(TYPED_NUMBER_REFUSED, field="phone")
        return super().take_phone(ctx, answer)

    def ask_case_number(self, ctx: Context) -> Prompt:
        # kind "phone": the keypad with the hash key, as for a number (ivr/render.py)
        return Prompt(
            step="case_number",
            kind="phone",
            text="Please key in your case number: the year and the six digits after it, "
            "for example 2026 000123.",
        )

    def take_case_number(self, ctx: Context, answer: Answer) -> str:
        data = ctx.conversation.data
        number = keyed_case_number(answer.text or answer.choice or "")
        case = (
            ctx.session.scalar(
                select(Case)
                .join(Customer, Case.customer_id == Customer.id)
                .where(Case.number == number, Customer.phone == data.get("phone"))
            )
            if number
            else None
        )
        if case is None:
            raise ValidationError(
                "We found no case with that number for this phone number. Please try again.",
                field="case_number",
            )
        data["case_number"] = case.number
        return "done"

    def ask_done(self, ctx: Context) -> Prompt:
        data = ctx.conversation.data
        if ctx.channel == "phone":
            return self.keyed_case(ctx, data["case_number"])
        customer_id = data.get("customer_id") if data.get("verified") else None
        text = cases_text(
            ctx.session, customer_id, settings=ctx.settings, now=ctx.now, lang=language(ctx)
        )
        return Prompt(
            step="done",
            kind="end",
            text="{cases}",
            values={"cases": text},
            result={"customer_id": customer_id},
        )

    def keyed_case(self, ctx: Context, number: str) -> Prompt:
        """The one case whose number the caller keyed: nothing about their other cases."""
        case = ctx.session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        line = describe(summarize(case, ctx.settings), language(ctx))
        return Prompt(
            step="done",
            kind="end",
            text="{cases}",
            values={"cases": translate(language(ctx), "Your cases:") + "\n" + line},
            result={"customer_id": case.customer_id, "case_number": case.number},
        )


STATUS = MyCases()

__all__ = ["STATUS", "CaseSummary", "cases_text", "customer_cases"]
