"""Which cases an actor may see at all (R6.5: technicians see only their own jobs).

One answer for the API, the dashboard and the media routes: a case the actor may not see does not
exist for them (404, never 403, so that case numbers cannot be probed).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.cases.models import Case
from backend.cases.service import get_case
from backend.errors import NotFound
from backend.people.models import Role


class CaseNotVisible(NotFound):
    """The case exists, but not for this actor (a page may answer its own plain 404)."""


def visible_case(
    session: Session,
    actor: Actor,
    number: str,
    *,
    unlinked_technician_sees_unassigned: bool = False,
) -> Case:
    """The case `number` as `actor` may see it; NotFound when unknown, CaseNotVisible when not
    theirs (R6.5: a technician sees only the jobs assigned to them).

    `unlinked_technician_sees_unassigned` keeps the API's behaviour as it has always been: a
    technician login not linked to a technician record (technician_id None) "owns" the cases
    assigned to nobody. The dashboard never did; the access review decides which is right.
    """
    case = get_case(session, number)
    if actor.role != Role.TECHNICIAN:
        return case
    if actor.technician_id is None and not unlinked_technician_sees_unassigned:
        raise CaseNotVisible(f"no case {case.number}", field="number")
    if case.assigned_technician_id != actor.technician_id:
        raise CaseNotVisible(f"no case {case.number}", field="number")
    return case
