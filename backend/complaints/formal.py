"""Formal escalated cases (R2.9, R8.5): a second complaint about the same product model, person
or dealer within the window, an unsatisfied answer, or a reopened complaint opens one formal
case owned by the vice-president, linking the complaints — one per group, never one each."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from backend.calendar import calendar_for
from backend.cases.machine import INITIAL_STATUS, TERMINAL
from backend.cases.models import Case, CaseKind, Priority
from backend.cases.service import apply_transition, next_case_number, record_event
from backend.complaints.deadlines import set_reply_deadline
from backend.complaints.routing import Severity
from backend.i18n import message
from backend.people.models import Role
from backend.settings import Settings
from backend.tasks.service import alert

logger = logging.getLogger(__name__)


def group_keys(case: Case) -> list[tuple[str, ColumnElement[bool]]]:
    """The groups a complaint belongs to, each with the condition that finds its other members."""
    keys: list[tuple[str, ColumnElement[bool]]] = []
    if case.about_technician_id is not None:
        keys.append(
            (
                f"technician:{case.about_technician_id}",
                Case.about_technician_id == case.about_technician_id,
            )
        )
    if case.about_staff_id is not None:
        keys.append((f"staff:{case.about_staff_id}", Case.about_staff_id == case.about_staff_id))
    if case.dealer:
        keys.append((f"dealer:{case.dealer.strip().lower()}", Case.dealer == case.dealer))
    if case.product_id is not None:
        keys.append((f"model:{case.product_id}", Case.product_id == case.product_id))
    return keys


def check_repeats(
    session: Session, case: Case, *, settings: Settings, now: datetime
) -> Case | None:
    """A second complaint of a group within the window: the group's formal case (R2.9)."""
    since = case.reported_at - timedelta(days=settings.formal_case_window_days)
    for key, same_group in group_keys(case):
        earlier = session.scalars(
            select(Case)
            .where(
                Case.kind == CaseKind.COMPLAINT,
                Case.id != case.id,
                Case.formal_key.is_(None),
                Case.reported_at >= since,
                same_group,
            )
            .order_by(Case.reported_at)
        ).all()
        if earlier:
            reason = f"repeated complaint ({key}) within {settings.formal_case_window_days} days"
            return open_formal_case(
                session, key=key, cases=[*earlier, case], reason=reason, settings=settings, now=now
            )
    return None


def open_formal_case(
    session: Session,
    *,
    key: str,
    cases: list[Case],
    reason: str,
    settings: Settings,
    now: datetime,
) -> Case:
    """The group's open formal case (made when there is none), with `cases` linked to it."""
    formal = session.scalar(
        select(Case).where(Case.formal_key == key, Case.status.not_in(sorted(TERMINAL)))
    )
    if formal is None:
        formal = _new_formal_case(session, key=key, source=cases[-1], settings=settings, now=now)
        alert(
            session,
            kind="formal_case",
            role=Role.VICE_PRESIDENT,
            title=message("Formal case {number}", number=formal.number),
            case=formal,
            detail=", ".join(c.number for c in cases),
            dedupe_key=f"formal:{formal.number}",
            now=now,
        )
    for complaint in cases:
        if complaint.formal_case_id is None and complaint.id != formal.id:
            complaint.formal_case_id = formal.id
            record_event(
                session,
                complaint,
                actor="system",
                action="formal_case",
                at=now,
                note=f"linked to formal case {formal.number}: {reason}",
                data={"formal_case": formal.number},
            )
            record_event(
                session,
                formal,
                actor="system",
                action="linked",
                at=now,
                note=f"{complaint.number} linked",
                data={"complaint": complaint.number},
            )
    logger.info("formal case %s groups %s", formal.number, key)
    return formal


def _new_formal_case(
    session: Session, *, key: str, source: Case, settings: Settings, now: datetime
) -> Case:
    """A complaint of its own, major, owned by the vice-president (R8.5)."""
    calendar = calendar_for(settings)
    formal = Case(
        number=next_case_number(session, calendar.local(now).year),
        kind=CaseKind.COMPLAINT,
        status=INITIAL_STATUS[CaseKind.COMPLAINT],
        channel=source.channel,
        customer_id=source.customer_id,
        product_id=source.product_id,
        unit_id=source.unit_id,
        description=f"Formal case ({key}) after {source.number}: {source.description}"[:5000],
        zone=source.zone,
        reported_at=now,
        topic=source.topic,
        severity=Severity.MAJOR,
        department=source.department,
        priority=Priority.URGENT,
        escalated_to=Role.VICE_PRESIDENT,
        accountable_role=Role.VICE_PRESIDENT,
        about_technician_id=source.about_technician_id,
        about_staff_id=source.about_staff_id,
        dealer=source.dealer,
        formal_key=key,
        identity_verified=source.identity_verified,
        reported_as=source.reported_as,
    )
    session.add(formal)
    session.flush()
    record_event(session, formal, actor="system", action="intake", at=now, to_status=formal.status)
    apply_transition(
        session,
        formal,
        "route",
        actor="system",
        at=now,
        note=f"formal case for {key}, owned by the vice-president (R2.9, R8.5)",
        data={"department": formal.department, "formal_key": key},
    )
    set_reply_deadline(formal, settings=settings, start=now)
    return formal
