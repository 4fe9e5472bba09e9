"""The channel-neutral survey dialogue (R8.3–R8.5), driven as any channel would drive it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from backend.db import Database
from backend.dialogues import engine
from backend.dialogues.engine import Answer, Context
from backend.dialogues.survey import parse_grade
from backend.settings import Settings
from backend.surveys.models import Survey
from backend.tasks.models import Task
from tests.factories import Personas
from tests.ivr.jobs import finished_job

DONE = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Tuesday 15:00 in Seoul
CALLED = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 10:00


def _run(
    database: Database,
    settings: Settings,
    number: str,
    answers: list[Answer],
    channel: str = "telegram",
) -> list[str]:
    steps: list[str] = []
    with database.session() as session:
        conversation = engine.get_conversation(session, channel, "chat-1")
        ctx = Context(session, settings, CALLED, channel, conversation)
        prompt = engine.start(ctx, "survey", case_number=number)
        steps.append(prompt.step)
        for answer in answers:
            prompt = engine.advance(ctx, answer)
            steps.append(prompt.step if prompt.error is None else f"{prompt.step}!")
    return steps


def test_grades_are_asked_in_the_contract_order_and_saved_as_they_come(
    database: Database, settings: Settings, people: Personas
) -> None:
    people.product()
    job = finished_job(database, settings, people.technician(), resolved_at=DONE)
    steps = _run(
        database,
        settings,
        job.number,
        [Answer(choice="4"), Answer(text="셋"), Answer(choice="7"), Answer(choice="2")],
    )
    assert steps == ["attitude", "skill", "arrival_time", "arrival_time!", "promise"]
    with database.session() as session:
        survey = session.scalars(select(Survey)).one()
        assert survey.ratings() == {"attitude": 4, "skill": 3, "arrival_time": 2, "promise": None}
        assert survey.status == "partial"
        assert session.scalars(select(Task).where(Task.kind == "follow_up")).all() == []


def test_a_grade_of_one_and_a_comment_open_follow_ups_for_the_service_department(
    database: Database, settings: Settings, people: Personas
) -> None:
    people.product()
    job = finished_job(database, settings, people.technician(), resolved_at=DONE)
    steps = _run(
        database,
        settings,
        job.number,
        [
            Answer(choice="4"),
            Answer(choice="3"),
            Answer(choice="2"),
            Answer(choice="1"),
            Answer(choice="1"),
            Answer(text="기사님이 늦었어요"),
        ],
    )
    assert steps[-3:] == ["comment_offer", "comment", "thanks"]
    with database.session() as session:
        survey = session.scalars(select(Survey)).one()
        assert survey.status == "answered" and survey.comment == "기사님이 늦었어요"
        tasks = session.scalars(select(Task).where(Task.kind == "follow_up")).all()
        assert {t.role for t in tasks} == {"service_director"}
        assert len(tasks) == 2  # R8.5: one for the grade 1, one for the comment


def test_an_answered_survey_is_not_asked_again(
    database: Database, settings: Settings, people: Personas
) -> None:
    people.product()
    job = finished_job(database, settings, people.technician(), resolved_at=DONE)
    _run(database, settings, job.number, [Answer(choice="4")] * 4 + [Answer(choice="2")])
    assert _run(database, settings, job.number, []) == ["already_answered"]


def test_spoken_grades_are_understood() -> None:
    assert [parse_grade(Answer(text=t)) for t in ("4", "넷", "Three.", "매우 불만족", "2번")] == [
        4,
        4,
        3,
        1,
        2,
    ]
