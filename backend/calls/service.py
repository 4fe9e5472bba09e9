"""Recording calls and placing outbound ones through the outbox (one path for every purpose)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.calls.models import FINAL_STATUSES, CallPurpose, PhoneCall
from backend.cases.models import Case
from backend.db import insert_unless_exists
from backend.outbox.models import OutboundMessage, OutboxChannel, OutboxStatus
from backend.outbox.service import enqueue
from backend.parsing import whole_number
from backend.phones import mask_phone
from backend.settings import Settings

logger = logging.getLogger(__name__)

MIN_GAP_PER_CUSTOMER = timedelta(hours=1)  # never call one customer twice within an hour

# Twilio answering-machine detection results that mean "nobody listened" (R8.3 retry).
MACHINE_ANSWERS = frozenset(
    {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
)


def record_inbound(
    session: Session, *, call_sid: str, phone: str, customer_id: int | None, now: datetime
) -> PhoneCall:
    """The inbound call `call_sid`, recorded on its first request (R2.3: every call).

    Twilio may send several requests of one call at the same moment (a retry, a status
    callback): each must find the one row, none may fail on the unique CallSid (finding 6).
    The INSERT comes first: a call's first request is nearly always its first sight, so the
    common case costs one statement, and a repeat reads the row after an insert of nothing."""
    call = insert_unless_exists(
        session,
        PhoneCall,
        {
            "call_sid": call_sid,
            "direction": "inbound",
            "purpose": CallPurpose.INBOUND,
            "phone": phone,
            "customer_id": customer_id,
            "status": "in-progress",
            "placed_at": now,
            "callbacks": [],
            "data": {},
        },
        unique=["call_sid"],
    )
    # None: another request of this call inserted the row first (we waited for its commit).
    call = call or _call_with_sid(session, call_sid)
    assert call is not None
    return call


def _call_with_sid(session: Session, call_sid: str) -> PhoneCall | None:
    return session.scalar(select(PhoneCall).where(PhoneCall.call_sid == call_sid))


def place_call(
    session: Session,
    settings: Settings,
    *,
    purpose: str,
    phone: str,
    path: str,
    now: datetime,
    customer_id: int | None = None,
    case: Case | None = None,
    survey_id: int | None = None,
    not_before: datetime | None = None,
    dedupe_key: str | None = None,
) -> PhoneCall | None:
    """An outbound call: a PhoneCall row and, in the same transaction, the outbox row placing it.

    The row is due at the first calling moment from `not_before` (or now) and must be dialled
    before that day's calling hours close: a late worker defers it instead (contract)."""
    if dedupe_key is not None and (
        any(isinstance(o, OutboundMessage) and o.dedupe_key == dedupe_key for o in session.new)
        or session.scalar(
            select(OutboundMessage.id).where(OutboundMessage.dedupe_key == dedupe_key)
        )
    ):
        return None
    start, closing = calling_window(settings, not_before or now)
    call = PhoneCall(
        direction="outbound",
        purpose=purpose,
        phone=phone,
        customer_id=customer_id,
        case_id=case.id if case else None,
        survey_id=survey_id,
        status="queued",
        placed_at=start,
        callbacks=[],
        data={},
    )
    session.add(call)
    session.flush()
    separator = "&" if "?" in path else "?"
    enqueue(
        session,
        channel=OutboxChannel.VOICE,
        recipient=phone,
        case=case,
        payload={
            "path": f"{path}{separator}call_id={call.id}",
            "machine_detection": "Enable",
            "timeout": 25,
            "call_id": call.id,
        },
        purpose=f"call:{purpose}",
        dedupe_key=dedupe_key,
        not_before=start,
        not_after=closing,
        now=now,
    )
    logger.info("%s call %s queued to %s", purpose, call.id, mask_phone(phone))
    return call


def find_call(
    session: Session, call_sid: str | None, call_id: str | int | None = None
) -> PhoneCall | None:
    """The call Twilio names by CallSid; an outbound call is first known by our own id."""
    if call_sid:
        call = session.scalar(select(PhoneCall).where(PhoneCall.call_sid == call_sid))
        if call is not None:
            return call
        if call_id is None:  # our id is not in the URL: the outbox row that placed it has it
            message = session.scalar(
                select(OutboundMessage).where(
                    OutboundMessage.provider_id == call_sid, OutboundMessage.channel == "voice"
                )
            )
            call_id = message.payload.get("call_id") if message is not None else None
    number = whole_number(str(call_id)) if call_id is not None else None
    if number is None:
        return None
    call = session.get(PhoneCall, number)
    if call is None or (call_sid and call.call_sid not in (None, call_sid)):
        return None
    if call_sid and call.call_sid is None:
        call.call_sid = call_sid
    return call


def last_outbound_at(
    session: Session, phone: str, *, exclude_id: int | None = None
) -> datetime | None:
    """When this number was last called by us (R8.3 retries: never twice within an hour)."""
    query = select(PhoneCall.placed_at).where(
        PhoneCall.phone == phone, PhoneCall.direction == "outbound"
    )
    if exclude_id is not None:
        query = query.where(PhoneCall.id != exclude_id)
    return session.scalar(query.order_by(PhoneCall.placed_at.desc()).limit(1))


def apply_status(call: PhoneCall, form: Mapping[str, str], now: datetime) -> bool:
    """Apply one status callback; False when it was applied before or the call is already over."""
    status = (form.get("CallStatus") or "").strip().lower()
    key = f"{status}#{form.get('SequenceNumber') or form.get('Timestamp') or ''}"
    if not status or key in (call.callbacks or []) or call.over:
        return False
    call.callbacks = [*(call.callbacks or []), key]
    call.status = status[:16]
    if form.get("AnsweredBy"):
        call.answered_by = form["AnsweredBy"][:24]
    if status in FINAL_STATUSES:
        call.ended_at = now
        duration = form.get("CallDuration") or ""
        call.duration_seconds = whole_number(duration)
    return True


def outcome_of(call: PhoneCall) -> str:
    """How the call went, in one word: answered, machine, busy, no-answer, failed, canceled."""
    if call.status != "completed":
        return call.status
    if (call.answered_by or "") in MACHINE_ANSWERS:
        return "machine"
    return "answered"


def next_calling_moment(settings: Settings, moment: datetime) -> datetime:
    """`moment`, or the next one inside calling hours on a business day (contract: 10–19)."""
    opening, closing = settings.calling_hours
    return calendar_for(settings).next_moment_within(moment, opening, closing)


def within_calling_hours(settings: Settings, now: datetime) -> bool:
    return next_calling_moment(settings, now) == now


def calling_window(settings: Settings, moment: datetime) -> tuple[datetime, datetime]:
    """The first calling moment from `moment`, and the close of that day's calling hours."""
    start = next_calling_moment(settings, moment)
    calendar = calendar_for(settings)
    _opening, closing = settings.calling_hours
    return start.astimezone(UTC), calendar.at(calendar.local_date(start), closing).astimezone(UTC)


CallMoved = Callable[[Session, PhoneCall, datetime], object]


def rearm_deferred_calls(
    session: Session, settings: Settings, now: datetime, *, on_moved: CallMoved | None = None
) -> int:
    """Calls the worker found too late are queued again for the next calling hours; the same
    attempt, not a new one. `on_moved(session, call, start)` lets the domain that placed the call
    follow it (a survey's attempts and its one-call-an-hour rule stay right)."""
    rows = session.scalars(
        select(OutboundMessage)
        .where(
            OutboundMessage.channel == OutboxChannel.VOICE,
            OutboundMessage.status == OutboxStatus.DEFERRED,
        )
        .order_by(OutboundMessage.id)
    ).all()
    for row in rows:
        start, closing = calling_window(settings, now)
        row.status, row.next_attempt_at, row.not_after = OutboxStatus.PENDING, start, closing
        call = session.get(PhoneCall, row.payload.get("call_id") or 0)
        if call is not None:
            call.placed_at = start
            data = call.data or {}
            call.data = {**data, "deferrals": data.get("deferrals", 0) + 1}
        if call is not None and on_moved is not None:
            on_moved(session, call, start)
        logger.info("call %s deferred to %s", row.payload.get("call_id"), start.isoformat())
    return len(rows)
