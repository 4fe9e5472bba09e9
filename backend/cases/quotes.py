"""Quotes and consent (R4.11): before chargeable work the customer sees what it will cost and
accepts or declines; the decision is kept with its channel and time.

Only chargeable items are quoted: for paid service (category A) labour, the call-out fee and
every part out of its own warranty; within a contract or warranty job (B/C) only the parts whose
own warranty has run out (R4.1, R4.3). A quote keeps the fee schedule version it was made with.
The case's `quote` column holds the current quote; each quote and decision is also an event.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from backend.cases.models import Case, ServiceCategory
from backend.cases.warranty import FeeSchedule, PartUsed, part_is_free
from backend.catalog.promotions import WarrantyPromotion
from backend.errors import Conflict


class QuoteStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


# Where a decision may come from: the customer's own channels, or staff recording their answer.
CONSENT_CHANNELS = ("telegram", "phone", "sms", "web", "visit", "email", "letter")


def quote_items(
    case: Case,
    parts: list[PartUsed],
    hours: float,
    schedule: FeeSchedule,
    on: date,
    fee: int | None = None,
    transport: int = 0,
    promotions: Sequence[WarrantyPromotion] = (),
) -> list[dict[str, Any]]:
    """The chargeable items of a job: parts out of their own warranty; for paid service also
    labour (a fixed `fee`, else the product line's rate), the zone's call-out fee and a
    workshop job's transport (R4.8)."""
    items: list[dict[str, Any]] = [
        {
            "code": used.part.code,
            "quantity": used.quantity,
            "amount": used.part.price * used.quantity,
        }
        for used in parts
        if not part_is_free(case.unit, used.part, on, promotions)
    ]
    if case.service_category == ServiceCategory.PAID:
        line = case.product.product_line if case.product else None
        items.append(
            {
                "kind": "labour",
                "quantity": hours,
                "amount": fee if fee is not None else round(hours * schedule.labour_rate(line)),
            }
        )
        items.append({"kind": "call_out", "quantity": 1, "amount": schedule.call_out(case.zone)})
        items.append({"kind": "transport", "quantity": 1, "amount": transport})
    return [item for item in items if item["amount"] > 0]


def new_quote(
    items: list[dict[str, Any]], *, hours: float, schedule: FeeSchedule, now: datetime
) -> dict[str, Any]:
    """A pending quote (contract shape, plus the schedule version and hours it was made with)."""
    if not items:
        raise Conflict("nothing to quote: every item of this job is free of charge", field="quote")
    return {
        "items": items,
        "total": sum(item["amount"] for item in items),
        "status": QuoteStatus.PENDING.value,
        "decided_at": None,
        "channel": None,
        "schedule_version": schedule.version,
        "hours": hours,
        "quoted_at": now.isoformat(),
    }


def pending_quote(case: Case) -> dict[str, Any]:
    """The quote waiting for the customer's answer, or 409 naming `quote`."""
    quote = case.quote
    if quote is None or quote.get("status") != QuoteStatus.PENDING:
        state = "no quote" if quote is None else f"the quote is already {quote.get('status')}"
        raise Conflict(f"{case.number} has no quote waiting for an answer ({state})", field="quote")
    return quote


def decide(case: Case, status: QuoteStatus, *, channel: str, now: datetime) -> dict[str, Any]:
    """Record the customer's answer on the pending quote (R4.11: with channel and time)."""
    quote = dict(pending_quote(case))
    quote.update(status=status.value, decided_at=now.isoformat(), channel=channel)
    case.quote = quote
    return quote


def check_consent(case: Case, charges: dict[str, Any]) -> None:
    """R4.11: chargeable work needs an accepted quote covering it; otherwise 409 naming `quote`."""
    if charges["total"] <= 0:
        return
    quote = case.quote
    if quote is None or quote.get("status") != QuoteStatus.ACCEPTED:
        state = "none" if quote is None else quote.get("status")
        raise Conflict(
            f"this work is chargeable ({charges['total']:,} KRW): the customer must accept a "
            f"quote before it is done (quote: {state})",
            field="quote",
        )
    if charges["total"] > quote["total"]:
        raise Conflict(
            f"the work costs {charges['total']:,} KRW, more than the {quote['total']:,} KRW the "
            "customer accepted: quote again",
            field="quote",
        )


def declined_charges(case: Case, schedule: FeeSchedule) -> dict[str, Any]:
    """A declined quote ends the visit: only what the schedule allows, the call-out fee (paid
    service only; a warranty or contract visit costs nothing)."""
    paid = case.service_category == ServiceCategory.PAID
    call_out = schedule.call_out(case.zone) if paid else 0
    return {"parts": [], "labour": 0, "call_out": call_out, "total": call_out, "declined": True}
