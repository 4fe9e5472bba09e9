"""visible_case: the one answer to "may this actor see this case" (R6.5), for API and dashboard."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.cases.access import CaseNotVisible, visible_case
from backend.errors import NotFound
from backend.people.models import Role
from tests.factories import Personas, complaint_body, create_case, repair_body


def _technician(technician_id: int | None) -> Actor:
    return Actor("user", id=7, role=Role.TECHNICIAN, channel="web", technician_id=technician_id)


def test_a_technician_sees_their_own_job_and_not_a_colleagues(
    client: FlaskClient, people: Personas, session: Session
) -> None:
    people.product()
    mine = people.technician("김민수", phone="010-2000-0001")
    number = create_case(client, people.headers(), repair_body())["number"]
    assert visible_case(session, _technician(mine), number).number == number
    with pytest.raises(CaseNotVisible):
        visible_case(session, _technician(mine + 1), number)


def test_staff_see_every_case_and_an_unknown_number_is_not_found(
    client: FlaskClient, people: Personas, session: Session
) -> None:
    people.product()
    number = create_case(client, people.headers(), repair_body())["number"]
    receptionist = Actor("user", id=1, role=Role.RECEPTIONIST, channel="web")
    assert visible_case(session, receptionist, number).number == number
    with pytest.raises(NotFound) as unknown:
        visible_case(session, receptionist, "AS-2026-999999")
    assert not isinstance(unknown.value, CaseNotVisible)


def test_finding_1_an_unlinked_technician_login_sees_no_case_at_all(
    client: FlaskClient, people: Personas, session: Session
) -> None:
    """Finding 1: `None != None` let a technician login linked to no technician record read
    every unassigned case (complaints included) through the API. It now sees nothing."""
    people.product()  # no technician at all: the case stays unassigned
    number = create_case(client, people.headers(), repair_body())["number"]
    complaint = create_case(client, people.headers(), complaint_body())["number"]
    headers = people.headers("technician")  # a login linked to no technician record
    for case_number in (number, complaint):
        response = client.get(f"/api/v1/cases/{case_number}", headers=headers)
        assert response.status_code == 404
        assert "홍길동" not in response.get_data(as_text=True)
        action = client.post(f"/api/v1/cases/{case_number}/actions/accept", headers=headers)
        assert action.status_code == 404
    assert client.get("/api/v1/cases", headers=headers).get_json()["total"] == 0
    for case_number in (number, complaint):
        with pytest.raises(CaseNotVisible):
            visible_case(session, _technician(None), case_number)
