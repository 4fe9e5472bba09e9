"""Issue 16 on the phone: a confirmed caller reports in five prompts, an unconfirmed caller ID is
a new customer, the summary is corrected without starting over, and no promise is made that no
technician is planned to keep (R2.10, R7.14)."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.actors import Actor
from backend.cases.models import Case
from backend.casework.flows import perform_action
from backend.composition import tick
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.settings import Settings
from backend.surveys.coverage import channel_rates
from backend.surveys.models import Survey
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas
from tests.ivr.fake_twilio import Call, spoken
from tests.ivr.jobs import open_repair

CALLER = "+821030000001"
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE16"


def test_a_confirmed_caller_reports_with_a_registered_unit_in_five_prompts(
    client: FlaskClient, database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    people.product("AC-1")
    people.technician()
    open_repair(database, settings, at=clock(), phone=CALLER)  # their unit and address on file
    call = Call(client, "CA-E1", CALLER)
    heard = [call.start()]  # 1: the menu
    heard.append(call.press("1"))  # 2: a case number confirms the caller ID
    assert "접수 번호" in spoken(heard[-1])
    heard.append(call.press("2026000001#"))  # 3: their unit, as a numbered choice
    assert "2026년 1월에 구입하신" in spoken(heard[-1]) and "1번을 눌러 주세요" in spoken(heard[-1])
    heard.append(call.press("1"))  # 4: the fault, in their own words
    assert heard[-1].find("Record") is not None
    heard.append(call.record(RECORDING, transcription="또 찬바람이 안 나와요"))  # 5: summary
    assert "세종대로" in spoken(heard[-1])  # the address on file, confirmed with one key
    done = call.press("1")
    assert done.find("Hangup") is not None and len(heard) == 5
    with database.session() as session:
        second = session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert second is not None and second.unit_id is not None and second.identity_verified
        assert second.unit is not None and second.unit.serial_number == "SN-1"  # not asked


def test_an_unconfirmed_caller_id_is_treated_as_a_new_customer(
    client: FlaskClient, database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    people.product("AC-1")
    people.technician()
    open_repair(database, settings, at=clock(), phone=CALLER, name="김영희")
    call = Call(client, "CA-E2", CALLER)
    call.start()
    call.press("1")
    named = spoken(call.press("*"))  # no case number: nothing on file is offered
    assert "성함" in named or "name" in named
    product = spoken(call.say("박철수"))
    assert "구입하신" not in product and "김영희" not in product  # nothing on file offered


def test_a_wrong_case_number_is_asked_again_and_reveals_nothing(
    client: FlaskClient, database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    people.product("AC-1")
    people.technician()
    open_repair(database, settings, at=clock(), phone=CALLER)
    call = Call(client, "CA-E3", CALLER)
    call.start()
    call.press("1")
    again = spoken(call.press("2026000999#"))
    assert "구입하신" not in again and "접수 번호" in again


def test_the_phone_summary_is_corrected_without_starting_over(
    client: FlaskClient, database: Database, people: Personas
) -> None:
    people.product("AC-1")
    people.technician()
    call = Call(client, "CA-E4", CALLER)
    call.start()
    call.press("1")
    call.say("홍길동")
    call.press("1")  # the one model
    call.press("*")  # serial: the technician reads the label
    call.press("20260110")
    call.record(RECORDING, transcription="찬바람이 안 나와요")
    summary = call.say("서울 중구 세종대로 110")
    said = spoken(summary)
    assert "세종대로" in said and "2번을 눌러 주세요" in said  # 1 to confirm, 2 to change
    assert len(list(summary.iter("Say"))) >= 5  # read in short parts
    call.press("2")  # change something
    call.press("3")  # the address
    again = call.say("경기도 수원시 팔달구 효원로 241")
    assert "효원로" in spoken(again) and "세종대로" not in spoken(again)  # back at the summary
    done = call.press("1")
    assert done.find("Hangup") is not None
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.address == "경기도 수원시 팔달구 효원로 241" and case.zone == "suburb"
        assert case.description == "찬바람이 안 나와요" and case.customer.name == "홍길동"


def test_an_unassignable_case_never_promises_an_arrival_by_phone(
    client: FlaskClient, database: Database, people: Personas
) -> None:
    people.product("AC-1")  # and no technician certified for it
    call = Call(client, "CA-E5", CALLER)
    call.start()
    call.press("1")
    call.say("홍길동")
    call.press("1")
    call.press("*")
    call.press("20260110")
    call.record(RECORDING)
    call.say("서울 중구 세종대로 110")
    done = spoken(call.press("1"))
    assert "방문합니다" not in done and "16:00" not in done
    assert "11월 25일(수) 12:00까지 서비스 데스크에서 전화드리겠습니다" in done  # 2 working hours
    with database.session() as session:
        task = session.scalars(select(Task).where(Task.kind == "promise_callback")).one()
        assert task.role == "repair_manager"
        sms = session.scalars(select(OutboundMessage).where(OutboundMessage.channel == "sms")).one()
        assert "전화드리겠습니다" in sms.payload["body"] and "방문합니다" not in sms.payload["body"]


def test_r2_10_a_changed_plan_tells_the_customer_the_new_time_once(
    database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    people.product("AC-1")
    first = people.technician()
    number = open_repair(database, settings, at=clock(), phone=CALLER)
    assert tick(database, settings, clock())["promise_changes"] == 0  # the promise stands
    with database.session() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        technician = Actor("technician", id=first, technician_id=first, channel="telegram")
        perform_action(
            session,
            case,
            "decline",
            actor=technician,
            body={"reason": "sick"},
            settings=settings,
            now=clock(),
        )
    later = clock() + timedelta(minutes=1)
    assert tick(database, settings, later)["promise_changes"] == 1
    assert tick(database, settings, later + timedelta(minutes=1))["promise_changes"] == 0
    people.technician("이영호", phone="010-2000-0002")
    with database.session() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        manager = Actor("user", id=1, role="repair_manager")
        perform_action(
            session, case, "assign", actor=manager, body={}, settings=settings, now=later
        )
    assert tick(database, settings, later + timedelta(minutes=2))["promise_changes"] == 1
    assert tick(database, settings, later + timedelta(minutes=3))["promise_changes"] == 0
    with database.session() as session:
        told = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.purpose == "promise_change")
            .order_by(OutboundMessage.id)
        ).all()
        texts = [m.payload["body"] for m in told]
    assert len(texts) == 2  # once per change
    assert "다시 잡아야" in texts[0]
    assert "11월 25일(수) 16:00까지 방문합니다" in texts[1]


def test_survey_response_and_completion_rates_per_channel() -> None:
    def survey(channel: str | None, *grades: int | None) -> Survey:
        attitude, skill, arrival, promise = (*grades, None, None, None, None)[:4]
        return Survey(
            channel=channel, attitude=attitude, skill=skill, arrival_time=arrival, promise=promise
        )

    rates = channel_rates(
        [
            survey("phone", 4, 4, 3, 4),
            survey("phone", 4),  # hung up after one question
            survey("phone"),  # never answered
            survey("telegram", 3, 3, 3, 3),
            survey(None),  # not asked yet
        ]
    )
    assert rates["phone"] == {
        "asked": 3,
        "responded": 2,
        "completed": 1,
        "response_rate": 0.6667,
        "completion_rate": 0.3333,
    }
    assert rates["telegram"]["completion_rate"] == 1.0 and set(rates) == {"phone", "telegram"}


def _texted_code(database: Database) -> str:
    with database.session() as session:
        sent = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "one_time_code")
        ).one()
        assert sent.channel == "sms" and sent.recipient == CALLER
        return re.findall(r"\d{6}", sent.payload["text"])[0]


def test_a_caller_without_a_case_number_confirms_the_number_by_a_texted_code(
    client: FlaskClient, database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    """Issue 16: the third way to be known — a one-time code by text message to the number."""
    people.product("AC-1")
    people.technician()
    open_repair(database, settings, at=clock(), phone=CALLER)
    call = Call(client, "CA-E6", CALLER)
    call.start()
    call.press("1")
    asked = spoken(call.press("0#"))
    assert "인증 번호" in asked
    code = _texted_code(database)
    wrong = "000000" if code != "000000" else "111111"
    assert "다릅니다" in spoken(call.press(f"{wrong}#"))  # asked again, nothing revealed
    offered = spoken(call.press(f"{code}#"))
    assert "2026년 1월에 구입하신" in offered  # their unit, now that the number is theirs


def test_two_wrong_codes_make_the_caller_a_new_customer(
    client: FlaskClient, database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    people.product("AC-1")
    people.technician()
    open_repair(database, settings, at=clock(), phone=CALLER, name="김영희")
    call = Call(client, "CA-E7", CALLER)
    call.start()
    call.press("1")
    call.press("0#")
    code = _texted_code(database)
    wrong = "000000" if code != "000000" else "111111"
    call.press(f"{wrong}#")
    named = spoken(call.press(f"{wrong}#"))
    assert "성함" in named or "name" in named  # no third chance: on as a new customer
    assert "김영희" not in spoken(call.say("박철수"))


def test_r3_1_key_6_returns_a_product_by_phone(
    client: FlaskClient, database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    """The same return dialogue as /return: the product, the reason, the rule told (R3.2)."""
    people.product("AC-1")
    call = Call(client, "CA-R6", "+821030000077")
    assert "6번" in spoken(call.start())
    assert "성함" in spoken(call.press("6"))
    call.say("박철수")
    call.press("1")  # the small catalogue's only model
    call.press("*")  # no serial at hand
    asked = spoken(call.press("20261120#"))
    assert "반품" in asked and "이유" in asked
    said = spoken(call.record(RECORDING, transcription="색상이 달라요"))
    assert "반품 신청" in said
    assert "14일 이내" in said
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert (case.kind, case.channel) == ("return", "phone")
