"""Issue 10 part A: departments are real (R2.3–R2.8), reply deadlines and their chase (R2.10,
R8.5–R8.7), priority items and formal cases (R2.9, R8.5), complaints about a person (R2.4, R9.4),
and complaints in the evaluations (R2.11, R8.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cases.models import Case
from backend.composition import tick
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.people.models import Department, StaffUser
from backend.people.service import create_user
from backend.settings import Settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas, act, complaint_body, create_case

WEDNESDAY_10 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # the clock fixture's moment


def staff(
    database: Database,
    email: str,
    *,
    role: str = "department_staff",
    department: str | None = None,
    chat: int | None = None,
    head: bool = False,
    login: bool = False,
) -> int:
    """A staff member of a department (its head when `head`); the user id. Only those who sign
    in to the dashboard get a password (hashing one is slow on purpose)."""
    with database.session() as session:
        password = "pw" if login else None
        user = create_user(session, email=email, role=role, password=password, name=email)
        user.department = department
        user.telegram_chat_id = chat
        session.flush()
        if head and department is not None:
            row = session.get(Department, department)
            if row is None:
                row = Department(code=department, name_en=department, name_ko=department)
                session.add(row)
            row.head_user_id = user.id
        return user.id


def messages_to(database: Database, chat: int) -> list[str]:
    with database.session() as session:
        rows = session.scalars(
            select(OutboundMessage).where(OutboundMessage.recipient == str(chat))
        ).all()
        return [str(row.payload.get("text")) for row in rows]


def tasks(database: Database, **where: Any) -> list[Task]:
    with database.session() as session:
        query = select(Task).order_by(Task.id)
        for name, value in where.items():
            query = query.where(getattr(Task, name) == value)
        rows = list(session.scalars(query).all())
        session.expunge_all()
        return rows


# R2.3: departments are real ------------------------------------------------------------------
def test_r2_3_department_members_get_a_task_and_a_message(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    staff(database, "rnd.head@x", department="rnd_production", chat=9101, head=True)
    staff(database, "rnd.eng@x", department="rnd_production", chat=9102)
    staff(database, "marketing@x", department="marketing", chat=9103)
    case = create_case(client, people.headers("hotline_officer"), complaint_body())
    assert case["department"] == "rnd_production"  # R2.5
    [task] = tasks(database, department="rnd_production")
    assert task.kind == "complaint" and task.status == "open"
    for chat in (9101, 9102):
        [text] = messages_to(database, chat)
        assert case["number"] in text
    assert messages_to(database, 9103) == []  # another department hears nothing
    # R8.7: the service director stays accountable.
    assert [t.kind for t in tasks(database, role="service_director")] == ["complaint"]


def test_r2_3_department_task_on_the_members_dashboard_only(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    staff(database, "rnd.eng@x", department="rnd_production", login=True)
    staff(database, "marketing@x", department="marketing", login=True)
    case = create_case(client, people.headers("hotline_officer"), complaint_body())
    seen = {}
    for email in ("rnd.eng@x", "marketing@x"):
        browser = client.application.test_client()
        login = browser.get("/login").text
        token = login.split('name="csrf_token" value="')[1].split('"')[0]
        browser.post("/login", data={"csrf_token": token, "email": email, "password": "pw"})
        seen[email] = case["number"] in browser.get("/tasks").text
    assert seen == {"rnd.eng@x": True, "marketing@x": False}


def test_r2_3_rerouting_gives_the_new_department_its_task(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    staff(database, "marketing@x", department="marketing", chat=9201)
    case = create_case(client, people.headers("hotline_officer"), complaint_body())
    act(
        client,
        people.headers("service_director"),
        case["number"],
        "route",
        {"department": "marketing"},
    )
    assert [t.department for t in tasks(database, kind="complaint", role="department")] == [
        "rnd_production",
        "marketing",
    ]
    assert len(messages_to(database, 9201)) == 1


def test_r2_3_inquiries_and_returns_go_to_after_sales_with_a_task(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product("AC-1")
    staff(database, "service@x", role="receptionist", department="service", chat=9301)
    inquiry = create_case(
        client,
        people.headers(),
        {
            "kind": "inquiry",
            "channel": "phone",
            "customer": {"name": "김", "phone": "010-3000-0011"},
            "description": "영업시간 문의",
        },
    )
    returned = create_case(
        client,
        people.headers(),
        {
            "kind": "return",
            "channel": "visit",
            "customer": {"name": "박", "phone": "010-3000-0012"},
            "product": {"model": "AC-1"},
            "description": "반품",
        },
    )
    kinds = {(t.kind, t.department) for t in tasks(database, role="department")}
    assert kinds == {("inquiry", "service"), ("return", "service")}
    texts = messages_to(database, 9301)
    assert any(inquiry["number"] in t for t in texts) and any(
        returned["number"] in t for t in texts
    )


# R2.10, R8.5–R8.7: reply deadlines and the chase ------------------------------------------------
def test_reply_due_in_working_hours_by_severity(
    client: FlaskClient, people: Personas, settings: Settings
) -> None:
    normal = create_case(client, people.headers(), complaint_body())
    serious = create_case(
        client, people.headers(), complaint_body(severity="serious", phone="010-3000-0021")
    )
    # Wednesday 10:00 + 16 working hours (09–18): Thursday 17:00; + 4 hours: Wednesday 14:00.
    assert normal["reply_due_at"] == "2026-11-26T17:00:00+09:00"
    assert serious["reply_due_at"] == "2026-11-25T14:00:00+09:00"


def test_overdue_answer_escalates_once_per_step(
    client: FlaskClient,
    people: Personas,
    database: Database,
    settings: Settings,
) -> None:
    case = create_case(client, people.headers(), complaint_body())
    number = case["number"]

    def chased_at(moment: datetime) -> int:
        first = tick(database, settings, moment)["complaint_replies"]
        assert tick(database, settings, moment)["complaint_replies"] == 0  # never twice
        return first

    def kinds() -> list[tuple[str, str]]:
        return [(t.kind, t.role) for t in tasks(database) if t.kind.startswith("reply_")]

    assert chased_at(datetime(2026, 11, 26, 3, 59, tzinfo=UTC)) == 0  # Thu 12:59: not yet
    assert chased_at(datetime(2026, 11, 26, 4, 0, tzinfo=UTC)) == 1  # Thu 13:00: 75 % used
    assert kinds() == [("reply_reminder", "service_director")]
    assert chased_at(datetime(2026, 11, 26, 8, 0, tzinfo=UTC)) == 1  # Thu 17:00: due
    assert kinds()[-1] == ("reply_overdue", "service_director")
    with database.session() as session:
        late = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "answer_late")
        ).all()
        assert len(late) == 1 and number in late[0].payload["body"]  # the customer is told
    # One more reply period (16 working hours) later: Monday 15:00, the vice-president.
    assert chased_at(datetime(2026, 11, 30, 5, 59, tzinfo=UTC)) == 0
    assert chased_at(datetime(2026, 11, 30, 6, 0, tzinfo=UTC)) == 1
    assert kinds()[-1] == ("reply_overdue", "vice_president")
    assert chased_at(datetime(2026, 12, 10, 6, 0, tzinfo=UTC)) == 0  # nothing after the last
    answered = client.get(f"/api/v1/cases/{number}", headers=people.headers()).get_json()
    assert answered["escalated_to"] == "vice_president"
    assert [e["action"] for e in answered["events"]].count("reply_overdue") == 2
    with database.session() as session:
        late = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "answer_late")
        ).all()
        assert len(late) == 1


def test_an_answered_complaint_is_not_chased(
    client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    case = create_case(client, people.headers(), complaint_body())
    answered = act(
        client, people.headers("service_director"), case["number"], "answer", {"answer": "확인"}
    )
    assert answered["answered_at"] == "2026-11-25T10:00:00+09:00"
    assert answered["answered_by"] is not None
    assert tick(database, settings, WEDNESDAY_10 + timedelta(days=10))["complaint_replies"] == 0


def test_a_customer_without_telegram_or_mobile_gets_a_call_task(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    case = create_case(client, people.headers(), complaint_body(phone="02-312-3456"))  # landline
    act(client, people.headers("service_director"), case["number"], "answer", {"answer": "확인"})
    assert [t.role for t in tasks(database, kind="answer_call")] == ["receptionist"]


# R2.9, R8.5: priority items and formal cases ----------------------------------------------------
def test_r2_9_major_complaint_reaches_the_vice_president_with_a_message(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    staff(database, "vp@x", role="vice_president", chat=9401)
    case = create_case(client, people.headers(), complaint_body(severity="major"))
    assert case["escalated_to"] == "vice_president" and case["priority"] == "urgent"
    assert [t.kind for t in tasks(database, role="vice_president")] == ["escalation"]
    [text] = messages_to(database, 9401)
    assert case["number"] in text


def test_r2_9_two_complaints_about_one_technician_within_90_days_open_one_formal_case(
    client: FlaskClient, people: Personas, database: Database, clock: Clock
) -> None:
    technician = people.technician()
    headers = people.headers("hotline_officer")
    first = create_case(client, headers, complaint_body(about_technician_id=technician))
    assert first["formal_case"] is None
    clock.advance(days=60)
    second = create_case(
        client, headers, complaint_body(about_technician_id=technician, phone="010-3000-0031")
    )
    formal_number = second["formal_case"]
    assert formal_number is not None
    clock.advance(days=20)
    third = create_case(
        client, headers, complaint_body(about_technician_id=technician, phone="010-3000-0032")
    )
    assert third["formal_case"] == formal_number  # one per group, not one per complaint
    vp = people.headers("vice_president")
    formal = client.get(f"/api/v1/cases/{formal_number}", headers=vp).get_json()
    assert formal["accountable"] == "vice_president" and formal["escalated_to"] == "vice_president"
    assert formal["formal_key"] == f"technician:{technician}"
    assert client.get(f"/api/v1/cases/{first['number']}", headers=vp).get_json()["formal_case"] == (
        formal_number
    )
    with database.session() as session:
        assert len(session.scalars(select(Case).where(Case.formal_key.is_not(None))).all()) == 1
    assert [t.kind for t in tasks(database, role="vice_president")] == ["formal_case"]


def test_r2_9_a_complaint_outside_the_window_opens_no_formal_case(
    client: FlaskClient, people: Personas, clock: Clock
) -> None:
    technician = people.technician()
    headers = people.headers("hotline_officer")
    create_case(client, headers, complaint_body(about_technician_id=technician))
    clock.advance(days=91)
    later = create_case(
        client, headers, complaint_body(about_technician_id=technician, phone="010-3000-0033")
    )
    assert later["formal_case"] is None


def test_r2_9_a_reopened_complaint_opens_a_formal_case(
    client: FlaskClient, people: Personas
) -> None:
    case = create_case(client, people.headers(), complaint_body(topic="other"))
    director = people.headers("service_director")
    act(client, director, case["number"], "answer", {"answer": "처리했습니다"})
    reopened = act(client, director, case["number"], "reopen", {"reason": "다시 고장"})
    assert reopened["status"] == "routed" and reopened["answered_at"] is None
    assert reopened["formal_case"] is not None
    assert reopened["reply_due_at"] == "2026-11-26T17:00:00+09:00"


# R2.4, R9.4: complaints about a person ---------------------------------------------------------
def test_r2_4_the_named_staff_member_cannot_read_the_complaint(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    head = staff(database, "mk.head@x", department="marketing", chat=9501, head=True)
    person = staff(database, "mk.sales@x", department="marketing", chat=9502, login=True)
    people.token("department_staff")  # a colleague of the same role, who may read it
    case = create_case(
        client,
        people.headers("hotline_officer"),
        complaint_body(topic="staff_attitude", about_staff_id=person),
    )
    number = case["number"]
    assert case["department"] == "marketing" and case["about"] == {
        "technician_id": None,
        "staff_id": person,
    }
    # R2.4: to their superior, as a task of their own and a message.
    [task] = tasks(database, kind="complaint_about_person")
    assert task.user_id == head
    assert any(number in text for text in messages_to(database, 9501))
    assert messages_to(database, 9502) == []  # the person hears nothing, though a member
    with database.session() as session:
        from backend.people.service import create_token

        user = session.get(StaffUser, person)
        assert user is not None
        token = create_token(session, user)
    mine = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/cases/{number}", headers=mine).status_code == 404
    listed = client.get("/api/v1/cases?kind=complaint", headers=mine).get_json()
    assert number not in [item["number"] for item in listed["items"]]
    colleague = client.get(f"/api/v1/cases/{number}", headers=people.headers("department_staff"))
    assert colleague.status_code == 200
    # … nor on the dashboard: the case page is not found, the department's task not listed.
    browser = client.application.test_client()
    login = browser.get("/login").text
    csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
    browser.post("/login", data={"csrf_token": csrf, "email": "mk.sales@x", "password": "pw"})
    assert browser.get(f"/cases/{number}").status_code == 404
    assert number not in browser.get("/tasks").text


def test_r2_4_the_named_technician_cannot_read_the_complaint(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    technician = people.technician()
    head = staff(database, "svc.head@x", role="service_director", department="service", head=True)
    case = create_case(
        client, people.headers("hotline_officer"), complaint_body(about_technician_id=technician)
    )
    # R9.4: a complaint about after-sales staff belongs to the independent hotline.
    assert case["department"] == "complaint_hotline"
    assert tasks(database, kind="complaint_about_person")[0].user_id == head
    own = people.technician_headers(technician)
    assert client.get(f"/api/v1/cases/{case['number']}", headers=own).status_code == 404


def test_an_unknown_person_is_refused_naming_the_field(
    client: FlaskClient, people: Personas
) -> None:
    response = client.post(
        "/api/v1/cases", headers=people.headers(), json=complaint_body(about_staff_id=999999)
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "about_staff_id"


# R2.11, R8.2: complaints in the evaluations ------------------------------------------------------
def test_r2_11_complaints_count_in_the_persons_and_departments_monthly_figures(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    technician = people.technician()
    person = staff(database, "mk.sales@x", department="marketing")
    headers = people.headers("hotline_officer")
    create_case(client, headers, complaint_body(about_technician_id=technician))
    create_case(
        client, headers, complaint_body(about_technician_id=technician, phone="010-3000-0041")
    )
    create_case(
        client,
        headers,
        complaint_body(topic="staff_attitude", about_staff_id=person, phone="010-3000-0042"),
    )
    manager = people.headers("repair_manager")
    performance = client.get(
        f"/api/v1/technicians/{technician}/performance?month=2026-11", headers=manager
    ).get_json()
    assert performance["complaints"] == 2  # next to the four rating means (R8.2)
    assert set(performance["ratings"]) == {"attitude", "skill", "arrival_time", "promise"}
    from backend.reports.monthly import monthly_report

    with database.session() as session:
        report = monthly_report(
            session,
            settings=client.application.extensions["aftersales"]["settings"],
            year=2026,
            month=11,
            now=WEDNESDAY_10,
        )
    counts = {(p.kind, p.id): p.count for p in report.complaints_by_person}
    assert counts == {("technician", technician): 2, ("staff", person): 1}  # no formal case
    assert report.complaints["marketing"] == {"normal": 1}
    assert report.complaints["complaint_hotline"]["normal"] == 2


# The complaints board (dashboard and API) ------------------------------------------------------
def test_complaints_board_by_department_and_age_marks_the_late_ones(
    client: FlaskClient, people: Personas, database: Database, clock: Clock
) -> None:
    old = create_case(client, people.headers(), complaint_body())
    clock.advance(days=3)  # Saturday: the first is past its Thursday deadline
    new = create_case(
        client, people.headers(), complaint_body(topic="dealer", phone="010-3000-0051")
    )
    board = client.get("/api/v1/complaints/board", headers=people.headers()).get_json()
    rows = {d["department"]: d["complaints"] for d in board["departments"]}
    assert [r["number"] for r in rows["rnd_production"]] == [old["number"]]
    assert rows["rnd_production"][0]["late"] is True and rows["rnd_production"][0]["age_days"] == 3
    assert rows["dealer_relations"][0]["number"] == new["number"]
    assert rows["dealer_relations"][0]["late"] is False
    technician = client.get("/api/v1/complaints/board", headers=people.headers("technician"))
    assert technician.get_json()["departments"] == []  # technicians see no complaints
    browser = client.application.test_client()
    people.token("service_director")
    login = browser.get("/login").text
    csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
    browser.post(
        "/login",
        data={"csrf_token": csrf, "email": "service_director@test.local", "password": "pw"},
    )
    page = browser.get("/complaints").text
    assert old["number"] in page and new["number"] in page and 'class="late"' in page
    korean = browser.get(f"/cases/{old['number']}").text
    assert "답변 기한" in korean and "기한 초과" in korean


def test_r2_4_the_dashboard_intake_names_the_person(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    technician = people.technician()
    people.token("hotline_officer")
    browser = client.application.test_client()
    login = browser.get("/login").text
    csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
    browser.post(
        "/login",
        data={"csrf_token": csrf, "email": "hotline_officer@test.local", "password": "pw"},
    )
    page = browser.get("/cases/new").text
    assert f'value="technician:{technician}"' in page
    fresh = page.split('name="csrf_token" value="')[1].split('"')[0]  # a new one per sign-in
    answer = browser.post(
        "/cases/new",
        data={
            "csrf_token": fresh,
            "kind": "complaint",
            "channel": "visit",
            "customer.name": "정",
            "customer.phone": "010-3000-0071",
            "topic": "staff_attitude",
            "severity": "normal",
            "about": f"technician:{technician}",
            "description": "불친절",
        },
    )
    assert answer.status_code == 302, answer.text
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.about_technician_id == technician
        assert case.department == "complaint_hotline"
