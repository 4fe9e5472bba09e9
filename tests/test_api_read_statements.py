"""Issue 14: the most-read API routes cost a fixed, small number of statements — a case by
number, a board page whatever its rows hold, a customer by phone — and a page's cases read the
same as each case alone."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.pool import QueuePool

from backend.cases.models import Case
from backend.db import Database
from backend.inbox.models import MediaFile, MediaStatus
from backend.suggestions.models import Suggestion
from backend.surveys.models import Survey
from backend.workshop.models import GoodsReceipt, Loaner, LoanerLoan
from tests.conftest import Clock
from tests.factories import Personas, case_in_status
from tests.statements import statements

DIRECTOR = "service_director"


def get(client: FlaskClient, people: Personas, path: str) -> Any:
    response = client.get(path, headers=people.headers(DIRECTOR))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def with_everything(database: Database, number: str, formal: str, technician_id: int) -> None:
    """Give the case `number` a survey, a goods receipt with a loaner out, two files (one
    stored) and a link to the formal case `formal`: every table its JSON reads besides its own."""
    with database.session() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        formal_id = session.scalars(select(Case.id).where(Case.number == formal)).one()
        moment = case.reported_at
        case.formal_case_id = formal_id
        case.media = [{"kind": "photo", "file_id": "f1"}, {"kind": "voice", "file_id": "f2"}]
        session.add(Survey(case_id=case.id, technician_id=technician_id, due_at=moment, skill=4))
        session.add(
            GoodsReceipt(
                number=f"WR-{case.id:06d}",
                case_id=case.id,
                issued_at=moment,
                issued_by="user:1",
                promised_return_on=date(2026, 12, 1),
            )
        )
        loaner = Loaner(serial_number=f"LN-{case.id}", model="AC-1")
        session.add(loaner)
        session.flush()
        session.add(
            LoanerLoan(
                loaner_id=loaner.id, case_id=case.id, lent_at=moment, due_on=date(2026, 12, 1)
            )
        )
        session.add(
            MediaFile(
                case_id=case.id,
                position=1,
                channel="telegram",
                kind="photo",
                file_id="f1",
                status=MediaStatus.STORED,
                content_type="image/jpeg",
                size=1234,
            )
        )


def suggestion_case(database: Database) -> str:
    number = case_in_status(database, kind="suggestion", status="received")
    with database.session() as session:
        case_id = session.scalars(select(Case.id).where(Case.number == number)).one()
        session.add(Suggestion(case_id=case_id, place="store 7", decision="accepted"))
    return number


def test_a_case_by_number_costs_three_statements_token_case_and_its_related_rows(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    technician = people.technician()
    number = case_in_status(database, kind="repair", status="assigned", technician_id=technician)
    get(client, people, f"/api/v1/cases/{number}")  # the token's first use stamps it

    with statements(database) as sent:
        case = get(client, people, f"/api/v1/cases/{number}")

    assert case["assigned_technician"]["id"] == technician
    assert len(case["events"]) == 1
    assert len(sent) == 3, sent  # the token with its user; the case, people and history; relations


def test_a_case_with_survey_receipt_loaner_files_and_formal_case_costs_five_at_most(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    technician = people.technician()
    formal = case_in_status(database, kind="repair", status="new")
    number = case_in_status(database, kind="repair", status="in_workshop", technician_id=technician)
    with_everything(database, number, formal, technician)
    get(client, people, f"/api/v1/cases/{number}")

    with statements(database) as sent:
        case = get(client, people, f"/api/v1/cases/{number}")

    assert case["survey"]["ratings"]["skill"] == 4
    assert case["workshop"]["receipt_number"].startswith("WR-")
    assert case["workshop"]["loaner_serial"].startswith("LN-")
    assert case["formal_case"] == formal
    assert [m["status"] for m in case["media"]] == ["stored", None]
    assert len(sent) <= 5, sent  # … plus the files and the open loan, each in one


def test_a_board_page_costs_the_same_statements_with_2_or_12_cases_on_it(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    technician = people.technician()
    board = "/api/v1/cases?status=in_workshop&kind=repair"
    formal = case_in_status(database, kind="repair", status="new")
    for _ in range(2):
        number = case_in_status(
            database, kind="repair", status="in_workshop", technician_id=technician
        )
        with_everything(database, number, formal, technician)
    get(client, people, board)
    with statements(database) as few:
        assert get(client, people, board)["total"] == 2

    for _ in range(10):
        number = case_in_status(
            database, kind="repair", status="in_workshop", technician_id=technician
        )
        with_everything(database, number, formal, technician)
    with statements(database) as many:
        page = get(client, people, board)

    assert page["total"] == 12 and len(page["items"]) == 12
    assert len(many) == len(few), many  # no statement per row
    assert len(many) <= 8, many


def test_a_page_shows_each_case_as_the_case_alone_does(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    technician = people.technician()
    formal = case_in_status(database, kind="repair", status="new")
    full = case_in_status(database, kind="repair", status="in_workshop", technician_id=technician)
    with_everything(database, full, formal, technician)
    numbers = [formal, full, suggestion_case(database)]
    numbers.append(case_in_status(database, kind="complaint", status="received"))

    page = get(client, people, "/api/v1/cases")
    listed = {item["number"]: item for item in page["items"]}

    assert sorted(listed) == sorted(numbers)
    for number in numbers:
        assert listed[number] == get(client, people, f"/api/v1/cases/{number}"), number
    assert listed[numbers[2]]["suggestion"]["place"] == "store 7"


def test_a_technician_sees_the_same_board_costs_with_one_lookup_of_their_record(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    """The actor (a technician login's record) is read once a request, not once a row."""
    technician = people.technician()
    headers = people.technician_headers(technician)
    for _ in range(4):
        case_in_status(database, kind="repair", status="assigned", technician_id=technician)
    client.get("/api/v1/cases", headers=headers)

    with statements(database) as sent:
        response = client.get("/api/v1/cases", headers=headers)

    assert response.status_code == 200 and response.get_json()["total"] == 4
    assert sum("FROM technicians" in s and "user_id" in s for s in sent) == 1, sent


def test_a_customer_by_phone_costs_two_statements(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    case_in_status(database, kind="repair", status="new")
    get(client, people, "/api/v1/customers?q=010-3000-9999")

    with statements(database) as sent:
        found = get(client, people, "/api/v1/customers?q=010-3000-9999")

    assert [c["phone"] for c in found["items"]] == ["+821030009999"]
    assert len(sent) == 2, sent


def test_reads_stamp_a_token_as_used_at_most_once_a_minute(
    client: FlaskClient, people: Personas, database: Database, clock: Clock
) -> None:
    number = case_in_status(database, kind="repair", status="new")
    get(client, people, f"/api/v1/cases/{number}")

    with statements(database) as within_the_minute:
        clock.advance(seconds=50)
        get(client, people, f"/api/v1/cases/{number}")
    with statements(database) as after_it:
        clock.advance(minutes=1)
        get(client, people, f"/api/v1/cases/{number}")

    assert not [s for s in within_the_minute if s.startswith("UPDATE")]
    assert [s for s in after_it if s.startswith("UPDATE api_tokens")], after_it


def test_a_read_leaves_no_transaction_open_on_its_connection(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    """The reader's connections go back to the pool clean, whatever the engine."""
    number = case_in_status(database, kind="repair", status="new")
    get(client, people, f"/api/v1/cases/{number}")
    pool = database.engine.pool
    assert isinstance(pool, QueuePool) and pool.checkedout() == 0
    with database.session() as session:  # the next writer on the same pool is not disturbed
        case = session.scalars(select(Case).where(Case.number == number)).one()
        case.description = "고쳐 주세요"
    assert get(client, people, f"/api/v1/cases/{number}")["description"] == "고쳐 주세요"
