"""Issue 17: travel follows roads when a routing engine's table is configured (OSRM, faked on
loopback); the default model slows down in rush hours when told to."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from backend.dispatch.day import Crew, Job, build_route
from backend.dispatch.travel import Place, straight_matrix, travel_matrix, use_travel_model
from backend.settings import Settings
from tests.places.fake_services import FakeGeoServices

HALL = Place(37.5665, 126.9780, "city")
GANGNAM = Place(37.5000, 127.0366, "city")
SUWON = Place(37.2636, 127.0286, "suburb")


@pytest.fixture
def default_model(settings: Settings) -> Iterator[Settings]:
    yield settings
    use_travel_model(settings)


def test_the_routing_engines_matrix_is_used_when_configured(
    default_model: Settings, geo: FakeGeoServices
) -> None:
    use_travel_model(default_model.with_overrides(routing_table_url=geo.url))
    km, minutes = travel_matrix([HALL, GANGNAM], [GANGNAM, SUWON])
    # The fake's roads: 1 km per 0.01° of latitude plus longitude, 2 minutes a kilometre.
    expected_km = np.array([[12.51, 35.35], [0.0, 24.44]])
    assert np.allclose(km, expected_km, atol=0.01)
    assert np.allclose(minutes, expected_km * 2, atol=0.02)
    assert not np.allclose(km, straight_matrix([HALL, GANGNAM], [GANGNAM, SUWON])[0], atol=1)
    calls = geo.paths("/table/v1/driving/")
    assert len(calls) == 1 and calls[0]["annotations"] == "duration,distance"
    travel_matrix([HALL], [SUWON])  # already known: not asked again
    assert len(geo.paths("/table/v1/driving/")) == 1


def test_a_plans_drives_are_the_routing_engines(
    default_model: Settings, geo: FakeGeoServices
) -> None:
    use_travel_model(default_model.with_overrides(routing_table_url=geo.url))
    crew = Crew(1, "김민수", HALL, HALL, frozenset({"air_conditioner"}), 0.0, 540.0, 480)
    job = Job(7, GANGNAM, "air_conditioner", 60, 0.0, 360.0)
    route = build_route(crew, [job])
    assert route.stops[0].travel_km == pytest.approx(12.51, abs=0.01)
    assert route.stops[0].travel_minutes == pytest.approx(25.02, abs=0.05)


def test_a_routing_engine_that_fails_falls_back_to_the_default_model(
    default_model: Settings, geo: FakeGeoServices
) -> None:
    use_travel_model(default_model.with_overrides(routing_table_url=geo.url))
    geo.fail_status = 500
    km, _ = travel_matrix([HALL], [GANGNAM])
    assert km[0, 0] == pytest.approx(straight_matrix([HALL], [GANGNAM])[0][0, 0])


@pytest.mark.parametrize(("setting_off", "factor"), [(0, 1.3), (300, 1.0), (510, 1.3)])
def test_rush_hours_slow_the_default_model(
    default_model: Settings, setting_off: float, factor: float
) -> None:
    """Opening at 09:00, rush hours 07:00–09:30 and 17:00–19:30 (the default windows), 1.3 ×
    as long: a drive at 09:00 or 17:30 is slower than one at 14:00."""
    plain = _drive(setting_off)
    use_travel_model(default_model.with_overrides(rush_factor=1.3))
    assert _drive(setting_off) == pytest.approx(plain * factor)


def _drive(setting_off: float) -> float:
    crew = Crew(1, "김민수", HALL, HALL, frozenset({"air_conditioner"}), setting_off, 600.0, 600)
    route = build_route(crew, [Job(7, GANGNAM, "air_conditioner", 60, 0.0, 900.0)])
    return route.stops[0].travel_minutes
