"""A technician's language: chosen with /language in the linked chat, then used for every message
to them — job cards, SLA reminders (R7.14), /today, the morning day plan, the work-report prompt
(R7.10) — while staff notes stay as they were."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.calendar import calendar_for
from backend.composition import tick
from backend.db import Database
from backend.dispatch.duties import push_day
from backend.i18n import missing_translations
from backend.outbox.worker import deliver_due
from backend.people.models import Technician
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_jobs import TECHNICIAN, linked_technician, reported_case


def technician_language(database: Database) -> str:
    with database.session() as session:
        return session.scalars(select(Technician.language)).one()


def test_a_technician_who_chooses_english_gets_every_job_message_in_english(
    database: Database,
    people: Personas,
    tg_app: Any,
    telegram_user: Any,
    bot_api: FakeBotApi,
    tg_settings: Settings,
    clock: Clock,
) -> None:
    tech = linked_technician(people, tg_app.test_client(), telegram_user)  # Korean until now
    assert technician_language(database) == "ko"
    tech.says("/language")
    tech.presses("lang:en")
    assert tech.last_text().startswith("Your jobs come here with buttons.")
    assert technician_language(database) == "en"
    listed = tg_app.test_client().get("/api/v1/technicians", headers=people.headers())
    assert [t["language"] for t in listed.get_json()["items"]] == ["en"]
    _customer, number = reported_case(people, telegram_user)
    card = bot_api.message_with_button(TECHNICIAN, f"job:accept:{number}")
    assert card.params["text"].startswith(f"New job {number}\nProduct: AC-1 unit")
    assert "Arrive by: Wed 25 Nov 16:00" in card.params["text"]
    labels = [b["text"] for row in card.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Accept", "Decline", "Need help"]
    tech.presses(f"job:accept:{number}")
    assert tech.last_text() == f"You accepted {number}. Please arrive by Wed 25 Nov 16:00."
    tech.says("/today")
    assert tech.last_text().startswith("Your jobs today:\n1. " + number)
    with database.session() as session:
        day = calendar_for(tg_settings).local_date(clock())
        assert push_day(session, tg_settings, day, now=clock()) == 1
    deliver_due(database, {"telegram": tech.transport}, clock=clock)
    assert tech.last_text().startswith("Your day 2026-11-25: 1 job(s).")
    assert tick(database, tg_settings, clock.advance(hours=5))["sla_warnings"] == 1  # 15:00
    deliver_due(database, {"telegram": tech.transport}, clock=clock)
    assert tech.last_text() == f"Reminder: {number} must be reached by Wed 25 Nov 16:00."
    for action in ("arrive", "resolve"):
        tech.presses(f"job:{action}:{number}")
    tech.presses("dlg:parts:done")
    tech.presses("dlg:hours:1")
    tech.presses("dlg:confirm:yes")
    assert (
        tick(database, tg_settings, clock.advance(hours=3, minutes=5))["work_report_prompts"] == 1
    )  # 18:05, the day has closed
    deliver_due(database, {"telegram": tech.transport}, clock=clock)
    assert tech.last_text().startswith("Time for your daily work report for 2026-11-25")
    assert tech.buttons() == ["report:start:2026-11-25"]
    # Korean technicians get the same messages in Korean (the default).
    assert (
        missing_translations(
            "ko",
            [
                "New job {number}",
                "Reminder: {number} must be reached by {due}.",
                "Your jobs today:",
                "Your day {day}: {count} job(s).",
                "Fill in the daily report",
                "Time for your daily work report for {day}: {jobs} job(s) to confirm, "
                "and any admin work.",
            ],
        )
        == []
    )


def test_a_language_chosen_before_linking_becomes_the_technician_s(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any
) -> None:
    technician_id = people.technician(name="Alex Kim")
    code = (
        tg_app.test_client()
        .post(
            f"/api/v1/technicians/{technician_id}/link-code",
            headers=people.headers("repair_manager"),
        )
        .get_json()["code"]
    )
    tech = telegram_user(TECHNICIAN, first_name="Alex", language_code="ko")
    tech.says("/start")
    tech.presses("lang:en")
    tech.says(f"/link {code}")
    assert tech.last_text() == (
        "Linked: you are Alex Kim. Your jobs will come here; /today lists them."
    )
    assert technician_language(database) == "en"
    tech.says("/today")
    assert tech.last_text() == "No open jobs for you today."
