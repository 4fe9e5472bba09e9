"""Which cases an actor may see at all, and which parts of them (backend/cases/permissions.py).

One answer for the API, the dashboard, the media routes, the bot and the phone: a case the actor
may not see does not exist for them (404, never 403, so that case numbers cannot be probed).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.cases.models import Case
from backend.cases.permissions import Hide, case_filter_for, sight_for
from backend.cases.service import (
    PAGE_SIZE,
    CaseFilter,
    Page,
    count_cases,
    get_case,
    list_cases,
)
from backend.errors import NotFound


class CaseNotVisible(NotFound):
    """The case exists, but not for this actor (a page may answer its own plain 404)."""


def visible_case(session: Session, actor: Actor, number: str) -> Case:
    """The case `number` as `actor` may see it; NotFound when unknown, CaseNotVisible when the
    matrix hides it (R6.5: a technician sees only their own jobs; a technician login linked to
    no technician record sees nothing)."""
    case = get_case(session, number)
    if sight_for(actor, case) is None:
        raise CaseNotVisible(f"no case {case.number}", field="number")
    return case


def hidden_parts(actor: Actor, case: Case) -> frozenset[Hide]:
    """What of a visible case `actor` may not read (the serializer leaves it out)."""
    sight = sight_for(actor, case)
    return sight.hidden if sight is not None else frozenset(Hide)


def keeps_notes(actor: Actor, case: Case) -> bool:
    """May `actor` read and write the internal notes on `case`? Office staff who may read what the
    case says; a technician's words about a job are their work reports, not notes."""
    if actor.kind != "user" or actor.role == "technician":
        return False
    return Hide.TEXT not in hidden_parts(actor, case)


def visible_cases(
    session: Session,
    actor: Actor,
    case_filter: CaseFilter,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    sort: str = "newest",
) -> Page:
    """A page of the cases matching `case_filter` that `actor` sees at all."""
    scoped = replace(case_filter, scope=case_filter_for(actor))
    return list_cases(session, scoped, page=page, per_page=per_page, sort=sort)


def count_visible(session: Session, actor: Actor, case_filter: CaseFilter) -> int:
    """How many cases matching `case_filter` `actor` sees (the home page's counters)."""
    return count_cases(session, replace(case_filter, scope=case_filter_for(actor)))
