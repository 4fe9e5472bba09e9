"""Issue 10 part A in Telegram: "about our staff" in the complaint dialogue (R9.4, R2.4), and the
customer's answer to "satisfied?" under the answer to a complaint (R2.10, R2.9)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from backend.people.service import create_token, create_user
from tests.factories import Personas


def test_r9_4_about_our_staff_names_the_technician_and_goes_to_the_hotline(
    database: Database, telegram_user: Any, people: Personas
) -> None:
    technician = people.technician("박기사", phone="010-2000-0091")
    user = telegram_user(1201, language_code="en")
    user.says("/start")
    user.presses("lang:en")
    user.says("/complaint")
    user.shares_contact("010-3000-0061")
    user.says("Choi")
    assert "dlg:topic:our_staff" in user.buttons()
    user.presses("dlg:topic:our_staff")
    assert "Who was it?" in user.last_text()
    user.says("박기사")
    user.presses("dlg:severity:normal")
    user.says("He was rude and left without fixing it")
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.department == "complaint_hotline"  # R9.4: independent of after-sales
        assert case.accountable_role == "hotline_officer"
        assert case.about_technician_id == technician  # R2.4
        assert case.topic == "staff_attitude"
    assert "independently of the after-sales department" in user.last_text()


def test_an_unsatisfied_answer_in_telegram_opens_a_formal_case_once(
    database: Database, telegram_user: Any, tg_app: Flask, people: Personas
) -> None:
    user = telegram_user(1202, language_code="en")
    user.says("/start")
    user.presses("lang:en")
    user.says("/complaint")
    user.shares_contact("010-3000-0062")
    user.says("Yoon")
    user.presses("dlg:topic:packaging")
    user.presses("dlg:severity:normal")
    user.says("The box was crushed")
    with database.session() as session:
        number = session.scalars(select(Case.number)).one()
        director = create_user(session, email="sd@x", role="service_director", password=None)
        token = create_token(session, director)
    client = tg_app.test_client()
    response = client.post(
        f"/api/v1/cases/{number}/actions/answer",
        headers={"Authorization": f"Bearer {token}"},
        json={"answer": "We will send a new one."},
    )
    assert response.status_code == 200
    from backend.outbox.worker import deliver_due

    clock = tg_app.extensions["aftersales"]["clock"]
    deliver_due(database, {"telegram": user.transport}, clock=clock)
    assert "Are you satisfied with this answer?" in user.last_text()
    assert f"satisfied:no:{number}" in user.buttons()
    user.presses(f"satisfied:no:{number}")
    assert "A senior manager will take up your complaint" in user.last_text()
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.satisfied is False
        formal = session.scalars(select(Case).where(Case.formal_key.is_not(None))).one()
        assert formal.accountable_role == "vice_president" and case.formal_case_id == formal.id
    # The buttons are gone; a second answer (a stale client) is refused: asked once, counted once.
    from backend.complaints.flows import record_satisfaction

    settings = tg_app.extensions["aftersales"]["settings"]
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        again = record_satisfaction(
            session, case, satisfied=False, settings=settings, now=clock(), channel="telegram"
        )
        assert again.already and not again.recorded
        assert len(session.scalars(select(Case).where(Case.formal_key.is_not(None))).all()) == 1
