"""Calls a manager asks for on a case (R9.5 opinion call, R9.7 mystery-customer check): queued
through the same call path inside calling hours, played here as Twilio plays them, and recorded
with their answers and recording in the case history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.app import create_app
from backend.cases.models import Case, CaseEvent
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.settings import Settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas
from tests.ivr.fake_twilio import PUBLIC_BASE_URL, Call, FakeTwilio, spoken
from tests.ivr.jobs import Job, finished_job

TUESDAY_3PM = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
WEDNESDAY_11AM = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
WEDNESDAY_10PM = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
THURSDAY_10AM = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
THURSDAY_7PM = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE7"
Deliver = Callable[[], dict[str, int]]


def _job(database: Database, settings: Settings, people: Personas) -> Job:
    people.product()
    return finished_job(database, settings, people.technician(), resolved_at=TUESDAY_3PM)


def _request(
    client: FlaskClient,
    people: Personas,
    number: str,
    purpose: Any = "opinion",
    role: str = "service_director",
) -> Any:
    return client.post(
        f"/api/v1/cases/{number}/calls", json={"purpose": purpose}, headers=people.headers(role)
    )


def _answer(client: FlaskClient, fake: FakeTwilio, deliver: Deliver) -> Call:
    """The worker places the call; a Call playing Twilio, already at the first question."""
    assert deliver().get("sent", 0) >= 1
    request = fake.calls()[-1]
    assert request.form["Url"].startswith(f"{PUBLIC_BASE_URL}/ivr/opinion/")
    call = Call(client, request.sid, "+8215880000", direction="outbound-api")
    call.start(request.form["Url"], AnsweredBy="human")
    call.status_query = "?call_id=" + request.form["Url"].split("call_id=")[1]  # type: ignore
    return call


def _events(client: FlaskClient, people: Personas, number: str, action: str) -> list[Any]:
    """The case history entries of `action` as the API shows them, with their stored data."""
    case = client.get(f"/api/v1/cases/{number}", headers=people.headers("service_director"))
    shown = [e for e in case.get_json()["events"] if e["action"] == action]
    with people.database.session() as session:
        stored = session.scalars(
            select(CaseEvent)
            .join(Case)
            .where(Case.number == number, CaseEvent.action == action)
            .order_by(CaseEvent.id)
        ).all()
        assert len(shown) == len(stored)
        return [{**e, "data": row.data} for e, row in zip(shown, stored, strict=True)]


def test_an_opinion_call_asked_at_night_is_queued_for_the_next_calling_hours(
    client: FlaskClient, database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    job = _job(database, settings, people)
    clock.set(WEDNESDAY_10PM)
    response = _request(client, people, job.number)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["purpose"] == "opinion" and body["status"] == "queued"
    assert datetime.fromisoformat(body["scheduled_for"]) == THURSDAY_10AM
    with database.session() as session:
        row = session.scalars(
            select(OutboundMessage).where(OutboundMessage.channel == "voice")
        ).one()
        assert (row.next_attempt_at, row.not_after) == (THURSDAY_10AM, THURSDAY_7PM)
        assert row.payload["path"].startswith(f"/ivr/opinion/{job.number}?call_id=")
    (event,) = _events(client, people, job.number, "call_requested")
    assert event["data"]["purpose"] == "opinion" and event["actor"].startswith("user:")


def test_an_opinion_call_records_the_grade_and_the_comment_in_the_case_history(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    job = _job(database, settings, people)
    clock.set(WEDNESDAY_11AM)
    assert _request(client, people, job.number).status_code == 201
    call = _answer(client, fake_twilio, deliver)
    said = spoken(call.last)  # type: ignore[arg-type]
    assert "의견" in said and "A S, 2 0 2 6, 0 0 0 0 0 1" in said
    gather = call.last.find("Gather")  # type: ignore[union-attr]
    assert gather is not None and gather.attrib["action"] == f"{PUBLIC_BASE_URL}/ivr/dialogue"
    call.say("넷")  # grade 4, by speech
    assert call.press("1").find("Record") is not None  # leave a comment: recorded
    assert call.record(RECORDING).find("Hangup") is not None
    call.status("completed", query=call.status_query)  # type: ignore[attr-defined]
    (result,) = _events(client, people, job.number, "call_result")
    assert result["note"] == "opinion call answered: overall 4; comment recorded"
    assert result["data"]["outcome"] == "answered"
    assert result["data"]["answers"] == {"overall": 4}
    assert result["data"]["recording_url"] == RECORDING
    transcribed = call.post(
        "/ivr/transcription", {"RecordingUrl": RECORDING, "TranscriptionText": "아주 친절했어요"}
    )
    assert transcribed.get_json() == {"attached": True}
    (words,) = _events(client, people, job.number, "call_transcription")
    assert words["note"] == "아주 친절했어요"
    calls = client.get(
        f"/api/v1/cases/{job.number}/calls", headers=people.headers("repair_manager")
    ).get_json()["items"]
    opinion = [c for c in calls if c["purpose"] == "opinion"]
    assert opinion[0]["answers"] == {"overall": 4} and opinion[0]["comment"] == "아주 친절했어요"
    with database.session() as session:  # the comment goes to the service director (R8.5)
        assert session.scalars(select(Task.kind)).all() == ["follow_up"]


def test_a_mystery_customer_check_asks_the_policy_questions_and_flags_a_no(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    job = _job(database, settings, people)
    clock.set(WEDNESDAY_11AM)
    assert _request(client, people, job.number, "mystery_check").status_code == 201
    call = _answer(client, fake_twilio, deliver)
    assert call.last is not None
    assert "신분증" in spoken(call.last)  # R4.7
    assert "요금" in spoken(call.press("1"))  # R4.11
    call.say("아니요")
    call.press("1")  # R4.9
    assert call.press("2").find("Hangup") is not None  # no comment
    (result,) = _events(client, people, job.number, "call_result")
    assert result["data"]["purpose"] == "mystery_check"
    assert result["note"] == (
        "mystery_check call answered: showed_id yes; fee_explained no; took_care yes"
    )
    assert result["data"]["answers"] == {
        "showed_id": True,
        "fee_explained": False,
        "took_care": True,
    }
    with database.session() as session:
        tasks = session.scalars(select(Task)).all()
        assert [(t.kind, t.role) for t in tasks] == [("follow_up", "service_director")]
        assert "fee_explained" in tasks[0].title


def test_an_unanswered_call_and_a_hang_up_are_recorded_too_without_a_callback_task(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    job = _job(database, settings, people)
    clock.set(WEDNESDAY_11AM)
    _request(client, people, job.number, "mystery_check")
    call = _answer(client, fake_twilio, deliver)
    call.press("1")  # one answer, then the customer hangs up
    call.status("completed", query=call.status_query)  # type: ignore[attr-defined]
    clock.set(WEDNESDAY_11AM + timedelta(hours=2))
    _request(client, people, job.number, "opinion")
    second = _answer(client, fake_twilio, deliver)
    second.status("no-answer", query=second.status_query)  # type: ignore[attr-defined]
    results = _events(client, people, job.number, "call_result")
    assert [(r["data"]["outcome"], r["data"]["answers"]) for r in results] == [
        ("hung_up", {"showed_id": True}),
        ("no-answer", {}),
    ]
    with database.session() as session:
        assert session.scalars(select(Task)).all() == []


def test_a_second_call_an_hour_later_waits_for_the_gap(
    client: FlaskClient, database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    job = _job(database, settings, people)
    clock.set(WEDNESDAY_11AM)
    first = _request(client, people, job.number, "opinion").get_json()
    second = _request(client, people, job.number, "mystery_check").get_json()
    assert datetime.fromisoformat(second["scheduled_for"]) == datetime.fromisoformat(
        first["scheduled_for"]
    ) + timedelta(hours=1)


def test_bad_requests_are_answered_with_the_field_named(
    client: FlaskClient, database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    job = _job(database, settings, people)
    clock.set(WEDNESDAY_11AM)
    bad = _request(client, people, job.number, "survey")
    assert bad.status_code == 422
    assert _request(client, people, job.number, "opinion", role="technician").status_code == 403
    assert _request(client, people, "AS-2026-009999").status_code == 404
    assert _request(client, people, job.number).status_code == 201
    again = _request(client, people, job.number)
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "purpose"
    empty = client.post(
        f"/api/v1/cases/{job.number}/calls", data="", headers=people.headers("service_director")
    )
    assert empty.status_code == 422


def test_without_voice_the_request_is_refused_clearly(
    database: Database, settings: Settings, people: Personas, clock: Clock
) -> None:
    job = _job(database, settings, people)
    quiet: Flask = create_app(
        {
            "settings": settings.with_overrides(twilio_account_sid=None, twilio_auth_token=None),
            "database": database,
            "clock": clock,
        }
    )
    response = quiet.test_client().post(
        f"/api/v1/cases/{job.number}/calls",
        json={"purpose": "opinion"},
        headers=people.headers("service_director"),
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "voice_disabled"


def test_r2_10_a_complaint_answered_by_sms_asks_satisfied_by_a_call_with_keys(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Deliver,
    clock: Clock,
) -> None:
    """No chat to press a button in: the answer goes by SMS and a call asks "satisfied?"; a
    "no" (key 2) is recorded once and opens a formal case (R2.9)."""
    from tests.factories import complaint_body, create_case

    clock.set(WEDNESDAY_11AM)
    case = create_case(client, people.headers("hotline_officer"), complaint_body())
    answered = client.post(
        f"/api/v1/cases/{case['number']}/actions/answer",
        json={"answer": "교환해 드리겠습니다."},
        headers=people.headers("service_director"),
    )
    assert answered.status_code == 200
    deliver()  # the SMS with the answer, then the call
    requests = fake_twilio.calls()
    assert requests, "a satisfaction call was placed"
    call = Call(client, requests[-1].sid, "+8215880000", direction="outbound-api")
    call.start(requests[-1].form["Url"], AnsweredBy="human")
    assert call.last is not None and "만족" in spoken(call.last)
    call.press("2")  # not satisfied
    shown = client.get(
        f"/api/v1/cases/{case['number']}", headers=people.headers("service_director")
    ).get_json()
    assert shown["satisfied"] is False
    (said,) = _events(client, people, case["number"], "satisfaction")
    assert said["channel"] == "phone"
    with database.session() as session:
        formal = session.scalars(select(Case).where(Case.number != case["number"])).all()
        assert len(formal) == 1  # the formal case the unsatisfied answer opened
