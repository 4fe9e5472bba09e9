"""A unit's history by serial number (R6.1): every case, parts, charges, technicians; in the
API (by role, R6.5), the dashboard and the technician's job push."""

from __future__ import annotations

from flask.testing import FlaskClient

from backend.db import Database
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body
from tests.workshop.helpers import texts


def test_r6_1_the_unit_history_lists_every_case_of_a_serial(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    technician = people.technician(telegram_chat_id=5001)  # job pushes go to their chat
    manager = people.headers("repair_manager")
    numbers = []
    for index in range(3):
        body = repair_body(serial="SN-H", description=f"고장 {index}")
        number = create_case(client, people.headers(), body)["number"]
        numbers.append(number)
        if index < 2:
            for action in ("accept", "arrive"):
                act(client, manager, number, action, FOR_THE_TECHNICIAN)
            work = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1, **FOR_THE_TECHNICIAN}
            act(client, manager, number, "resolve", work)
    other = create_case(client, people.headers(), repair_body(serial="SN-OTHER"))["number"]

    answer = client.get("/api/v1/units/SN-H/history", headers=people.headers("receptionist"))
    assert answer.status_code == 200
    history = answer.get_json()["cases"]
    assert [entry["number"] for entry in history] == numbers and other not in str(history)
    assert history[0]["parts"] == [{"code": "FAN", "quantity": 1}]
    assert history[0]["charges_total"] == 0 and history[0]["technicians"][0]["id"] == technician
    assert history[2]["parts"] == []

    # R6.5: a technician reads the history of their own job's unit only
    own = client.get("/api/v1/units/SN-H/history", headers=people.technician_headers(technician))
    assert own.status_code == 200
    stranger = people.technician(name="이영호", phone="010-2000-0002")
    hidden = client.get("/api/v1/units/SN-H/history", headers=people.technician_headers(stranger))
    assert hidden.status_code == 404
    department = client.get(
        "/api/v1/units/SN-H/history", headers=people.headers("department_staff")
    )
    assert department.status_code == 403

    # the job push of the third case names the unit's earlier repairs
    pushes = [text for text in texts(database, "job_push") if numbers[2] in text]
    assert pushes and numbers[0] in pushes[-1] and numbers[1] in pushes[-1]
