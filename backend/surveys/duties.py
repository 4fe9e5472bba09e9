"""The survey duties run by `tick`: place the due rating calls (R8.3), inside calling hours only,
and re-arm calls that a late worker deferred."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from backend.calls.service import rearm_deferred_calls, within_calling_hours
from backend.settings import Settings
from backend.surveys.calling import (
    call_survey,
    due_surveys,
    fall_back,
    give_up_on_lost_calls,
    survey_call_deferred,
)

logger = logging.getLogger(__name__)


def survey_calls(session: Session, settings: Settings, now: datetime) -> int:
    """Call every customer whose survey is due; without voice, offer it in writing at once."""
    if not within_calling_hours(settings, now):
        return 0
    give_up_on_lost_calls(session, settings, now)
    placed = 0
    for survey in due_surveys(session, now):
        if not settings.voice_enabled:
            fall_back(session, survey, now)
            placed += 1
        elif call_survey(session, settings, survey, now) is not None:
            placed += 1
    return placed


def deferred_calls(session: Session, settings: Settings, now: datetime) -> int:
    """Calls a late worker did not place (window closed) wait for the next calling hours."""
    return rearm_deferred_calls(session, settings, now, on_moved=survey_call_deferred)
