"""R1.4: partner jobs and the amounts owed are listed monthly (API JSON and CSV): each job at the
rates of the partner's contract, summed per partner and in all; our own jobs are not listed."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body
from tests.partners.conftest import add_partner

CITY_HALL = {"lat": 37.5665, "lon": 126.9780}


def _job_resolved(
    client: FlaskClient, people: Personas, hours: float, phone: str
) -> dict[str, Any]:
    """A free repair (in warranty) worked to `resolved`, its steps phoned in by the manager."""
    case = create_case(client, people.headers(), repair_body(location=CITY_HALL, phone=phone))
    manager = people.headers("repair_manager")
    for action in ("accept", "arrive"):
        act(client, manager, case["number"], action, FOR_THE_TECHNICIAN)
    return act(
        client,
        manager,
        case["number"],
        "resolve",
        {"parts": [], "hours": hours, **FOR_THE_TECHNICIAN},
    )


def test_r1_4_the_monthly_statement_sums_what_each_partner_is_owed(
    client: FlaskClient, people: Personas, clock: Clock
) -> None:
    people.product()
    manager = people.headers("repair_manager")
    first, first_staff = add_partner(
        client, people, "가나서비스", call_out_rate=25_000, hourly_rate=18_000
    )
    second, second_staff = add_partner(
        client,
        people,
        "다라서비스",
        call_out_rate=30_000,
        hourly_rate=20_000,
        staff_phone="010-4000-0002",
    )
    # The first partner is in dispute for a while: the second gets the next job (R1.4).
    a = _job_resolved(client, people, 1.5, "010-3000-0001")
    client.put(f"/api/v1/partners/{first}/dispute", headers=manager, json={"disputed": True})
    b = _job_resolved(client, people, 2, "010-3000-0002")
    client.put(f"/api/v1/partners/{first}/dispute", headers=manager, json={"disputed": False})
    c = _job_resolved(client, people, 0.5, "010-3000-0003")
    assert {a["assigned_technician"]["id"], c["assigned_technician"]["id"]} <= {
        first_staff,
        second_staff,
    }
    assert b["assigned_technician"]["id"] == second_staff
    owed = {
        first_staff: lambda hours: 25_000 + round(18_000 * hours),
        second_staff: lambda hours: 30_000 + round(20_000 * hours),
    }
    expected = {
        case["number"]: owed[case["assigned_technician"]["id"]](hours)
        for case, hours in ((a, 1.5), (b, 2), (c, 0.5))
    }

    statement = client.get("/api/v1/partners/statement?month=2026-11", headers=manager).get_json()
    assert {i["case_number"]: i["owed"] for i in statement["items"]} == expected
    assert statement["total"] == sum(expected.values())
    per_partner = {p["partner_id"]: (p["jobs"], p["owed"]) for p in statement["partners"]}
    for partner_id, staff in ((first, first_staff), (second, second_staff)):
        mine = [
            n
            for n, case in ((a["number"], a), (b["number"], b), (c["number"], c))
            if case["assigned_technician"]["id"] == staff
        ]
        if mine:
            assert per_partner[partner_id] == (len(mine), sum(expected[n] for n in mine))

    export = client.get("/api/v1/partners/statement.csv?month=2026-11", headers=manager)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert sum(int(r["owed"]) for r in rows if r["case_number"]) == sum(expected.values())

    december = client.get("/api/v1/partners/statement?month=2026-12", headers=manager)
    assert december.get_json()["items"] == [] and december.get_json()["total"] == 0


def test_r1_4_our_own_technicians_jobs_are_not_in_the_partner_statement(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician("김서울", phone="010-2000-0001", home=(37.5600, 126.9700))
    add_partner(client, people)
    case = _job_resolved(client, people, 1, "010-3000-0001")
    assert case["assigned_technician"]["name"] == "김서울"
    statement = client.get(
        "/api/v1/partners/statement?month=2026-11", headers=people.headers("service_director")
    ).get_json()
    assert statement["items"] == [] and statement["total"] == 0


def test_r1_4_the_statement_refuses_a_bad_month_and_other_roles(
    client: FlaskClient, people: Personas
) -> None:
    manager = people.headers("repair_manager")
    bad = client.get("/api/v1/partners/statement?month=2026-13", headers=manager)
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "month"
    refused = client.get("/api/v1/partners/statement", headers=people.headers("receptionist"))
    assert refused.status_code == 403
    refused = client.post("/api/v1/partners", headers=people.headers("receptionist"), json={})
    assert refused.status_code == 403
