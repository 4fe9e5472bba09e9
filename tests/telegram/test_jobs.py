"""Technicians work their jobs from Telegram: link code, job push, accept, on my way, arrive,
resolve with parts, need help (R6.5, R7.4, R7.9, R4.12); and the customer signs off and rates."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from telegram import CallbackQuery

from backend.cases.models import Case
from backend.cli import main as cli
from backend.db import Database
from backend.dialogues import engine
from backend.dialogues.engine import Context
from backend.dialogues.models import Conversation
from backend.people.models import Role, StaffUser, Technician
from backend.settings import Settings
from backend.surveys.models import Survey
from backend.tasks.models import Task
from ivr.render import Speaker, render_prompt
from tests.conftest import Clock
from tests.factories import Personas
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_report import report_until_confirm

CUSTOMER, TECHNICIAN, OTHER_TECHNICIAN, DIRECTOR = 1001, 2001, 2002, 3001


def linked_technician(people: Personas, client: FlaskClient, telegram_user: Any) -> Any:
    """A technician whose Telegram account is linked with a code from the API."""
    technician_id = people.technician(name="김민수")
    answer = client.post(
        f"/api/v1/technicians/{technician_id}/link-code", headers=people.headers("repair_manager")
    )
    assert answer.status_code == 201
    tech = telegram_user(TECHNICIAN, first_name="민수")
    tech.says(f"/link {answer.get_json()['code'].lower()}")  # codes are read case-blind
    assert tech.last_text().startswith("연결되었습니다: 김민수 기사님.")
    return tech


def reported_case(people: Personas, telegram_user: Any) -> tuple[Any, str]:
    people.product("AC-1")
    customer = telegram_user(CUSTOMER, language_code="en")
    report_until_confirm(customer)
    customer.presses("dlg:confirm:yes")
    number = customer.last_text().split("Your repair request ")[1].split()[0]
    return customer, number


def test_technician_accepts_travels_arrives_and_resolves_with_parts_then_customer_signs(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    tech = linked_technician(people, tg_app.test_client(), telegram_user)
    customer, number = reported_case(people, telegram_user)
    card = bot_api.message_with_button(TECHNICIAN, f"job:accept:{number}")
    assert number in card.params["text"] and "서울 중구 세종대로 110" in card.params["text"]
    assert "https://maps.google.com/?q=37.566500,126.978000" in card.params["text"]
    assert tech.buttons() == [
        f"job:accept:{number}",
        f"job:decline:{number}",
        f"job:escalate:{number}",
    ]
    tech.presses(f"job:accept:{number}")
    tech.presses(f"job:depart:{number}")
    assert any("on the way" in t for t in bot_api.texts(CUSTOMER))
    tech.presses(f"job:arrive:{number}")
    tech.presses(f"job:resolve:{number}")
    assert tech.buttons()[:2] == ["dlg:parts:part:COMP", "dlg:parts:part:FAN"]
    tech.presses("dlg:parts:part:FAN")
    tech.presses("dlg:parts:part:FAN")
    assert "FAN ×2" in tech.last_text()
    tech.presses("dlg:parts:done")
    tech.says("1,5")  # typed hours with a decimal comma
    assert tech.buttons() == ["dlg:confirm:yes", "dlg:confirm:no"]  # free job: no fee asked
    tech.presses("dlg:confirm:yes")
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.status == "resolved" and case.work_hours == 1.5
        assert case.charges is not None
        assert case.charges["parts"] == [
            {"code": "FAN", "name": "Fan", "quantity": 2, "free": True, "amount": 0}
        ]
        assert [e.action for e in case.events][-4:] == ["accept", "depart", "arrive", "resolve"]
    certificate = bot_api.message_with_button(CUSTOMER, f"case:sign_off:{number}")
    assert "Service certificate" in certificate.params["text"]
    customer.presses(f"case:sign_off:{number}")
    assert f"you confirmed the work on {number}" in customer.last_text()
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.status == "closed"  # R7.4: the customer's signature
        assert case.events[-1].channel == "telegram"
    assert not bot_api.markups[certificate.result["message_id"]]  # pressed once: no buttons


def resolved_job(people: Personas, tg_app: Any, telegram_user: Any) -> tuple[Any, Any, str]:
    """A linked technician, a customer, and the customer's job resolved by that technician."""
    tech = linked_technician(people, tg_app.test_client(), telegram_user)
    customer, number = reported_case(people, telegram_user)
    for action in ("accept", "arrive", "resolve"):
        tech.presses(f"job:{action}:{number}")
    tech.presses("dlg:parts:done")
    tech.presses("dlg:hours:1")
    tech.presses("dlg:confirm:yes")
    return tech, customer, number


def test_customer_rates_the_service_with_buttons_and_a_comment(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    _tech, customer, number = resolved_job(people, tg_app, telegram_user)
    customer.presses(f"case:sign_off:{number}")
    customer.presses(f"survey:start:{number}")
    assert customer.buttons() == [f"dlg:attitude:{g}" for g in "1234"]
    for question, grade in (("attitude", 4), ("skill", 3), ("arrival_time", 4), ("promise", 2)):
        customer.presses(f"dlg:{question}:{grade}")
        with database.session() as session:  # R8.4: each answer counts as it comes
            assert getattr(session.scalars(select(Survey)).one(), question) == grade
    customer.presses("dlg:comment_offer:1")
    customer.says("친절했어요 👍 but a bit late")
    with database.session() as session:
        survey = session.scalars(select(Survey)).one()
        assert survey.status == "answered" and survey.comment == "친절했어요 👍 but a bit late"
        assert survey.channel == "telegram"


def test_rate_a_service_from_the_main_menu_counts_in_the_technician_s_month(
    database: Database,
    people: Personas,
    tg_app: Any,
    telegram_user: Any,
    bot_api: FakeBotApi,
    tg_settings: Settings,
    clock: Clock,
) -> None:
    _tech, customer, number = resolved_job(people, tg_app, telegram_user)
    customer.says("/start")
    customer.presses("menu:rate")  # R8.4 without waiting for the next-day survey (R8.3)
    assert customer.last_text() == "Which service would you like to rate?"
    assert customer.buttons() == [f"survey:start:{number}"]
    customer.presses(f"survey:start:{number}")
    assert f"short survey about your repair {number}" in customer.last_text()
    for question, grade in (("attitude", 4), ("skill", 4), ("arrival_time", 3), ("promise", 2)):
        assert customer.buttons() == [f"dlg:{question}:{g}" for g in "1234"]
        customer.presses(f"dlg:{question}:{grade}")
    customer.presses("dlg:comment_offer:1")
    # The survey's wording is channel-neutral; only the phone speaks of a tone.
    assert customer.last_text() == "Please tell us your comment."
    with database.session() as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.address == str(CUSTOMER))
        ).one()
        prompt = engine.current_prompt(
            Context(session, tg_settings, clock(), "phone", conversation)
        )
    spoken = str(render_prompt(Speaker(tg_settings, "ko"), prompt, action="/ivr/dialogue"))
    assert "의견을 남겨 주세요." in spoken and "삐 소리가 나면" in spoken and "<Record" in spoken
    customer.says("Quick and tidy work")
    assert customer.last_text() == "Thank you for your answers. Goodbye."
    assert "menu:rate" in customer.buttons()  # back at the main menu
    with database.session() as session:
        technician_id = session.scalars(select(Technician.id)).one()
    month = tg_app.test_client().get(
        f"/api/v1/technicians/{technician_id}/performance?month=2026-11",
        headers=people.headers("repair_manager"),
    )
    assert month.status_code == 200
    figures = month.get_json()
    assert figures["ratings"] == {
        "attitude": 4.0,
        "skill": 4.0,
        "arrival_time": 3.0,
        "promise": 2.0,
    }
    assert figures["surveys_answered"] == 1 and figures["jobs"] == 1
    customer.says("/start")
    customer.presses("menu:rate")
    assert customer.last_text() == "There is no service to rate right now."


def test_need_help_escalates_to_the_service_director_at_once(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    with database.session() as session:
        session.add(
            StaffUser(
                email="director@test.local",
                role=Role.SERVICE_DIRECTOR,
                name="Director",
                telegram_chat_id=DIRECTOR,
            )
        )
    tech = linked_technician(people, tg_app.test_client(), telegram_user)
    _customer, number = reported_case(people, telegram_user)
    tech.presses(f"job:escalate:{number}")
    assert tech.last_text() == f"{number}: 서비스 총괄 책임자에게 즉시 지원을 요청했습니다."
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.escalated_to == "service_director"
        assert case.priority == "high" and case.status == "assigned"
        task = session.scalars(select(Task).where(Task.kind == "escalation")).one()
        assert task.role == "service_director" and task.case_id == case.id
    assert any(number in text for text in bot_api.texts(DIRECTOR))  # R7.9: told at once


def test_decline_with_a_reason_and_only_own_jobs_are_shown(
    database: Database, people: Personas, tg_app: Any, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    tech = linked_technician(people, tg_app.test_client(), telegram_user)
    _customer, number = reported_case(people, telegram_user)
    stranger = telegram_user(OTHER_TECHNICIAN)
    stranger.says("/today")
    assert stranger.last_text() == "연결된 기사 계정만 작업을 볼 수 있습니다."
    stranger.post(
        stranger.update(
            callback_query=CallbackQuery(
                id="cb-stranger",
                from_user=stranger.user,
                chat_instance="ci",
                data=f"job:accept:{number}",
                message=stranger.message(text="card"),
            )
        )
    )
    assert stranger.last_text() == "연결된 기사 계정만 작업을 볼 수 있습니다."  # R6.5
    tech.says("/today")
    assert number in tech.last_text()
    tech.presses(f"job:decline:{number}")
    tech.says("차가 고장났어요")
    assert tech.last_text().startswith(f"{number} 건을 거절했습니다.")
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.assigned_technician_id is None
        decline = next(e for e in case.events if e.action == "decline")
        assert decline.note == "차가 고장났어요"


def test_link_code_from_the_command_line_is_single_use(
    database: Database,
    people: Personas,
    tg_settings: Any,
    telegram_user: Any,
    monkeypatch: Any,
    bot_api: FakeBotApi,
) -> None:
    technician_id = people.technician()
    monkeypatch.setenv("DATABASE_URL", tg_settings.database_url)
    monkeypatch.setenv("AFTERSALES_SECRET_KEY", "x")
    result = CliRunner().invoke(
        cli, ["technician", "link-code", "--technician-id", str(technician_id)]
    )
    assert result.exit_code == 0, result.output
    code = result.stdout.strip().splitlines()[0]
    first, second = telegram_user(TECHNICIAN), telegram_user(OTHER_TECHNICIAN)
    first.says(f"/start {code}")  # a t.me deep link carries the code in /start
    second.says(f"/link {code}")
    assert "유효하지 않거나 만료된 코드" in second.last_text()
    with database.session() as session:
        technician = session.get(Technician, technician_id)
        assert technician is not None and technician.telegram_chat_id == TECHNICIAN
    missing = CliRunner().invoke(cli, ["technician", "link-code", "--technician-id", "999"])
    assert missing.exit_code != 0 and "no technician 999" in missing.output
