"""`work_report_prompts`: after the working day closes, ask each technician who worked today for
the daily work report (R7.10) — once per technician and day (the outbox dedupe key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.fieldwork.work_reports import jobs_of_day, report_of
from backend.i18n import translate
from backend.outbox.service import message_technician
from backend.people.models import Technician
from backend.settings import Settings


def work_report_prompts(session: Session, settings: Settings, now: datetime) -> int:
    """From closing time until midnight of a business day: one prompt per working technician."""
    calendar = calendar_for(settings)
    day = calendar.local_date(now)
    if not calendar.is_business_day(day) or now < calendar.end_of_day(day):
        return 0
    technicians = session.scalars(
        select(Technician).where(
            Technician.active.is_(True), Technician.telegram_chat_id.is_not(None)
        )
    ).all()
    sent = 0
    for technician in technicians:
        if not technician.works_on(day) or report_of(session, technician.id, day) is not None:
            continue
        jobs = len(jobs_of_day(session, technician.id, day, settings))
        language = technician.language
        text = translate(
            language,
            "Time for your daily work report for {day}: {jobs} job(s) to "
            "confirm, and any admin work.",
            day=day.isoformat(),
            jobs=jobs,
        )
        button = {
            "text": translate(language, "Fill in the daily report"),
            "callback_data": f"report:start:{day.isoformat()}",
        }
        if message_technician(
            session,
            technician,
            text,
            purpose="work_report_prompt",
            reply_markup={"inline_keyboard": [[button]]},
            dedupe_key=f"work-report:{technician.id}:{day.isoformat()}",
            now=now,
        ):
            sent += 1
    return sent
