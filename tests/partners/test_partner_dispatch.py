"""R1.4 service partners in dispatch: a job none of our technicians can reach by its deadline is
offered to an eligible partner (contract zones, product lines, validity; no dispute), and a
dispute never blocks the customer's job."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.calendar import calendar_for
from backend.db import Database
from backend.dispatch.duties import partner_disputes
from backend.dispatch.flows import replan_day
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas, act, create_case, repair_body
from tests.partners.conftest import CHEONAN, NEAR, add_partner

CITY_HALL = {"lat": 37.5665, "lon": 126.9780}
# The clock is Wednesday 25 November 2026, 10:00 in Seoul. Reported on Tuesday at 14:00 in the
# city, the job is due on Wednesday at 11:00 (R7.14): an hour from now.
REPORTED_YESTERDAY = "2026-11-24T14:00:00+09:00"


def _urgent_job(client: FlaskClient, people: Personas, **extra: Any) -> dict[str, Any]:
    body = repair_body(location=CITY_HALL, reported_at=REPORTED_YESTERDAY, **extra)
    return create_case(client, people.headers(), body)


def _assign_note(case: dict[str, Any]) -> str:
    return [e["note"] for e in case["events"] if e["action"] == "assign"][-1]


def test_r1_4_a_job_no_own_technician_can_reach_in_time_goes_to_an_eligible_partner(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician("김천안", phone="010-2000-0001", home=CHEONAN)
    _partner, staff = add_partner(client, people, "한빛서비스")
    case = _urgent_job(client, people)
    assert case["sla_due_at"].startswith("2026-11-25T11:00")
    assert case["assigned_technician"]["id"] == staff
    note = _assign_note(case)
    assert "한빛서비스" in note and "협력업체 직원: 계약에 air_conditioner 포함" in note
    assign = [e for e in case["events"] if e["action"] == "assign"][-1]
    assert assign["to_status"] == "assigned"


def test_r1_4_our_own_technician_who_makes_the_deadline_comes_before_a_partner(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    own = people.technician("김서울", phone="010-2000-0001", home=(37.5600, 126.9700))
    add_partner(client, people, "한빛서비스", home=NEAR)
    case = _urgent_job(client, people)
    assert case["assigned_technician"]["id"] == own


def test_r1_4_a_job_no_own_technician_can_take_at_all_goes_to_a_partner(
    client: FlaskClient, people: Personas
) -> None:
    people.product(model="TV-1", line="television")
    people.technician("김에어컨", phone="010-2000-0001", home=NEAR)  # air conditioners only
    _partner, staff = add_partner(client, people, "티비나라", lines=("television",))
    case = create_case(client, people.headers(), repair_body(model="TV-1", location=CITY_HALL))
    assert case["assigned_technician"]["id"] == staff


@pytest.mark.parametrize(
    ("why", "contract"),
    [
        ("zone", {"zones": ("suburb",)}),
        ("product line", {"lines": ("television",)}),
        ("ended", {"ends_on": date(2026, 11, 24)}),
        ("not yet begun", {"starts_on": date(2026, 11, 26)}),
    ],
)
def test_r1_4_a_partner_outside_its_contract_is_not_offered_the_job(
    client: FlaskClient, people: Personas, why: str, contract: dict[str, Any]
) -> None:
    people.product(model="TV-1", line="television")
    people.product()
    own = people.technician("김천안", phone="010-2000-0001", home=CHEONAN)
    add_partner(client, people, "한빛서비스", **contract)
    case = _urgent_job(client, people)
    assert case["assigned_technician"]["id"] == own, why  # late, but the only one allowed


def test_r1_4_a_disputed_partner_is_skipped_for_the_next_eligible_one(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician("김천안", phone="010-2000-0001", home=CHEONAN)
    disputed, _ = add_partner(client, people, "분쟁서비스", staff_phone="010-4000-0001")
    _other, other_staff = add_partner(
        client, people, "믿음서비스", staff_phone="010-4000-0002", home=(37.5750, 126.9850)
    )
    answer = client.put(
        f"/api/v1/partners/{disputed}/dispute",
        headers=people.headers("repair_manager"),
        json={"disputed": True, "note": "billing"},
    )
    assert answer.status_code == 200 and answer.get_json()["disputed"] is True
    case = _urgent_job(client, people)
    assert case["assigned_technician"]["id"] == other_staff


def test_r1_4_a_dispute_moves_the_partners_open_job_to_the_next_eligible_partner(
    client: FlaskClient, people: Personas, database: Database, settings: Settings, clock: Clock
) -> None:
    people.product()
    people.technician("김천안", phone="010-2000-0001", home=CHEONAN)
    first, first_staff = add_partner(client, people, "분쟁서비스", staff_phone="010-4000-0001")
    case = _urgent_job(client, people)
    assert case["assigned_technician"]["id"] == first_staff
    _other, other_staff = add_partner(
        client, people, "믿음서비스", staff_phone="010-4000-0002", home=(37.5750, 126.9850)
    )
    client.put(
        f"/api/v1/partners/{first}/dispute",
        headers=people.headers("repair_manager"),
        json={"disputed": True},
    )
    with database.session() as session:
        assert partner_disputes(session, settings, clock()) == 1
    with database.session() as session:
        assert partner_disputes(session, settings, clock()) == 0  # the same moment again
    after = client.get(f"/api/v1/cases/{case['number']}", headers=people.headers()).get_json()
    assert after["assigned_technician"]["id"] == other_staff
    assert [e["action"] for e in after["events"]][-2:] == ["partner_dispute", "assign"]


def test_r1_4_a_manager_may_give_a_job_to_a_partners_staff_within_the_contract(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    own = people.technician("김서울", phone="010-2000-0001", home=(37.5600, 126.9700))
    partner, staff = add_partner(client, people, "한빛서비스")
    case = create_case(client, people.headers(), repair_body(location=CITY_HALL))
    assert case["assigned_technician"]["id"] == own
    manager = people.headers("repair_manager")
    body = {"technician_id": staff, "note": "the customer asked for this shop"}
    after = act(client, manager, case["number"], "assign", body)
    assert after["assigned_technician"]["id"] == staff
    client.put(f"/api/v1/partners/{partner}/dispute", headers=manager, json={"disputed": True})
    refused = act(client, manager, case["number"], "assign", body, status=422)
    assert refused["error"]["field"] == "technician_id" and "dispute" in refused["error"]["message"]


def test_r1_4_a_replanned_day_offers_the_jobs_no_own_technician_can_take_to_a_partner(
    client: FlaskClient, people: Personas, database: Database, settings: Settings, clock: Clock
) -> None:
    people.product()
    people.technician("김티비", phone="010-2000-0001", lines={"television": date(2030, 1, 1)})
    case = create_case(client, people.headers(), repair_body(location=CITY_HALL))
    assert case["assigned_technician"] is None  # nobody yet: the repair manager is alerted
    _partner, staff = add_partner(client, people, "한빛서비스")
    with database.session() as session:
        calendar = calendar_for(settings)
        day = calendar.local_date(clock())
        replan_day(
            session, calendar=calendar, settings=settings, day=day, now=clock(), kind="manual"
        )
    after = client.get(f"/api/v1/cases/{case['number']}", headers=people.headers()).get_json()
    assert after["assigned_technician"]["id"] == staff
    assert "한빛서비스" in _assign_note(after)
