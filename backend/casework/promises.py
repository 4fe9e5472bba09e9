"""Honest promises (issue 16, R2.10, R7.14): what a customer is told about the arrival.

At intake the confirmation names the arrival deadline only when the technician the case was
planned for arrives by it; otherwise it says the case is registered and that the service desk
calls back by a stated time, and the repair manager gets that call as a task. Afterwards every
change of the promised time (a re-plan, a decline, a manager's choice) is told to the customer,
once per change, by the `promise_changes` duty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.cases.machine import NOT_ARRIVED
from backend.cases.models import Case, CaseKind
from backend.cases.notices import category_words, format_moment
from backend.casework.intake import fee_schedule
from backend.i18n import message, translate
from backend.outbox.service import message_customer
from backend.people.models import Role
from backend.settings import Settings
from backend.tasks.service import open_task

logger = logging.getLogger(__name__)

CALLBACK_WORKING_HOURS = 2  # the desk calls a customer it cannot promise a visit to within this


@dataclass(frozen=True)
class Promise:
    """What the customer is told: an arrival (`arrival_by`) or a callback (`callback_by`)."""

    arrival_by: datetime | None
    callback_by: datetime | None


def planned_arrival(case: Case) -> datetime | None:
    """The arrival the plan supports: the deadline when the planned technician makes it; a
    later planned arrival rounded up to the hour when not; None when nobody is planned."""
    if case.status not in NOT_ARRIVED or case.assigned_technician_id is None:
        return None
    planned, due = case.planned_arrival_at, case.sla_due_at
    if planned is None:
        return None
    if due is not None and planned <= due:
        return due
    hour = planned.replace(minute=0, second=0, microsecond=0)
    return hour if hour == planned else hour + timedelta(hours=1)


def promise_at_intake(
    session: Session, case: Case, *, settings: Settings, now: datetime
) -> Promise:
    """The promise of a repair just dispatched; a callback task for the repair manager when the
    deadline cannot be promised."""
    arrival = planned_arrival(case)
    case.promised_at = now
    if arrival is not None and arrival == case.sla_due_at:
        case.promised_arrival_at = arrival
        return Promise(arrival_by=arrival, callback_by=None)
    case.promised_arrival_at = None
    callback_by = calendar_for(settings).add_working_hours(now, CALLBACK_WORKING_HOURS)
    local = calendar_for(settings).local(callback_by)
    open_task(
        session,
        kind="promise_callback",
        role=Role.REPAIR_MANAGER,
        title=message(
            "Call the customer of {number} by {time}: no technician can arrive by the deadline",
            number=case.number,
            time=f"{local:%Y-%m-%d %H:%M}",
        ),
        case=case,
        customer_id=case.customer_id,
        dedupe_key=f"promise_callback:{case.number}",
    )
    return Promise(arrival_by=None, callback_by=callback_by)


def current_promise(case: Case, settings: Settings) -> Promise:
    """The promise last made about `case`, read back from the case."""
    if case.promised_arrival_at is not None:
        return Promise(arrival_by=case.promised_arrival_at, callback_by=None)
    made = case.promised_at or case.reported_at
    callback_by = calendar_for(settings).add_working_hours(made, CALLBACK_WORKING_HOURS)
    return Promise(arrival_by=None, callback_by=callback_by)


def promise_words(promise: Promise, language: str, settings: Settings) -> str:
    """The promise as one sentence in the customer's language."""
    calendar = calendar_for(settings)
    if promise.arrival_by is not None:
        due = format_moment(calendar.local(promise.arrival_by), language)
        return translate(language, "A technician will arrive by {due}.", due=due)
    moment = format_moment(
        calendar.local(promise.callback_by) if promise.callback_by else None, language
    )
    return translate(
        language,
        "We cannot promise a visit time yet: our service desk will call you by {moment}.",
        moment=moment,
    )


def repair_confirmation(session: Session, case: Case, promise: Promise, settings: Settings) -> str:
    """The confirmation of a repair by message (SMS, or a chat other than the dialogue's)."""
    language = case.customer.language
    return "\n".join(
        [
            translate(language, "Your repair request {number} is registered.", number=case.number),
            category_words(case, language, fee_schedule(session, settings)),
            promise_words(promise, language, settings),
        ]
    )


def confirm_repair(
    session: Session, case: Case, promise: Promise, *, settings: Settings, now: datetime
) -> None:
    """Queue the confirmation of a repair (by Telegram or SMS, outbox.message_customer)."""
    message_customer(
        session,
        case.customer,
        repair_confirmation(session, case, promise, settings),
        case=case,
        purpose="intake_confirmation",
        dedupe_key=f"intake:{case.number}",
        now=now,
    )


def promise_changes(session: Session, settings: Settings, now: datetime) -> int:
    """Duty: tell each customer whose promised arrival changed the new one, once (R2.10)."""
    cases = session.scalars(
        select(Case)
        .where(
            Case.kind == CaseKind.REPAIR,
            Case.status.in_(NOT_ARRIVED),
            Case.promised_at.is_not(None),
            ~_promise_holds(),
        )
        .order_by(Case.id)
    ).all()
    told = 0
    for case in cases:
        arrival = planned_arrival(case)
        if arrival == case.promised_arrival_at:
            continue
        tell_new_promise(session, case, arrival, settings=settings, now=now)
        told += 1
    return told


def _promise_holds() -> ColumnElement[bool]:
    """In SQL, the two common cases where `planned_arrival` is what the customer was told: the
    deadline, planned in time; nothing, nobody planned. The minute's duty loads only the other
    cases (100,000 open cases are not read into objects each minute); each of those is decided
    by `planned_arrival` itself. Every term is true or false, never NULL, so its negation is
    exact."""
    nobody_planned = or_(Case.assigned_technician_id.is_(None), Case.planned_arrival_at.is_(None))
    return or_(
        and_(nobody_planned, Case.promised_arrival_at.is_(None)),
        and_(
            Case.assigned_technician_id.is_not(None),
            Case.planned_arrival_at.is_not(None),
            Case.sla_due_at.is_not(None),
            Case.promised_arrival_at.is_not(None),
            Case.planned_arrival_at <= Case.sla_due_at,
            Case.promised_arrival_at == Case.sla_due_at,
        ),
    )


def tell_new_promise(
    session: Session, case: Case, arrival: datetime | None, *, settings: Settings, now: datetime
) -> None:
    """The new arrival (or, with none planned, a callback) to the customer, and remembered."""
    language = case.customer.language
    if arrival is not None:
        moment = format_moment(calendar_for(settings).local(arrival), language)
        text = translate(
            language,
            "News about {number}: the technician will now arrive by {moment}.",
            number=case.number,
            moment=moment,
        )
    else:
        callback_by = calendar_for(settings).add_working_hours(now, CALLBACK_WORKING_HOURS)
        moment = format_moment(calendar_for(settings).local(callback_by), language)
        text = translate(
            language,
            "News about {number}: the visit has to be planned again. "
            "Our service desk will call you by {moment}.",
            number=case.number,
            moment=moment,
        )
    stamp = arrival.isoformat() if arrival else f"none:{now.isoformat()}"
    message_customer(
        session,
        case.customer,
        text,
        case=case,
        purpose="promise_change",
        dedupe_key=f"promise:{case.number}:{stamp}",
        now=now,
    )
    case.promised_arrival_at, case.promised_at = arrival, now
    logger.info("case %s: new promised arrival told to the customer", case.number)
