"""My cases: open and recent cases with their status, the technician's first name and the ETA.

`customer_cases()` is the plain query any channel may call; the "status" dialogue wraps it for a
caller (phone → the list). Only a verified number (caller ID, a shared contact, a linked chat)
shows the technician and the arrival time; a typed number shows case numbers and status (R6.5).
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
from backend.dialogues.engine import Context, Prompt
from backend.i18n import translate
from backend.people.models import Customer
from backend.people.service import get_customer_by_phone
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
    "closed": "closed",
    "cancelled": "cancelled",
}
KIND_WORDS = {
    "repair": "Repair",
    "complaint": "Complaint",
    "return": "Return",
    "inquiry": "Inquiry",
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


class MyCases(CallerSteps, StepDialogue):
    """on_start(phone=None): the caller ID; otherwise the phone number is asked first."""

    name = "status"
    first_step = "phone"
    after_caller_step = "done"

    def on_start(self, ctx: Context, **options: Any) -> None:
        self.start_with_caller(ctx, phone=options.get("phone"))

    def step_after_phone(self, ctx: Context) -> str:
        return "done"  # no name needed to read out the cases

    def ask_done(self, ctx: Context) -> Prompt:
        data = ctx.conversation.data
        customer_id = data.get("customer_id")
        if customer_id is None and data.get("phone"):
            customer: Customer | None = get_customer_by_phone(ctx.session, data["phone"])
            customer_id = customer.id if customer else None
        text = cases_text(
            ctx.session,
            customer_id,
            settings=ctx.settings,
            now=ctx.now,
            lang=language(ctx),
            detailed=bool(data.get("verified")),
        )
        return Prompt(
            step="done",
            kind="end",
            text="{cases}",
            values={"cases": text},
            result={"customer_id": customer_id},
        )


STATUS = MyCases()

__all__ = ["STATUS", "CaseSummary", "cases_text", "customer_cases"]
