"""The geocoding cache, and the staff's edits of the district table (zone and centroid)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class PlaceLookup(Base):
    """A geocoding service's answer for one address (normalised), or its "no such place": asked
    once, then read from here. `attempts` counts failed calls (a timeout, an error), which are
    tried again from `retry_at`."""

    __tablename__ = "place_lookups"

    address_key: Mapped[str] = mapped_column(String(500), primary_key=True)
    found: Mapped[bool | None]  # None: not answered yet (the service failed or timed out)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    source: Mapped[str] = mapped_column(String(16))  # kakao | nominatim
    looked_up_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]


class DistrictSetting(Base):
    """Staff's change to one row of the district table (data/districts.csv): the zone proposed
    for its addresses, and its centre where the shipped centroid is a poor meeting point."""

    __tablename__ = "district_settings"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    zone: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime]
