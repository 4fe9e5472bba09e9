"""Issue 17: every address gets a place — a geocoding service's answer (cached), else its
district's centre, else its zone's, and a re-plan when the precise place arrives later."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import Database
from backend.dispatch.duties import precise_places
from backend.dispatch.models import PlanRun
from backend.places.geocoders import KakaoGeocoder, NominatimGeocoder
from backend.places.models import PlaceLookup
from backend.places.service import geocode
from backend.settings import Settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, text_of
from tests.factories import Personas, create_case, repair_body
from tests.places.fake_services import FakeGeoServices

GANGNAM = "서울 강남구 테헤란로 152"
GANGNAM_EXACT = (37.5000, 127.0366)


def _repair(client: FlaskClient, people: Personas, address: str, **customer: str) -> dict:
    body = repair_body()
    body["customer"] |= {"address": address, **customer}
    return create_case(client, people.headers(), body)


def test_a_kakao_answer_is_used_and_cached(
    database: Database, geo: FakeGeoServices, clock: Clock
) -> None:
    geo.places[GANGNAM] = GANGNAM_EXACT
    geocoder = KakaoGeocoder(geo.url, "test-kakao-key")
    with database.session() as session:
        first = geocode(session, GANGNAM, "city", geocoder=geocoder, timeout=2, now=clock.moment)
        again = geocode(session, GANGNAM, "city", geocoder=geocoder, timeout=2, now=clock.moment)
        session.commit()
    assert (first.lat, first.lon, first.precision) == (*GANGNAM_EXACT, "exact")
    assert again == first
    assert len(geo.paths("/v2/local")) == 1  # the second answer came from the cache
    assert geo.paths("/v2/local")[0]["query"] == GANGNAM


def test_a_nominatim_answer_is_used_and_no_such_place_is_cached_too(
    database: Database, geo: FakeGeoServices, clock: Clock
) -> None:
    geo.places[GANGNAM] = GANGNAM_EXACT
    geocoder = NominatimGeocoder(geo.url, "aftersales-tests")
    with database.session() as session:
        found = geocode(session, GANGNAM, "city", geocoder=geocoder, timeout=2, now=clock.moment)
        nowhere = "서울 강남구 없는로 999"
        for _ in range(2):
            missing = geocode(
                session, nowhere, "city", geocoder=geocoder, timeout=2, now=clock.moment
            )
        session.commit()
    assert found.precision == "exact" and (found.lat, found.lon) == GANGNAM_EXACT
    assert missing.precision == "district" and not missing.pending  # no such road: its district
    assert len(geo.paths("/search")) == 2  # one call per address, the "none" answer cached


def test_intake_uses_the_geocoders_place(
    geo_client: FlaskClient, geo_people: Personas, geo: FakeGeoServices
) -> None:
    geo.places[GANGNAM] = GANGNAM_EXACT
    geo_people.product()
    geo_people.technician(home=(37.51, 127.04))
    case = _repair(geo_client, geo_people, GANGNAM)
    assert case["location"] == {"lat": 37.5, "lon": 127.0366, "precision": "exact"}


def test_a_geocoder_that_fails_leaves_the_case_at_its_district_then_replans_when_it_answers(
    geo_client: FlaskClient,
    geo_people: Personas,
    geo: FakeGeoServices,
    geo_settings: Settings,
    database: Database,
    clock: Clock,
) -> None:
    geo_people.product()
    geo_people.technician(home=(37.51, 127.04))
    geo.fail_status = 503
    case = _repair(geo_client, geo_people, GANGNAM)
    assert case["location"]["precision"] == "district"
    assert 37.45 < case["location"]["lat"] < 37.54  # 강남구's centre, not City Hall
    assert case["assigned_technician"] is not None  # planned at once all the same
    geo.fail_status = None
    geo.places[GANGNAM] = GANGNAM_EXACT
    with database.session() as session:
        assert precise_places(session, geo_settings, clock.moment) == 0  # not before its retry
        placed = precise_places(session, geo_settings, clock.moment + timedelta(minutes=3))
        session.commit()
    assert placed == 1
    answer = geo_client.get(f"/api/v1/cases/{case['number']}", headers=geo_people.headers())
    assert answer.get_json()["location"]["precision"] == "exact"
    with database.session() as session:
        runs = session.scalars(select(PlanRun).where(PlanRun.kind == "place")).all()
        assert len(runs) == 1 and runs[0].jobs == 1


def test_a_geocoder_that_times_out_leaves_intake_fast_at_district_precision(
    geo_client: FlaskClient,
    geo_people: Personas,
    geo: FakeGeoServices,
    geo_settings: Settings,
    database: Database,
    clock: Clock,
) -> None:
    """The service holds the request; intake gives up after GEOCODER_TIMEOUT_MS (300 ms here)
    and registers the case at its district's centre, to be asked again by the worker."""
    geo_people.product()
    geo_people.technician(home=(37.51, 127.04))
    geo.hold()
    case = _repair(geo_client, geo_people, "부산 해운대구 중동2로 11", zone="suburb")
    geo.release()
    assert case["location"]["precision"] == "district"
    assert 35.15 < case["location"]["lat"] < 35.26  # 해운대구
    with database.session() as session:
        lookup = session.get(PlaceLookup, "부산 해운대구 중동2로 11")
        assert lookup is not None and lookup.found is None and lookup.attempts == 1
    geo.places["부산 해운대구 중동2로 11"] = (35.1631, 129.1635)
    with database.session() as session:
        assert precise_places(session, geo_settings, clock.moment + timedelta(minutes=3)) == 1
        session.commit()
    answer = geo_client.get(f"/api/v1/cases/{case['number']}", headers=geo_people.headers())
    assert answer.get_json()["location"] == {"lat": 35.1631, "lon": 129.1635, "precision": "exact"}


def test_an_address_nobody_can_place_says_so_to_staff(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    """No geocoder configured, no district in the address: the zone's centre, and a task."""
    people.product()
    people.technician(home=(37.57, 126.98))
    case = _repair(client, people, "큰나무 옆 파란 대문 집")
    assert case["location"] == {"lat": 37.5665, "lon": 126.978, "precision": "zone"}
    with database.session() as session:
        task = session.scalar(select(Task).where(Task.kind == "unplaced_address"))
        assert task is not None and task.role == "receptionist"
        assert case["number"] in task.title
    browser = Browser(client, people, database)
    browser.login("receptionist")
    page = text_of(browser.get(f"/cases/{case['number']}").text)
    # The dashboard speaks Korean by default.
    assert "이 주소의 위치를 찾지 못했습니다" in page and "(권역 중심)" in page
    moved = browser.post(f"/cases/{case['number']}/place", {"lat": "37.5512", "lon": "126.9882"})
    assert moved.status_code == 302
    page = text_of(browser.get(f"/cases/{case['number']}").text)
    assert "위치를 찾지 못했습니다" not in page and "37.55120, 126.98820 (정확한 위치)" in page
    assert "고객의 위치를 고쳤습니다" in page


def test_staff_correct_a_place_through_the_api_and_a_technician_may_not(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    technician = people.technician(home=(37.57, 126.98))
    case = _repair(client, people, "서울 종로구 어딘가 1")
    assert case["location"]["precision"] == "district"
    url = f"/api/v1/cases/{case['number']}/location"
    spot = {"lat": 37.5796, "lon": 126.9770}
    refused = client.put(url, headers=people.technician_headers(technician), json=spot)
    assert refused.status_code in (403, 404)
    bad = client.put(url, headers=people.headers(), json={"lat": 51.5, "lon": 126.9})
    assert bad.status_code == 422 and "lat" in str(bad.get_json())
    answer = client.put(url, headers=people.headers("repair_manager"), json=spot)
    assert answer.status_code == 200
    assert answer.get_json() == {**spot, "precision": "exact"}
    events = client.get(url.removesuffix("/location"), headers=people.headers()).get_json()
    assert events["location"]["precision"] == "exact"
    assert events["events"][-1]["action"] == "relocate"


def test_a_shared_location_is_exact_and_no_service_is_asked(
    geo_client: FlaskClient, geo_people: Personas, geo: FakeGeoServices
) -> None:
    geo_people.product()
    geo_people.technician(home=(37.57, 126.98))
    body = repair_body(location={"lat": 37.57, "lon": 126.99})
    case = create_case(geo_client, geo_people.headers(), body)
    assert case["location"] == {"lat": 37.57, "lon": 126.99, "precision": "exact"}
    assert geo.paths("/v2/local") == []


def test_the_zone_is_proposed_from_the_district_table_and_staff_can_change_it(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician(home=(37.57, 126.98))
    body = repair_body()
    body["customer"] = {k: v for k, v in body["customer"].items() if k != "zone"}
    body["customer"]["address"] = "경기도 고양시 일산동구 중앙로 1275"
    assert create_case(client, people.headers(), body)["customer"]["zone"] == "suburb"
    manager = people.headers("repair_manager")
    changed = client.put("/api/v1/districts/41285", headers=manager, json={"zone": "city"})
    assert changed.status_code == 200 and changed.get_json()["zone"] == "city"
    body["customer"]["phone"] = "010-3000-0002"
    assert create_case(client, people.headers(), body)["customer"]["zone"] == "city"
    listed = client.get("/api/v1/districts", headers=manager).get_json()["items"]
    assert {"code": "41285", "zone": "city"}.items() <= next(
        d for d in listed if d["code"] == "41285"
    ).items()
