"""The service director's daily report (R7.11) and the branch sign-off (R7.12)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cases.models import Case
from backend.composition import tick
from backend.db import Database
from backend.fieldwork.work_reports import submit_work_report
from backend.outbox.models import OutboundMessage
from backend.people.models import StaffUser
from backend.reports.models import DailyReport
from backend.settings import Settings
from tests.factories import Personas, case_in_status, complaint_body, create_case

DAY = date(2026, 11, 25)  # a Wednesday
MORNING = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 09:30 in Seoul
CLOSING = datetime(2026, 11, 25, 9, 5, tzinfo=UTC)  # 18:05 in Seoul
DIRECTOR_CHAT = 7001


class Day:
    """Two technicians, one in the branch "강남", their jobs and work reports of DAY."""

    def __init__(self, client: FlaskClient, database: Database, people: Personas) -> None:
        people.product()
        self.kim = people.technician("김민수", phone="010-2000-0001")
        self.lee = people.technician("이서연", phone="010-2000-0002")
        self.manager = people.headers("repair_manager")
        self.director = people.headers("service_director")
        with database.session() as session:
            director = session.scalar(select(StaffUser).where(StaffUser.role == "service_director"))
            assert director is not None
            director.telegram_chat_id = DIRECTOR_CHAT
            manager = session.scalar(select(StaffUser).where(StaffUser.role == "repair_manager"))
            assert manager is not None
            self.manager_id = manager.id
        branch = client.post(
            "/api/v1/branches",
            headers=self.director,
            json={"name": "강남", "manager_user_id": self.manager_id, "technician_ids": [self.kim]},
        )
        assert branch.status_code == 201, branch.get_json()
        self.branch_id = branch.get_json()["id"]
        on_time = self._job(database, self.kim, "C", arrived=MORNING + timedelta(hours=1))
        late = self._job(database, self.lee, "A", arrived=MORNING + timedelta(hours=7))
        with database.session() as session:
            submit_work_report(
                session,
                technician_id=self.kim,
                day=DAY,
                job_hours={on_time: 1.5},
                admin_hours=1.0,
                admin_note="교육",
                channel="telegram",
                now=CLOSING,
            )
            submit_work_report(
                session,
                technician_id=self.lee,
                day=DAY,
                job_hours={late: 2.25},
                admin_hours=0,
                admin_note=None,
                channel="telegram",
                now=CLOSING,
            )

    @staticmethod
    def _job(database: Database, technician: int, category: str, *, arrived: datetime) -> int:
        number = case_in_status(
            database, kind="repair", status="closed", technician_id=technician, reported_at=MORNING
        )
        with database.session() as session:
            case = session.scalar(select(Case).where(Case.number == number))
            assert case is not None
            case.service_category = category
            case.arrived_at = arrived
            case.resolved_at = arrived + timedelta(hours=1)
            return case.id


def _reports_sent(database: Database) -> list[OutboundMessage]:
    with database.session() as session:
        return list(
            session.scalars(
                select(OutboundMessage).where(OutboundMessage.purpose == "daily_report")
            ).all()
        )


def test_r7_11_the_daily_report_hours_equal_the_technicians_reports_and_it_is_sent_once(
    client: FlaskClient, database: Database, people: Personas, settings: Settings
) -> None:
    day = Day(client, database, people)
    create_case(client, people.headers("hotline_officer"), complaint_body())
    assert tick(database, settings, CLOSING - timedelta(hours=1))["director_daily_report"] == 0
    assert tick(database, settings, CLOSING)["director_daily_report"] == 1
    assert tick(database, settings, CLOSING + timedelta(minutes=1))["director_daily_report"] == 0
    [sent] = _reports_sent(database)
    assert sent.recipient == str(DIRECTOR_CHAT)
    assert "2026-11-25" in sent.payload["text"]
    report = client.get("/api/v1/reports/daily/2026-11-25", headers=day.director).get_json()
    assert report["total"]["hours"] == {"A": 2.25, "B": 0.0, "C": 1.5, "D": 1.0}
    assert report["total"]["technicians_reporting"] == 2
    assert report["total"]["jobs_done"] == 2
    assert report["total"]["jobs_late"] == 1  # 이서연 arrived after the 6-hour deadline
    assert report["complaints"]["opened"] == 1
    [gangnam] = report["branches"]
    assert gangnam["name"] == "강남" and gangnam["signed_off"] is None
    assert gangnam["hours"] == {"A": 0.0, "B": 0.0, "C": 1.5, "D": 1.0}
    assert (gangnam["jobs_done"], gangnam["jobs_late"]) == (1, 0)
    listing = client.get("/api/v1/reports/daily", headers=day.manager).get_json()
    assert [item["day"] for item in listing["items"]] == ["2026-11-25"]


def test_r7_11_no_report_on_a_day_off(
    database: Database, people: Personas, settings: Settings
) -> None:
    saturday = datetime(2026, 11, 28, 9, 5, tzinfo=UTC)
    assert tick(database, settings, saturday)["director_daily_report"] == 0
    with database.session() as session:
        assert session.scalars(select(DailyReport)).all() == []


def test_r7_12_only_the_branch_manager_signs_its_part_off_once(
    client: FlaskClient, database: Database, people: Personas, settings: Settings
) -> None:
    day = Day(client, database, people)
    url = f"/api/v1/reports/daily/2026-11-25/branches/{day.branch_id}/sign-off"
    assert client.post(url, headers=day.manager, json={}).status_code == 404  # not made yet
    tick(database, settings, CLOSING)
    assert client.post(url, headers=day.director, json={}).status_code == 403
    signed = client.post(url, headers=day.manager, json={"note": "확인했습니다."})
    assert signed.status_code == 201, signed.get_json()
    [gangnam] = signed.get_json()["branches"]
    assert gangnam["signed_off"]["by_user_id"] == day.manager_id
    assert gangnam["signed_off"]["note"] == "확인했습니다."
    assert client.post(url, headers=day.manager, json={}).status_code == 409
    with database.session() as session:
        told = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "branch_sign_off")
        ).all()
        assert [m.recipient for m in told] == [str(DIRECTOR_CHAT)]
        assert "강남" in told[0].payload["text"]
