"""Every time-driven duty as a function of (database state, now); `tick` runs them all once.

Each duty marks what it has done (a timestamp on the row, a dedupe key on the message), so
running `tick` twice for the same moment does nothing twice; and each runs under a lock shared
by all processes, so two ticks at once (two workers, a cron job and a worker) do not both do it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.cases.machine import NOT_ARRIVED, UNFINISHED_FIELD_JOB
from backend.cases.models import Case, Priority
from backend.cases.notices import format_moment
from backend.cases.service import record_event, record_events
from backend.catalog.models import Contract
from backend.db import Database
from backend.i18n import message, translate
from backend.outbox.models import OutboundMessage
from backend.outbox.service import message_customer, message_technician
from backend.people.models import Role, Technician
from backend.settings import Settings
from backend.tasks.service import CaseAlert, alert_many, open_task

logger = logging.getLogger(__name__)

EXPIRY_NOTICE_DAYS = 30

Duty = Callable[[Session, Settings, datetime], int]
NamedDuty = tuple[str, Duty]  # the name is the key of `tick`'s result
# `tick`'s result for a duty that did not run: it failed (logged; it runs again next time), or
# another process was running it at that moment (that process does its work).
FAILED = -1
BUSY = -2


def sla_warnings(session: Session, settings: Settings, now: datetime) -> int:
    """At 80 % of the arrival window, warn the technician and the repair manager (R7.9, R7.14)."""
    warned = 0
    for _ in range(BATCHES_PER_TICK):
        cases = _next_batch(
            session, Case.sla_warned_at.is_(None), Case.sla_warn_at <= now, Case.sla_due_at > now
        )
        if not cases:
            break
        _warn(session, settings, cases, now)
        warned += len(cases)
    return warned


def _warn(session: Session, settings: Settings, cases: Sequence[Case], now: datetime) -> None:
    tz = settings.tz
    _load_technicians(session, cases)
    queued = _queued(session, [f"sla-warn:{case.number}:tech" for case in cases])
    alerts = []
    for case in cases:
        case.sla_warned_at = now
        due = format_moment(case.sla_due_at.astimezone(tz), "ko") if case.sla_due_at else "-"
        record_event(
            session,
            case,
            actor="system",
            action="sla_warning",
            at=now,
            note=f"80% of the arrival window used; due {due}",
        )
        alerts.append(
            CaseAlert(
                kind="sla_warning",
                role=Role.REPAIR_MANAGER,
                case=case,
                title=message("{number}: arrival due {due}", number=case.number, due=due),
                dedupe_key=f"sla-warn:{case.number}",
            )
        )
        technician = case.assigned_technician
        if technician is None or f"sla-warn:{case.number}:tech" in queued:
            continue
        language = technician.language  # staff notes above stay Korean; this is theirs
        local_due = (
            format_moment(case.sla_due_at.astimezone(tz), language) if case.sla_due_at else "-"
        )
        reminder = message_technician(
            session,
            technician,
            translate(
                language,
                "Reminder: {number} must be reached by {due}.",
                number=case.number,
                due=local_due,
            ),
            case=case,
            purpose="sla_warning",
            now=now,
        )
        if reminder is not None:  # its key looked up with the batch's (see alert_many)
            reminder.dedupe_key = f"sla-warn:{case.number}:tech"
    alert_many(session, alerts, now=now)
    session.flush()


def sla_breaches(session: Session, settings: Settings, now: datetime) -> int:
    """Past the deadline without arrival: escalate to the service director at once (R7.9).

    Also every deadline that passed while no tick ran (a worker down for an hour): the duty
    looks for unmarked cases past their deadline, not for deadlines within the last minute; a
    backlog larger than a tick's share goes on at the next tick, earliest deadlines first."""
    breached = 0
    for _ in range(BATCHES_PER_TICK):
        cases = _next_batch(session, Case.sla_breached_at.is_(None), Case.sla_due_at <= now)
        if not cases:
            break
        ids = [case.id for case in cases]
        # The batch's marks, history and alerts in a few statements, not a few per case.
        session.execute(
            update(Case)
            .where(Case.id.in_(ids))
            .values(
                sla_breached_at=now, escalated_to=Role.SERVICE_DIRECTOR, priority=Priority.URGENT
            ),
            execution_options={"synchronize_session": False},
        )
        record_events(
            session,
            ids,
            actor="system",
            action="sla_breach",
            at=now,
            note="arrival deadline passed; escalated to the service director (R7.9)",
        )
        alerts = []
        for case in cases:
            title = message("{number}: arrival deadline passed", number=case.number)
            alerts.append(
                CaseAlert(
                    kind="sla_breach",
                    role=Role.SERVICE_DIRECTOR,
                    case=case,
                    title=title,
                    dedupe_key=f"sla-breach:{case.number}",
                )
            )
            # The repair manager dispatches: the late job is theirs to reassign (issue 13).
            alerts.append(
                CaseAlert(
                    kind="sla_breach",
                    role=Role.REPAIR_MANAGER,
                    case=case,
                    title=title,
                    dedupe_key=f"sla-breach-dispatch:{case.number}",
                )
            )
        alert_many(session, alerts, now=now)
        session.flush()
        session.expire_all()  # the marks were written by statement: read the cases afresh
        breached += len(cases)
    return breached


# Cases a duty marks per round: a backlog (a day of generated data, a worker down for hours) is
# worked through in rounds of this many, each a few queries, never one query per case; at most
# BATCHES_PER_TICK rounds in one tick, so that the tick stays short and its transaction does not
# hold thousands of cases locked against staff for minutes: the rest goes on a minute later.
BATCH = 500
BATCHES_PER_TICK = 4


def _next_batch(session: Session, *unmarked: ColumnElement[bool]) -> Sequence[Case]:
    """The next `BATCH` repair cases not yet arrived that match `unmarked` (the earliest
    deadlines first), locked; the caller marks them, so the next call returns the ones after.

    Two queries: the ids from the duty's partial index (ix_cases_sla_unwarned,
    ix_cases_sla_unbreached: only cases not yet marked), then those cases locked in the order of
    their ids, as every duty locks (see roll_over_unfinished), and checked again as locked."""
    matching = (Case.kind == "repair", Case.status.in_(sorted(NOT_ARRIVED)), *unmarked)
    ids = session.scalars(
        select(Case.id).where(*matching).order_by(Case.sla_due_at).limit(BATCH)
    ).all()
    if not ids:
        return []
    return session.scalars(
        select(Case).where(Case.id.in_(ids), *matching).order_by(Case.id).with_for_update()
    ).all()


def _load_technicians(session: Session, cases: Sequence[Case]) -> None:
    """The batch's technicians in one query (each case's `assigned_technician` is then read
    from the session, not fetched one by one)."""
    ids = {case.assigned_technician_id for case in cases} - {None}
    if ids:
        session.scalars(select(Technician).where(Technician.id.in_(ids))).all()


def _queued(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are already in the outbox (one query for a batch)."""
    return set(
        session.scalars(
            select(OutboundMessage.dedupe_key).where(OutboundMessage.dedupe_key.in_(keys))
        )
    )


def roll_over_unfinished(session: Session, settings: Settings, now: datetime) -> int:
    """After the day closes, unfinished field jobs get priority tomorrow (R7.13)."""
    calendar = calendar_for(settings)
    today = calendar.local_date(now)
    day = today if calendar.is_business_day(today) and now >= calendar.end_of_day(today) else None
    if day is None:
        return 0
    closing = calendar.end_of_day(day)
    cases = session.scalars(
        select(Case)
        .where(
            Case.kind == "repair",
            Case.status.in_(UNFINISHED_FIELD_JOB),
            Case.reported_at < closing,
            (Case.rolled_over_on.is_(None)) | (Case.rolled_over_on < day),
        )
        .order_by(Case.id)
        # Another process's duty (a breach making the case urgent) may be changing these very
        # cases: lock them, in one order, and read them as that one left them, so neither
        # overwrites the other's priority with what it read before.
        .with_for_update()
    ).all()
    tomorrow = calendar.next_business_day(day)
    for case in cases:
        case.carried_over = True
        case.rolled_over_on = day
        if case.priority == Priority.NORMAL:
            case.priority = Priority.HIGH
        record_event(
            session,
            case,
            actor="system",
            action="roll_over",
            at=now,
            note=f"not finished on {day.isoformat()}; first in line on "
            f"{tomorrow.isoformat()} (R7.13)",
        )
    return len(cases)


def contract_expiry_notices(session: Session, settings: Settings, now: datetime) -> int:
    """One month before a contract ends: tell the customer, send someone to renew (R7.15)."""
    today = calendar_for(settings).local_date(now)
    horizon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    contracts = session.scalars(
        select(Contract).where(
            Contract.expiry_notice_sent_at.is_(None),
            Contract.ends_on <= horizon,
            Contract.ends_on >= today,
        )
    ).all()
    for contract in contracts:
        contract.expiry_notice_sent_at = now
        customer = contract.customer
        text = translate(
            customer.language,
            "Your maintenance contract for {model} ends on {ends}. "
            "We will contact you to renew it.",
            model=contract.unit.product.name,
            ends=contract.ends_on.isoformat(),
        )
        message_customer(
            session,
            customer,
            text,
            purpose="contract_expiry",
            dedupe_key=f"contract-expiry:{contract.id}",
            now=now,
        )
        _contract_expiry_call(session, settings, contract, now)
        open_task(
            session,
            kind="renewal",
            role=Role.RECEPTIONIST,
            customer_id=customer.id,
            title=message(
                "Renew contract #{contract} (ends {ends})",
                contract=contract.id,
                ends=contract.ends_on.isoformat(),
            ),
            data={"contract_id": contract.id},
            dedupe_key=f"renewal:{contract.id}",
        )
    return len(contracts)


def _contract_expiry_call(
    session: Session, settings: Settings, contract: Contract, now: datetime
) -> None:
    """R7.15 by phone too, through the same call path as the rating survey (calling hours)."""
    from backend.calls.models import CallPurpose
    from backend.calls.notices import notice_call

    notice_call(
        session,
        settings,
        customer=contract.customer,
        purpose=CallPurpose.CONTRACT_EXPIRY,
        text="Your maintenance contract for {model} ends on {ends}. "
        "We will contact you to renew it.",
        values={"model": contract.unit.product.name, "ends": contract.ends_on.isoformat()},
        now=now,
        dedupe_key=f"contract-expiry-call:{contract.id}",
    )


# The case desk's own duties; the other domains' come from their `duties` modules, and
# backend/composition.py lists them all, in the order `tick` runs them.
CORE_DUTIES: tuple[NamedDuty, ...] = (
    ("sla_warnings", sla_warnings),
    ("sla_breaches", sla_breaches),
    ("roll_over", roll_over_unfinished),
    ("contract_expiry", contract_expiry_notices),
)


def tick(
    database: Database, settings: Settings, now: datetime, *, duties: Sequence[NamedDuty]
) -> dict[str, int]:
    """Run each of `duties` once as of `now`, in order, each in its own transaction.

    Each duty holds its lock for its transaction: a duty another process is running at this
    moment is skipped (BUSY), not waited for, so parallel ticks do nothing twice (finding 7)."""
    results: dict[str, int] = {}
    for name, duty in duties:
        try:
            with database.session() as session:
                if not hold_duty_lock(session, name):
                    logger.info("duty %s skipped: another process is running it", name)
                    results[name] = BUSY
                    continue
                results[name] = duty(session, settings, now)
        except Exception:
            logger.exception("duty %s failed; the others still run", name)
            results[name] = FAILED
    return results


def hold_duty_lock(session: Session, name: str) -> bool:
    """Take duty `name`'s lock, shared by every process, until this transaction ends; False
    when another transaction holds it.

    PostgreSQL: a transaction-level advisory lock, released at commit or rollback, and by the
    server when a process dies. SQLite: every transaction begins IMMEDIATE (backend.db), holding
    the database's one write lock; beginning it here takes that lock, so a second process's duty
    waits for the first's commit and then finds the marks it left (nothing is done twice)."""
    connection = session.connection()  # begins the transaction (on SQLite: takes the lock)
    if connection.dialect.name != "postgresql":
        return True
    return bool(connection.scalar(select(func.pg_try_advisory_xact_lock(duty_lock_key(name)))))


def duty_lock_key(name: str) -> int:
    """A stable signed 64-bit key for the advisory lock of duty `name` (the same in every
    process, unlike hash())."""
    digest = hashlib.blake2b(f"aftersales duty {name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
