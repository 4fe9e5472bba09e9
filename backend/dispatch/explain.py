"""Why a technician got a job, in words a repair manager reads in the case history (R4.6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.cases.notices import format_moment
from backend.dispatch.day import Route, Stop
from backend.i18n import code_words, translate
from backend.people.models import Technician

LANGUAGE = "ko"  # the repair managers' language; the structured figures go with the event


def _verdict(stop: Stop, due: datetime | None, arrival: datetime) -> str:
    if due is None:
        return translate(LANGUAGE, "no deadline")
    if stop.late_minutes > 0:
        return translate(LANGUAGE, "{minutes} min late", minutes=round(stop.late_minutes))
    spare = round((due - arrival).total_seconds() / 60)
    return translate(LANGUAGE, "on time, {minutes} min to spare", minutes=spare)


def _certificate(technician: Technician, line: str | None) -> str:
    if not line:
        return translate(LANGUAGE, "no certification needed")
    if technician.partner_id is not None:  # R1.4: the partner's contract, not a certificate
        return translate(LANGUAGE, "partner staff: the contract covers {line}", line=line)
    until = [c.valid_until for c in technician.certifications if c.product_line == line]
    return translate(
        LANGUAGE,
        "certified for {line} until {until}",
        line=translate(LANGUAGE, code_words(line)),
        until=max(until).isoformat() if until else "-",
    )


def assignment_note(
    technician: Technician,
    line: str | None,
    stop: Stop,
    route: Route,
    arrival: datetime,
    due: datetime | None,
    tz: Any,
    runner_up: tuple[Technician, Stop, datetime] | None,
    manual_reason: str | None = None,
    manual: bool = False,
) -> str:
    """Certification, drive, expected arrival against the deadline, that day's load, runner-up."""
    parts = [
        translate(
            LANGUAGE,
            "{name}: {certificate}; {travel} min drive; expected arrival "
            "{arrival}, deadline {due} ({verdict}); that day {jobs} job(s), "
            "{minutes} min of work.",
            name=technician.name,
            certificate=_certificate(technician, line),
            travel=round(stop.travel_minutes),
            arrival=format_moment(arrival.astimezone(tz), LANGUAGE),
            due=format_moment(due.astimezone(tz), LANGUAGE) if due else "-",
            verdict=_verdict(stop, due, arrival),
            jobs=len(route.stops),
            minutes=round(route.load_minutes),
        )
    ]
    if manual:
        parts.insert(
            0,
            translate(
                LANGUAGE,
                "Assigned by hand by the repair manager (R4.6): {reason}.",
                reason=manual_reason or "-",
            ),
        )
    if runner_up is not None:
        other, other_stop, other_arrival = runner_up
        parts.append(
            translate(
                LANGUAGE,
                "Runner-up: {name}, arrival {arrival} ({verdict}), {travel} min drive.",
                name=other.name,
                arrival=format_moment(other_arrival.astimezone(tz), LANGUAGE),
                verdict=_verdict(other_stop, due, other_arrival),
                travel=round(other_stop.travel_minutes),
            )
        )
    elif not manual:
        parts.append(translate(LANGUAGE, "No other technician could take it."))
    return " ".join(parts)
