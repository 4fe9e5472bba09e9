"""The technician's daily work report (R7.10), channel-neutral: confirm or correct the hours of
each job of the day, then the hours of admin work (category D: inspection, parts, tools,
training — R7.2), then a note. on_start(technician_id=…, day="YYYY-MM-DD")."""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.cases.models import Case
from backend.dialogues.common import StepDialogue, free_text, words
from backend.dialogues.engine import Answer, Choice, Context, Prompt
from backend.errors import ValidationError
from backend.fieldwork.models import WorkReport
from backend.fieldwork.work_reports import jobs_of_day, submit_work_report

ADMIN_CHOICES = tuple(Choice(h, "{hours} h", {"hours": h}) for h in ("0", "0.5", "1", "2", "4"))


def parse_hours(answer: Answer) -> float:
    raw = (answer.choice or answer.text or "").strip().replace(",", ".").rstrip("hH시간 ")
    try:
        hours = float(raw)
    except ValueError as error:
        raise ValidationError(
            "Please give the hours as a number, like 1.5.", field="hours"
        ) from error
    if not 0 <= hours <= 24:
        raise ValidationError("Please give the hours as a number, like 1.5.", field="hours")
    return hours


class WorkReportDialogue(StepDialogue):
    name = "work_report"
    first_step = "job"

    def on_start(self, ctx: Context, **options: Any) -> None:
        try:
            day = date.fromisoformat(str(options.get("day")))
        except ValueError as error:
            raise ValidationError("not a day", field="day") from error
        technician_id = int(options["technician_id"])
        jobs = jobs_of_day(ctx.session, technician_id, day, ctx.settings)
        ctx.conversation.data.update(
            technician_id=technician_id,
            day=day.isoformat(),
            job_ids=[job.id for job in jobs],
            index=0,
            hours={},
        )
        if not jobs:
            ctx.conversation.step = "admin"

    def current_job(self, ctx: Context) -> Case:
        data = ctx.conversation.data
        case = ctx.session.get(Case, data["job_ids"][data["index"]])
        assert case is not None
        return case

    def ask_job(self, ctx: Context) -> Prompt:
        case = self.current_job(ctx)
        hours = f"{case.work_hours:g}" if case.work_hours is not None else "0"
        return Prompt(
            step="job",
            kind="choice",
            choices=(Choice(hours, "Yes, {hours} h", {"hours": hours}),),
            values={
                "number": case.number,
                "hours": hours,
                "category": case.service_category or "A",
            },
            text="Daily report: {number} (category {category}) took {hours} h? "
            "Confirm, or type the right number of hours.",
        )

    def take_job(self, ctx: Context, answer: Answer) -> str:
        hours = parse_hours(answer)
        data = ctx.conversation.data
        data["hours"] = {**data["hours"], str(self.current_job(ctx).id): hours}
        data["index"] += 1
        return "job" if data["index"] < len(data["job_ids"]) else "admin"

    def ask_admin(self, ctx: Context) -> Prompt:
        return Prompt(
            step="admin",
            kind="choice",
            choices=ADMIN_CHOICES,
            text="How many hours of admin work today (category D: inspection, parts, "
            "tools, training)? Choose or type a number.",
        )

    def take_admin(self, ctx: Context, answer: Answer) -> str:
        ctx.conversation.data["admin_hours"] = parse_hours(answer)
        if ctx.conversation.data["admin_hours"] > 0:
            return "note"
        return self.submit(ctx)

    def ask_note(self, ctx: Context) -> Prompt:
        return Prompt(
            step="note", kind="text", optional=True, text="What was the admin work? (optional)"
        )

    def take_note(self, ctx: Context, answer: Answer) -> str:
        if not answer.skip:
            ctx.conversation.data["admin_note"] = free_text(answer, limit=1000, field="note")
        return self.submit(ctx)

    def submit(self, ctx: Context) -> str:
        data = ctx.conversation.data
        report = submit_work_report(
            ctx.session,
            technician_id=data["technician_id"],
            day=date.fromisoformat(data["day"]),
            job_hours={int(k): v for k, v in data["hours"].items()},
            admin_hours=data.get("admin_hours", 0.0),
            admin_note=data.get("admin_note"),
            channel=ctx.channel,
            now=ctx.now,
        )
        data["report_id"] = report.id
        return "done"

    def ask_done(self, ctx: Context) -> Prompt:
        data = ctx.conversation.data
        report = ctx.session.get(WorkReport, data["report_id"])
        assert report is not None
        totals = ", ".join(f"{k} {v:g} h" for k, v in report.hours_by_category.items())
        return Prompt(
            step="done",
            kind="end",
            values={"day": data["day"], "totals": totals or words(ctx, "none")},
            text="Thank you. Your work report for {day} is filed: {totals}.",
            result={"work_report_id": report.id, "hours_by_category": report.hours_by_category},
        )


WORK_REPORT = WorkReportDialogue()
