"""The questions of a call a manager asked for on a case, as a channel-neutral dialogue.

An opinion call (R9.5) asks one overall grade 1–4; a mystery-customer check (R9.7) asks whether
the visit went as the policy says: company ID shown (R4.7), items and fee explained before the
work (R4.11), home and belongings respected (R4.9). Then an optional comment in the customer's own
words. Each answer is kept on the call as it is given; the whole lands in the case history; a grade
of 1 or a "no" goes to the service director.
"""

from __future__ import annotations

from typing import Any

from backend.calls.models import CallPurpose, PhoneCall
from backend.calls.proactive import follow_up, record_call_result, save_answer, save_comment
from backend.complaints.flows import record_satisfaction
from backend.dialogues.engine import Answer, Choice, Context, Dialogue, InputKind, Prompt
from backend.dialogues.survey import GRADE_CHOICES, parse_grade, parse_yes_no
from backend.errors import NotFound
from backend.i18n import message

YES_NO = (Choice("1", "Yes"), Choice("2", "No"))
COMMENT_CHOICES = (Choice("1", "Yes, leave a comment"), Choice("2", "No, thank you"))

# step → (kind, question). The first question of each call carries its introduction.
QUESTIONS: dict[str, dict[str, tuple[InputKind, str]]] = {
    CallPurpose.PROACTIVE: {
        "overall": (
            "grade",
            "We would like to hear your opinion of our service on {number}. "
            "Overall, how satisfied are you? Answer from 1, very dissatisfied, "
            "to 4, very satisfied.",
        ),
    },
    CallPurpose.MYSTERY_CHECK: {
        "showed_id": (
            "confirm",
            "We are checking the quality of our service on {number}; it "
            "takes one minute. Did the technician show a company ID?",
        ),
        "fee_explained": (
            "confirm",
            "Were the repair and its fee explained to you before the work started?",
        ),
        "took_care": ("confirm", "Did the technician treat your home and belongings with care?"),
    },
    CallPurpose.SATISFACTION: {
        "satisfied": (
            "confirm",
            "We have answered your complaint {number}. Are you satisfied with the answer?",
        ),
    },
}


class OpinionDialogue(Dialogue):
    """on_start(call_id=…): the questions of that call's purpose, then an optional comment."""

    name = "opinion"
    first_step = "comment_offer"

    def on_start(self, ctx: Context, **options: Any) -> None:
        call = ctx.session.get(PhoneCall, int(options.get("call_id") or 0))
        if call is None or call.purpose not in QUESTIONS or call.case is None:
            raise NotFound("no opinion call with this id", field="call_id")
        ctx.conversation.data.update(call_id=call.id, case_number=call.case.number)
        ctx.conversation.customer_id = call.customer_id
        ctx.conversation.step = next(iter(QUESTIONS[call.purpose]))

    def _call(self, ctx: Context) -> PhoneCall:
        call = ctx.session.get(PhoneCall, ctx.conversation.data.get("call_id") or 0)
        if call is None:
            raise NotFound("the call no longer exists", field="call_id")
        return call

    def prompt(self, ctx: Context, step: str) -> Prompt:
        call = self._call(ctx)
        values = {"number": ctx.conversation.data.get("case_number", "")}
        questions = QUESTIONS.get(call.purpose, {})
        if step in questions:
            kind, text = questions[step]
            choices = GRADE_CHOICES if kind == "grade" else YES_NO
            return Prompt(
                step=step,
                text=text,
                kind=kind,
                values=values,
                choices=choices,
            )
        if step == "comment_offer":
            return Prompt(
                step=step,
                text="Would you like to leave a comment for us?",
                kind="confirm",
                values=values,
                choices=COMMENT_CHOICES,
            )
        if step == "comment":
            return Prompt(
                step=step,
                text="Please tell us your comment.",
                kind="recording",
                values=values,
                optional=True,
            )
        return Prompt(
            step="thanks",
            text="Thank you for your answers. Goodbye.",
            kind="end",
            values=values,
            result={"case_number": values["number"]},
        )

    def accept(self, ctx: Context, step: str, answer: Answer) -> str:
        call = self._call(ctx)
        questions = list(QUESTIONS.get(call.purpose, {}))
        if step in questions:
            self._answer(ctx, call, step, answer)
            following = questions.index(step) + 1
            return questions[following] if following < len(questions) else "comment_offer"
        if step == "comment_offer":
            if parse_yes_no(answer):
                return "comment"
            return self._finish(ctx, call)
        if step == "comment":
            self._comment(ctx, call, answer)
        return self._finish(ctx, call)

    def _answer(self, ctx: Context, call: PhoneCall, step: str, answer: Answer) -> None:
        if QUESTIONS[call.purpose][step][0] == "grade":
            grade = parse_grade(answer)
            save_answer(call, step, grade)
            if grade == 1:
                follow_up(
                    ctx.session,
                    call,
                    title=message("opinion call: very dissatisfied"),
                    detail=f"{step} = 1",
                    now=ctx.now,
                )
            return
        said_yes = parse_yes_no(answer)
        save_answer(call, step, said_yes)
        if call.purpose == CallPurpose.SATISFACTION and call.case is not None:
            # R2.10: asked once, the first answer counts; "no" opens a formal case (R2.9).
            record_satisfaction(
                ctx.session,
                call.case,
                satisfied=said_yes,
                settings=ctx.settings,
                now=ctx.now,
                channel="phone",
            )
            return
        if not said_yes:
            follow_up(
                ctx.session,
                call,
                title=message("mystery-customer check: {step} = no", step=step),
                detail=None,
                now=ctx.now,
            )

    def _comment(self, ctx: Context, call: PhoneCall, answer: Answer) -> None:
        recording = (answer.media or {}).get("url") if answer.media else None
        text = (answer.text or "").strip() or None
        if answer.skip or not (text or recording):
            return
        if recording and not (answer.media or {}).get("text"):
            text = None  # a stand-in, not the customer's words: the transcription comes later
        save_comment(call, text=text, recording_url=recording)
        follow_up(
            ctx.session,
            call,
            title=message("comment on a call"),
            detail=text or recording,
            now=ctx.now,
        )

    def _finish(self, ctx: Context, call: PhoneCall) -> str:
        record_call_result(ctx.session, call, outcome="answered", now=ctx.now)
        call.outcome = "answered"
        return "thanks"


OPINION = OpinionDialogue()
