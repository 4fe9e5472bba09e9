"""The rating survey as a channel-neutral dialogue (R8.3–R8.5).

Four grades in the contract's order (attitude, skill, arrival time, keeping promises), each 1–4,
saved as soon as it is given; then an optional comment (typed, or recorded on the phone); then
thanks. A grade of 1 or any comment opens a follow-up for the service department (R8.5).
Telegram renders the grades as buttons, the phone as digits or speech; both call `advance`.
"""

from __future__ import annotations

import re
from typing import Any

from backend.dialogues.engine import Answer, Choice, Context, Dialogue, Prompt
from backend.errors import NotFound, ValidationError
from backend.surveys.models import QUESTIONS, Survey, SurveyStatus
from backend.surveys.service import (
    begin_answering,
    first_unanswered,
    open_follow_up,
    record_answer,
    record_comment,
    survey_for_case,
)

GRADE_CHOICES = (
    Choice("1", "Very dissatisfied"),
    Choice("2", "Dissatisfied"),
    Choice("3", "Satisfied"),
    Choice("4", "Very satisfied"),
)
YES_NO = (Choice("1", "Yes, leave a comment"), Choice("2", "No, thank you"))

QUESTION_TEXT = {
    "attitude": "How satisfied were you with the attitude of technician {technician}?",
    "skill": "How satisfied were you with the technician's skill?",
    "arrival_time": "How satisfied were you with the arrival time?",
    "promise": "How satisfied were you that the technician kept the promises made to you?",
}
FIRST_QUESTION_WITH_INTRO = (
    "This is a short survey about your repair {number}. "
    "How satisfied were you with the attitude of technician {technician}?"
)

# What people say instead of pressing a key (speech results, typed words), lower-cased.
SPOKEN_GRADES: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "일": 1,
    "이": 2,
    "삼": 3,
    "사": 4,
    "하나": 1,
    "둘": 2,
    "셋": 3,
    "넷": 4,
    "일번": 1,
    "이번": 2,
    "삼번": 3,
    "사번": 4,
    "매우 불만족": 1,
    "불만족": 2,
    "만족": 3,
    "매우 만족": 4,
    "very dissatisfied": 1,
    "dissatisfied": 2,
    "satisfied": 3,
    "very satisfied": 4,
}
SPOKEN_YES = {"1", "yes", "yeah", "예", "네", "응", "일", "하나", "일번"}
SPOKEN_NO = {"2", "no", "아니요", "아니오", "아니", "이", "둘", "이번"}


def parse_grade(answer: Answer) -> int:
    """A grade 1–4 from a button/digit or from words; ValidationError otherwise."""
    raw = (answer.choice or answer.text or "").strip().lower()
    raw = re.sub(r"[.!?,。]", "", raw).strip()
    if raw in {"1", "2", "3", "4"}:
        return int(raw)
    if raw in SPOKEN_GRADES:
        return SPOKEN_GRADES[raw]
    digits = re.findall(r"[1-4]", raw)
    if len(digits) == 1 and not re.search(r"[05-9]", raw):
        return int(digits[0])
    raise ValidationError("Please answer with a grade from 1 to 4.", field="grade")


def parse_yes_no(answer: Answer) -> bool:
    raw = re.sub(r"[.!?,]", "", (answer.choice or answer.text or "").strip().lower())
    if answer.skip or raw in SPOKEN_NO:
        return False
    if raw in SPOKEN_YES:
        return True
    raise ValidationError("Please answer 1 for yes or 2 for no.", field="comment")


class SurveyDialogue(Dialogue):
    """on_start(case_number=…): the survey of that job, resumed at its first unanswered question."""

    name = "survey"
    first_step = QUESTIONS[0]

    def on_start(self, ctx: Context, **options: Any) -> None:
        number = str(options.get("case_number") or "")
        survey = survey_for_case(ctx.session, number)
        if survey is None:
            raise NotFound(f"no survey for case {number}", field="case_number")
        data = ctx.conversation.data
        data.update(case_number=number, survey_id=survey.id)
        ctx.conversation.customer_id = survey.case.customer_id
        if survey.status == SurveyStatus.ANSWERED:
            ctx.conversation.step = "already_answered"
            return
        begin_answering(survey, channel=ctx.channel, now=ctx.now)
        ctx.conversation.step = first_unanswered(survey) or "comment_offer"

    def _survey(self, ctx: Context) -> Survey:
        survey = ctx.session.get(Survey, ctx.conversation.data.get("survey_id"))
        if survey is None:
            raise NotFound("the survey no longer exists", field="survey")
        return survey

    def prompt(self, ctx: Context, step: str) -> Prompt:
        survey = self._survey(ctx)
        case = survey.case
        technician = case.assigned_technician.name if case.assigned_technician else "-"
        values = {"number": case.number, "technician": technician}
        if step in QUESTIONS:
            text = QUESTION_TEXT[step]
            if step == QUESTIONS[0] and ctx.conversation.retries == 0:
                text = FIRST_QUESTION_WITH_INTRO
            return Prompt(step=step, text=text, kind="grade", values=values, choices=GRADE_CHOICES)
        if step == "comment_offer":
            return Prompt(
                step=step,
                text="Would you like to leave a comment for us?",
                kind="confirm",
                values=values,
                choices=YES_NO,
            )
        if step == "comment":
            # Channel-neutral: the phone adds its own "speak after the tone" (ivr/render.py).
            return Prompt(
                step=step,
                text="Please tell us your comment.",
                kind="recording",
                values=values,
                optional=True,
            )
        if step == "already_answered":
            return Prompt(
                step=step,
                text="You have already answered this survey. Thank you!",
                kind="end",
                values=values,
                result={"case_number": case.number},
            )
        return Prompt(
            step="thanks",
            text="Thank you for your answers. Goodbye.",
            kind="end",
            values=values,
            result={"case_number": case.number, "ratings": survey.ratings()},
        )

    def accept(self, ctx: Context, step: str, answer: Answer) -> str:
        survey = self._survey(ctx)
        if step in QUESTIONS:
            grade = parse_grade(answer)
            record_answer(survey, step, grade, now=ctx.now)
            if grade == 1:  # R8.5
                open_follow_up(
                    ctx.session,
                    survey,
                    reason="low_grade",
                    detail=f"{step} = 1 (very dissatisfied)",
                    now=ctx.now,
                )
            following = QUESTIONS.index(step) + 1
            return QUESTIONS[following] if following < len(QUESTIONS) else "comment_offer"
        if step == "comment_offer":
            return "comment" if parse_yes_no(answer) else "thanks"
        if step == "comment":
            return self._accept_comment(ctx, survey, answer)
        return "thanks"

    def _accept_comment(self, ctx: Context, survey: Survey, answer: Answer) -> str:
        recording = (answer.media or {}).get("url") if answer.media else None
        text = (answer.text or "").strip() or None
        if answer.skip or not (text or recording):
            return "thanks"
        record_comment(survey, text=text, recording_url=recording)
        open_follow_up(
            ctx.session,
            survey,
            reason="comment",
            detail=(text or "") + (f"\n{recording}" if recording else ""),
            now=ctx.now,
        )
        return "thanks"


SURVEY = SurveyDialogue()
