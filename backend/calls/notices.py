"""Spoken notices placed through the same call path as the survey: contract expiry (R7.15) and
other proactive calls to customers (R9.5), inside calling hours and at most one call an hour."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.calls.models import PhoneCall
from backend.calls.service import (
    MIN_GAP_PER_CUSTOMER,
    last_outbound_at,
    next_calling_moment,
    place_call,
)
from backend.cases.models import Case
from backend.people.models import Customer
from backend.settings import Settings


def notice_call(
    session: Session,
    settings: Settings,
    *,
    customer: Customer,
    purpose: str,
    text: str,
    values: dict[str, Any],
    now: datetime,
    case: Case | None = None,
    dedupe_key: str | None = None,
) -> PhoneCall | None:
    """Call `customer` to say `text` (a message id, in their language); None without voice."""
    if not settings.voice_enabled:
        return None
    when = next_calling_moment(settings, now)
    last = last_outbound_at(session, customer.phone)
    if last is not None and when < last + MIN_GAP_PER_CUSTOMER:
        when = next_calling_moment(settings, last + MIN_GAP_PER_CUSTOMER)
    call = place_call(
        session,
        settings,
        purpose=purpose,
        phone=customer.phone,
        path="/ivr/notice",
        now=now,
        customer_id=customer.id,
        case=case,
        not_before=when,
        dedupe_key=dedupe_key,
    )
    if call is not None:
        call.data = {"message": {"text": text, "values": values}}
    return call
