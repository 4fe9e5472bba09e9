"""Travel between two places: straight-line distance × a road factor, at a speed per zone.

`travel_matrix` is the one function the planner asks; a real routing service (an OSRM or Valhalla
"table" request) can replace it without touching anything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088

# Seoul City Hall for the city; Suwon's centre for the suburbs (where a job has no coordinates).
ZONE_CENTRES: dict[str, tuple[float, float]] = {
    "city": (37.5665, 126.9780),
    "suburb": (37.2636, 127.0286),
}
# Streets wind more in the core; arterial roads are faster in the suburbs.
ROAD_FACTOR: dict[str, float] = {"city": 1.35, "suburb": 1.25}
SPEED_KMH: dict[str, float] = {"city": 22.0, "suburb": 38.0}

# The demo addresses (backend/seed.py), geocoded once by hand: no geocoder is called at run time.
KNOWN_ADDRESSES: dict[str, tuple[float, float]] = {
    "서울특별시 중구 세종대로 110": (37.5663, 126.9779),
    "서울 중구 세종대로 110": (37.5663, 126.9779),
    "경기도 수원시 팔달구 효원로 241": (37.2636, 127.0286),
    "서울특별시 강남구 테헤란로 152": (37.5000, 127.0366),
}


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    zone: str = "city"


def locate(lat: float | None, lon: float | None, address: str | None, zone: str | None) -> Place:
    """Where a job is: its shared location, else a known address, else its zone's centre."""
    zone = zone if zone in ZONE_CENTRES else "city"
    if lat is not None and lon is not None:
        return Place(lat, lon, zone)
    if address and address.strip() in KNOWN_ADDRESSES:
        known = KNOWN_ADDRESSES[address.strip()]
        return Place(known[0], known[1], zone)
    centre = ZONE_CENTRES[zone]
    return Place(centre[0], centre[1], zone)


def travel_matrix(
    origins: Sequence[Place],
    destinations: Sequence[Place],
) -> tuple[np.ndarray, np.ndarray]:
    """Road kilometres and driving minutes from every origin to every destination.

    The road factor and speed are the destination's zone: a trip into the core is slow.
    """
    lat1 = np.radians([p.lat for p in origins])[:, None]
    lon1 = np.radians([p.lon for p in origins])[:, None]
    lat2 = np.radians([p.lat for p in destinations])[None, :]
    lon2 = np.radians([p.lon for p in destinations])[None, :]
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    straight = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    factor = np.array([ROAD_FACTOR.get(p.zone, 1.3) for p in destinations])[None, :]
    speed = np.array([SPEED_KMH.get(p.zone, 30.0) for p in destinations])[None, :]
    km = straight * factor
    return km, km / speed * 60.0


def travel(origin: Place, destination: Place) -> tuple[float, float]:
    """(km, minutes) of one trip."""
    km, minutes = travel_matrix([origin], [destination])
    return float(km[0, 0]), float(minutes[0, 0])
