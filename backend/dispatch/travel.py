"""Travel between places: a routing engine's matrix when one is configured (an OSRM `table`
service, ROUTING_TABLE_URL), else the default model — straight-line distance × a road factor at
a speed per zone, slower in rush hours.

`travel_matrix` is the one function the planner asks. Where a job is comes from the case: its
shared location, its geocoded address, its district's centroid or its zone's centre
(backend/places), with the precision the case JSON shows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time

import httpx
import numpy as np

from backend.places.service import ZONE_CENTRES
from backend.settings import Settings

logger = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088
# Streets wind more in the core; arterial roads are faster in the suburbs.
ROAD_FACTOR: dict[str, float] = {"city": 1.35, "suburb": 1.25}
SPEED_KMH: dict[str, float] = {"city": 22.0, "suburb": 38.0}
ROUTING_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    zone: str = "city"


def locate(lat: float | None, lon: float | None, address: str | None, zone: str | None) -> Place:
    """Where a job is: its coordinates (shared, geocoded or a district's), else its zone's
    centre. `address` is placed at intake (backend.places), not here."""
    zone = zone if zone in ZONE_CENTRES else "city"
    if lat is not None and lon is not None:
        return Place(lat, lon, zone)
    centre = ZONE_CENTRES[zone]
    return Place(centre[0], centre[1], zone)


class RoutingError(Exception):
    """The routing engine gave no usable table."""


@dataclass
class OsrmTable:
    """OSRM's table service (`/table/v1/driving/{lon,lat;…}?annotations=duration,distance`),
    asked once per set of places: answers are kept by pair of places."""

    base_url: str
    known: dict[tuple[Place, Place], tuple[float, float]] = field(default_factory=dict)

    def matrix(
        self, origins: Sequence[Place], destinations: Sequence[Place]
    ) -> tuple[np.ndarray, np.ndarray]:
        missing = [(o, d) for o in origins for d in destinations if (o, d) not in self.known]
        if missing:
            self._fetch(origins, destinations)
        km = np.array([[self.known[(o, d)][0] for d in destinations] for o in origins])
        minutes = np.array([[self.known[(o, d)][1] for d in destinations] for o in origins])
        return km.reshape(len(origins), len(destinations)), minutes.reshape(
            len(origins), len(destinations)
        )

    def _fetch(self, origins: Sequence[Place], destinations: Sequence[Place]) -> None:
        places = list(dict.fromkeys([*origins, *destinations]))
        index = {place: k for k, place in enumerate(places)}
        coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in places)
        params = {
            "annotations": "duration,distance",
            "sources": ";".join(str(index[p]) for p in dict.fromkeys(origins)),
            "destinations": ";".join(str(index[p]) for p in dict.fromkeys(destinations)),
        }
        url = f"{self.base_url.rstrip('/')}/table/v1/driving/{coordinates}"
        try:
            response = httpx.get(url, params=params, timeout=ROUTING_TIMEOUT_S)
            response.raise_for_status()
            body = response.json()
            durations, distances = body["durations"], body["distances"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            raise RoutingError(type(error).__name__) from error
        sources, targets = list(dict.fromkeys(origins)), list(dict.fromkeys(destinations))
        for i, origin in enumerate(sources):
            for j, destination in enumerate(targets):
                seconds, metres = durations[i][j], distances[i][j]
                if seconds is None or metres is None:  # OSRM: no route between the two
                    raise RoutingError("no route between two places")
                self.known[(origin, destination)] = (metres / 1000.0, seconds / 60.0)


@dataclass
class TravelModel:
    """How travel is reckoned: a routing engine's table, else the default model with its rush
    hours (minutes from midnight) and their slowdown."""

    table: OsrmTable | None = None
    rush_hours: tuple[tuple[float, float], ...] = ()
    rush_factor: float = 1.0
    day_start: float = 9 * 60.0  # the clock time of the planner's minute 0 (opening)

    def slowdown(self, minute: float) -> float:
        """The default model's factor for a drive setting off at `minute` of the day's plan."""
        clock = self.day_start + minute
        inside = any(start <= clock < end for start, end in self.rush_hours)
        return self.rush_factor if inside and self.table is None else 1.0


_model = TravelModel()  # until configured: the default model without rush hours


def _minutes(moment: time) -> float:
    return moment.hour * 60.0 + moment.minute


def use_travel_model(settings: Settings) -> TravelModel:
    """Travel as the settings say (the app and the worker call this at start)."""
    global _model
    table = OsrmTable(settings.routing_table_url) if settings.routing_table_url else None
    _model = TravelModel(
        table,
        tuple((_minutes(a), _minutes(b)) for a, b in settings.rush_hours),
        settings.rush_factor,
        _minutes(settings.work_hours[0]),
    )
    return _model


def travel_model() -> TravelModel:
    return _model


def straight_matrix(
    origins: Sequence[Place], destinations: Sequence[Place]
) -> tuple[np.ndarray, np.ndarray]:
    """The default model: road kilometres and driving minutes, the destination's zone setting
    the road factor and speed (a trip into the core is slow)."""
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


def travel_matrix(
    origins: Sequence[Place],
    destinations: Sequence[Place],
) -> tuple[np.ndarray, np.ndarray]:
    """Road kilometres and driving minutes from every origin to every destination: the routing
    engine's when configured (the default model if it fails), else the default model."""
    table = _model.table
    if table is not None:
        try:
            return table.matrix(origins, destinations)
        except RoutingError as error:
            logger.warning("routing table unavailable (%s): straight-line model instead", error)
    return straight_matrix(origins, destinations)


def travel(origin: Place, destination: Place) -> tuple[float, float]:
    """(km, minutes) of one trip."""
    km, minutes = travel_matrix([origin], [destination])
    return float(km[0, 0]), float(minutes[0, 0])
