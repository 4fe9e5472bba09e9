"""Places fixtures: the fake geocoding and routing services, and the app configured to use them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.app import create_app
from backend.db import Database
from backend.dispatch.travel import use_travel_model
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas
from tests.places.fake_services import FakeGeoServices


@pytest.fixture
def geo() -> Iterator[FakeGeoServices]:
    server = FakeGeoServices().start()
    yield server
    server.stop()


@pytest.fixture
def geo_settings(settings: Settings, geo: FakeGeoServices) -> Iterator[Settings]:
    yield settings.with_overrides(
        geocoder="kakao",
        geocoder_key="test-kakao-key",
        geocoder_base_url=geo.url,
        geocoder_timeout_ms=300,
    )
    use_travel_model(settings)  # the process's travel model back to the default


@pytest.fixture
def geo_app(database: Database, geo_settings: Settings, clock: Clock) -> Flask:
    app = create_app({"settings": geo_settings, "database": database, "clock": clock})
    app.config["TESTING"] = True
    return app


@pytest.fixture
def geo_client(geo_app: Flask) -> FlaskClient:
    return geo_app.test_client()


@pytest.fixture
def geo_people(database: Database, geo_settings: Settings) -> Personas:
    return Personas(database, geo_settings)
