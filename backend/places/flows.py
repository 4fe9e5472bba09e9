"""A case's place: found at intake without waiting long, made precise later, corrected by staff."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases.machine import NOT_ARRIVED
from backend.cases.models import Case
from backend.people.models import Role
from backend.places.geocoders import Geocoder, geocoder_for
from backend.places.service import EXACT, ZONE, Placement, geocode
from backend.settings import Settings
from backend.tasks.service import alert

logger = logging.getLogger(__name__)

LATER_TIMEOUT_S = 10.0  # the worker can wait longer than a customer on the line


def precision_of(case: Case) -> str:
    """The case's precision; a shared location (or a case from before places) is exact."""
    if case.place_precision:
        return case.place_precision
    return EXACT if case.lat is not None and case.lon is not None else ZONE


def locate_case(
    session: Session,
    case: Case,
    *,
    settings: Settings,
    now: datetime,
    geocoder: Geocoder | None = None,
) -> Placement | None:
    """At intake: the address placed within GEOCODER_TIMEOUT_MS, else at its district's or
    zone's centre (a later duty asks again); a shared location is kept as it is."""
    if case.lat is not None and case.lon is not None and case.place_precision is None:
        case.place_precision = EXACT
        return None
    geocoder = geocoder or geocoder_for(settings)
    placement = geocode(
        session,
        case.address,
        case.zone,
        geocoder=geocoder,
        timeout=settings.geocoder_timeout_ms / 1000,
        now=now,
    )
    _apply(session, case, placement, now)
    return placement


def refine_places(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    geocoder: Geocoder | None = None,
) -> list[Case]:
    """Cases placed roughly at intake because the service failed or timed out, asked again;
    returns those now placed exactly (their day wants a re-plan)."""
    geocoder = geocoder or geocoder_for(settings)
    waiting = session.scalars(
        select(Case)
        .where(Case.place_pending.is_(True), Case.status.in_(NOT_ARRIVED))
        .order_by(Case.id)
    ).all()
    placed = []
    for case in waiting:
        if geocoder is None:
            case.place_pending = False
            continue
        placement = geocode(
            session, case.address, case.zone, geocoder=geocoder, timeout=LATER_TIMEOUT_S, now=now
        )
        _apply(session, case, placement, now)
        if placement.precision == EXACT:
            placed.append(case)
    return placed


def correct_place(case: Case, *, lat: float, lon: float) -> None:
    """Staff put the case where it really is (a call to the customer, a map)."""
    case.lat, case.lon = lat, lon
    case.place_precision = EXACT
    case.place_pending = False


def _apply(session: Session, case: Case, placement: Placement, now: datetime) -> None:
    case.lat, case.lon = placement.lat, placement.lon
    case.place_precision = placement.precision
    case.place_pending = placement.pending
    if placement.unplaced:
        alert(
            session,
            kind="unplaced_address",
            role=Role.RECEPTIONIST,
            case=case,
            title=f"{case.number}: the address could not be placed; check it with the customer",
            dedupe_key=f"unplaced:{case.number}",
            now=now,
        )
        logger.info("case %s: address not placed, planned at its zone's centre", case.number)
