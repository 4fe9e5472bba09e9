"""The rating survey's lifecycle: scheduled when a job is done, answered question by question."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.cases.models import Case
from backend.errors import ValidationError
from backend.i18n import message
from backend.settings import Settings
from backend.surveys.models import QUESTIONS, Survey, SurveyStatus


def survey_due_at(settings: Settings, done_at: datetime) -> datetime:
    """R8.3 and the contract: the first business day after the job, when calling hours open."""
    calendar = calendar_for(settings)
    day = calendar.next_business_day(calendar.local_date(done_at))
    opening, _closing = settings.calling_hours
    return calendar.at(day, opening)


def schedule_survey(
    session: Session, case: Case, *, settings: Settings, done_at: datetime
) -> Survey:
    """The survey of `case` (one per job, R8.3: every job, no sampling)."""
    survey = session.scalar(select(Survey).where(Survey.case_id == case.id))
    if survey is None:
        survey = Survey(
            case_id=case.id,
            technician_id=case.assigned_technician_id,
            due_at=survey_due_at(settings, done_at),
        )
        session.add(survey)
    return survey


def record_answer(survey: Survey, question: str, grade: int, *, now: datetime) -> Survey:
    """Store one grade 1–4 as soon as it is given (R8.4)."""
    if question not in QUESTIONS:
        raise ValidationError(f"question must be one of {', '.join(QUESTIONS)}", field="question")
    if not isinstance(grade, int) or isinstance(grade, bool) or not 1 <= grade <= 4:
        raise ValidationError("a grade is 1, 2, 3 or 4", field="grade")
    setattr(survey, question, grade)
    complete = all(getattr(survey, q) is not None for q in QUESTIONS)
    survey.status = SurveyStatus.ANSWERED if complete else SurveyStatus.PARTIAL
    if complete and survey.answered_at is None:
        survey.answered_at = now
    return survey


def survey_for_case(session: Session, case_number: str) -> Survey | None:
    """The survey of the case numbered `case_number`, if the job has one."""
    return session.scalar(
        select(Survey).join(Case, Survey.case_id == Case.id).where(Case.number == case_number)
    )


def begin_answering(survey: Survey, *, channel: str, now: datetime) -> None:
    """The customer is on the line (or opened the survey in a chat): answers may now come."""
    survey.channel = channel
    if survey.status in (SurveyStatus.PENDING, SurveyStatus.CALLING, SurveyStatus.UNREACHABLE):
        survey.status = SurveyStatus.IN_PROGRESS
    survey.next_attempt_at = None


def first_unanswered(survey: Survey) -> str | None:
    return next((q for q in QUESTIONS if getattr(survey, q) is None), None)


def record_comment(
    survey: Survey, *, text: str | None = None, recording_url: str | None = None
) -> Survey:
    """The customer's own words after the grades (a typed text, or a recording with transcript)."""
    if text:
        survey.comment = text.strip()[:5000]
    if recording_url:
        survey.comment_recording_url = recording_url[:500]
    return survey


FOLLOW_UP_REASONS = {
    "low_grade": "Survey {number}: a grade of 1 (very dissatisfied)",
    "comment": "Survey {number}: the customer left a comment",
}


def open_follow_up(
    session: Session, survey: Survey, *, reason: str, detail: str | None = None, now: datetime
) -> None:
    """R8.5: a very dissatisfied grade or a comment goes to the service department to act on."""
    from backend.people.models import Role
    from backend.tasks.service import alert

    case = survey.case
    alert(
        session,
        kind="follow_up",
        role=Role.SERVICE_DIRECTOR,
        case=case,
        title=message(
            FOLLOW_UP_REASONS.get(reason, "Survey {number}: follow up"), number=case.number
        ),
        detail=detail,
        dedupe_key=f"survey-follow-up:{case.number}:{reason}",
        now=now,
    )


def open_survey_of_customer(session: Session, customer_id: int) -> Survey | None:
    """The latest survey this customer has not answered yet (they may answer it by calling in)."""
    return session.scalar(
        select(Survey)
        .join(Case, Survey.case_id == Case.id)
        .where(
            Case.customer_id == customer_id,
            Survey.status.in_(
                (
                    SurveyStatus.PENDING,
                    SurveyStatus.UNREACHABLE,
                    SurveyStatus.CALLING,
                    SurveyStatus.IN_PROGRESS,
                )
            ),
        )
        .order_by(Survey.due_at.desc())
        .limit(1)
    )


def unanswered_surveys(session: Session, customer_id: int, *, limit: int = 8) -> list[Survey]:
    """The customer's surveys not fully answered, latest job first ("Rate a service")."""
    return list(
        session.scalars(
            select(Survey)
            .join(Case, Survey.case_id == Case.id)
            .where(Case.customer_id == customer_id, Survey.status != SurveyStatus.ANSWERED)
            .order_by(Case.resolved_at.desc())
            .limit(limit)
        )
    )
