"""The end of a visit or workshop job: the certificate to sign and the next-day survey."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.cases.notices import service_certificate
from backend.outbox.service import message_customer
from backend.settings import Settings
from backend.surveys.service import schedule_survey


def finish_visit(session: Session, case: Case, settings: Settings, now: datetime) -> None:
    """The job is done: ask the customer to sign the certificate; the survey follows (R8.3)."""
    case.resolved_at = now
    schedule_survey(session, case, settings=settings, done_at=now)
    language = case.customer.language
    message_customer(
        session,
        case.customer,
        service_certificate(case, language),
        case=case,
        purpose="sign_off_request",
        dedupe_key=f"signoff:{case.number}:{len(case.events)}",
        reply_markup={
            "inline_keyboard": [
                [
                    {
                        "text": "✅ 확인" if language == "ko" else "✅ Confirm",
                        "callback_data": f"case:sign_off:{case.number}",
                    }
                ]
            ]
        },
        now=now,
    )
