"""Issue 17: the dashboard's district table — one table proposes zones and places addresses."""

from __future__ import annotations

from flask.testing import FlaskClient

from backend.db import Database
from backend.places.service import propose_zone
from tests.dashboard.conftest import Browser, text_of
from tests.factories import Personas


def test_a_manager_sets_a_districts_zone_and_new_cases_there_get_it(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    browser = Browser(client, people, database)
    browser.login("repair_manager")
    page = text_of(browser.get("/districts?province=경기도").text)
    assert "경기도 고양시 일산동구" in page and "서울특별시 강남구" not in page
    saved = browser.post("/districts/41285", {"zone": "city"})
    assert saved.status_code == 302
    with database.session() as session:
        assert propose_zone(session, "경기 고양시 일산동구 중앙로 1275") == "city"
        assert propose_zone(session, "경기 고양시 일산서구 주엽로 1") == "suburb"
    refused = browser.post("/districts/41285", {"zone": "moon"})
    assert refused.status_code == 302
    with database.session() as session:
        assert propose_zone(session, "경기 고양시 일산동구 중앙로 1275") == "city"


def test_a_technician_may_not_edit_districts(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    browser = Browser(client, people, database)
    browser.login("technician")
    assert browser.get("/districts").status_code == 403
    assert browser.post("/districts/41285", {"zone": "city"}).status_code == 403
