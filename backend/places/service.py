"""One geocoding function with a cache, and the district table as staff have edited it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.places.districts import District, all_districts, parse_district
from backend.places.geocoders import Geocoder, GeocoderError
from backend.places.models import DistrictSetting, PlaceLookup

logger = logging.getLogger(__name__)

# Where a job with no better place is planned: Seoul City Hall for the city zone, Suwon's centre
# for the suburbs.
ZONE_CENTRES: dict[str, tuple[float, float]] = {
    "city": (37.5665, 126.9780),
    "suburb": (37.2636, 127.0286),
}
EXACT, DISTRICT, ZONE = "exact", "district", "zone"
PRECISIONS = (EXACT, DISTRICT, ZONE)
MAX_ATTEMPTS = 5  # failed calls for one address before it is left at its district
RETRY_AFTER = timedelta(minutes=2)  # doubled after every failure


@dataclass(frozen=True)
class Placement:
    """Where an address is, how precisely, and whether a precise answer may still come."""

    lat: float
    lon: float
    precision: str  # exact | district | zone
    district: District | None = None
    pending: bool = False  # the service failed or timed out: asked again later
    unplaced: bool = False  # no service and no district could place it: staff are told


def address_key(address: str) -> str:
    """The cache's key: spaces and commas squeezed, case folded."""
    return re.sub(r"[\s,]+", " ", address).strip().casefold()[:500]


def district_table(session: Session) -> list[District]:
    """The shipped district table with staff's changes (zone, centre) applied."""
    edits = {row.code: row for row in session.scalars(select(DistrictSetting))}
    table = []
    for district in all_districts():
        edit = edits.get(district.code)
        if edit is not None:
            district = replace(
                district,
                zone=edit.zone,
                lat=edit.lat if edit.lat is not None else district.lat,
                lon=edit.lon if edit.lon is not None else district.lon,
            )
        table.append(district)
    return table


def district_of(session: Session, address: str) -> District | None:
    """The district an address names, as staff have set it up."""
    parsed = parse_district(address)
    if parsed is None:
        return None
    edit = session.get(DistrictSetting, parsed.code)
    if edit is None:
        return parsed
    return replace(
        parsed,
        zone=edit.zone,
        lat=edit.lat if edit.lat is not None else parsed.lat,
        lon=edit.lon if edit.lon is not None else parsed.lon,
    )


def propose_zone(session: Session, address: str) -> str | None:
    """The zone the district table gives an address's district, else None (ask)."""
    district = district_of(session, address)
    return district.zone if district is not None else None


def set_district(
    session: Session,
    code: str,
    *,
    zone: str,
    lat: float | None,
    lon: float | None,
    by: str,
    now: datetime,
) -> DistrictSetting:
    """Staff change one row of the district table."""
    row = session.get(DistrictSetting, code)
    if row is None:
        row = DistrictSetting(code=code, zone=zone, changed_by=by, changed_at=now)
        session.add(row)
    row.zone, row.lat, row.lon, row.changed_by, row.changed_at = zone, lat, lon, by, now
    session.flush()
    return row


def geocode(
    session: Session,
    address: str | None,
    zone: str,
    *,
    geocoder: Geocoder | None,
    timeout: float,
    now: datetime,
) -> Placement:
    """Where `address` is: the service's answer (cached), else its district's centre, else the
    zone's centre. The service is asked at most once per address, or again after a failure."""
    district = district_of(session, address) if address else None
    lookup = _lookup(session, address, geocoder, timeout, now) if address else None
    if lookup is not None and lookup.found and lookup.lat is not None and lookup.lon is not None:
        return Placement(lookup.lat, lookup.lon, EXACT, district)
    pending = lookup is not None and lookup.found is None and lookup.attempts < MAX_ATTEMPTS
    if district is not None:
        return Placement(district.lat, district.lon, DISTRICT, district, pending=pending)
    lat, lon = ZONE_CENTRES.get(zone, ZONE_CENTRES["city"])
    return Placement(lat, lon, ZONE, None, pending=pending, unplaced=not pending)


def _lookup(
    session: Session,
    address: str,
    geocoder: Geocoder | None,
    timeout: float,
    now: datetime,
) -> PlaceLookup | None:
    """The cached answer, asking the service first when there is none (or it is time to retry)."""
    key = address_key(address)
    if not key:
        return None
    row = session.get(PlaceLookup, key)
    if geocoder is None:
        return row if row is not None and row.found else None
    due = row is None or (
        row.found is None
        and row.attempts < MAX_ATTEMPTS
        and (row.retry_at is None or row.retry_at <= now)
    )
    if not due:
        return row
    if row is None:
        try:  # a savepoint: two intakes of one new address at once insert it once
            with session.begin_nested():
                row = PlaceLookup(
                    address_key=key, source=geocoder.name, looked_up_at=now, attempts=0
                )
                session.add(row)
        except IntegrityError:
            return session.get(PlaceLookup, key)  # the other one asks the service
    try:
        answer = geocoder.geocode(address, timeout=timeout)
    except GeocoderError as error:
        row.attempts += 1
        row.looked_up_at = now
        row.retry_at = now + RETRY_AFTER * 2 ** (row.attempts - 1)
        logger.warning("%s did not answer (%s), attempt %d", geocoder.name, error, row.attempts)
    else:
        row.found = answer is not None
        row.lat, row.lon = answer if answer is not None else (None, None)
        row.source, row.looked_up_at, row.retry_at = geocoder.name, now, None
    session.flush()
    return row
