"""The task list: each role sees its own tasks and marks them done."""

from __future__ import annotations

from sqlalchemy import select

from backend.db import Database
from backend.i18n import message
from backend.outbox.models import OutboundMessage
from backend.people.models import StaffUser
from backend.tasks.models import Task
from backend.tasks.service import alert, open_task
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, text_of


def _tasks(database: Database) -> dict[str, int]:
    with database.session() as session:
        ids = {}
        for role, title in (
            ("repair_manager", "No technician for AS-1"),
            ("service_director", "Survey AS-2: a grade of 1"),
            ("receptionist", "Call back 010-****-0001"),
        ):
            task = open_task(session, kind="callback", role=role, title=title)
            assert task is not None
            session.flush()
            ids[role] = task.id
        return ids


def test_each_role_sees_its_own_tasks(browser: Browser, database: Database) -> None:
    _tasks(database)
    browser.login("repair_manager")
    text = text_of(browser.get("/tasks").text)
    assert "No technician for AS-1" in text and "Survey AS-2" not in text
    browser.post("/logout")
    browser.login("admin")
    text = text_of(browser.get("/tasks").text)
    assert "No technician for AS-1" in text and "Survey AS-2" in text


def test_marking_a_task_done_records_who_and_hides_it(browser: Browser, database: Database) -> None:
    ids = _tasks(database)
    browser.login("receptionist")
    assert browser.post(f"/tasks/{ids['repair_manager']}/done").status_code == 404  # not theirs
    assert browser.post(f"/tasks/{ids['receptionist']}/done").status_code == 302
    with database.session() as session:
        task = session.get(Task, ids["receptionist"])
        other = session.get(Task, ids["repair_manager"])
        assert task is not None and task.status == "done" and task.done_by is not None
        assert other is not None and other.status == "open"
        assert session.scalar(select(Task.id).where(Task.status == "done")) == task.id
    assert "Call back" not in browser.get("/tasks").text
    assert "Call back" in browser.get("/tasks?status=done").text


def test_a_task_title_reads_in_each_readers_language(
    browser: Browser, database: Database, clock: Clock
) -> None:
    """Titles are kept as message ids with values: the Korean manager reads Korean, the English
    one English, and a linked staff member's Telegram alert is in their own language."""
    manager = browser.user("repair_manager")
    with database.session() as session:
        user = session.get(StaffUser, manager.id)
        assert user is not None
        user.telegram_chat_id = 5501
        user.language = "en"
        alert(
            session,
            kind="sla_breach",
            role="repair_manager",
            title=message("{number}: arrival deadline passed", number="AS-2026-000042"),
            detail="김민수",
            now=clock(),
        )
    with database.session() as session:
        sent = session.scalars(select(OutboundMessage)).one()
        assert sent.payload["text"] == "AS-2026-000042: arrival deadline passed\n김민수"
        assert (
            session.scalars(select(Task)).one().title == "AS-2026-000042: arrival deadline passed"
        )
    browser.login("repair_manager")
    assert "AS-2026-000042: arrival deadline passed" in text_of(browser.get("/tasks").text)
    with database.session() as session:
        user = session.get(StaffUser, manager.id)
        assert user is not None
        user.language = "ko"
    assert "AS-2026-000042: 방문 기한이 지났습니다" in text_of(browser.get("/tasks").text)
