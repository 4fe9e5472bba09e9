"""The permission matrix: who sees which case, which fields of it, and who may take which step.

One decision for every door — the API, the dashboard, the Telegram bot and the phone all ask
`can(actor, action, case)` and `sight_for(actor, case)`; nothing else decides who may act. The
matrix is data (GRANTS, SIGHTS, DUTIES below), printed in the README's "Security" section by
`matrix_markdown()` (a test keeps the two equal) and tested exhaustively through the API.

Refusals (contract): 404 where the case must not even be seen, 403 where the role may not act.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from backend.actors import Actor
from backend.cases.machine import RepairStatus, ReturnStatus
from backend.cases.models import Case, CaseKind
from backend.people.models import Role

# R9.4: a complaint about after-sales staff is routed to the independent hotline; the department
# code is backend.complaints.routing.DepartmentCode.COMPLAINT_HOTLINE (complaints sits above
# cases, so the value is repeated here and a test keeps the two equal).
HOTLINE_DEPARTMENT = "complaint_hotline"


class CaseClass(enum.StrEnum):
    """The kinds of case the matrix tells apart: a complaint about after-sales staff is its own."""

    REPAIR = "repair"
    COMPLAINT = "complaint"
    STAFF_COMPLAINT = "staff_complaint"  # R9.4: about after-sales staff, owned by the hotline
    RETURN = "return"
    INQUIRY = "inquiry"
    SUGGESTION = "suggestion"  # R2.10, R9.3, R9.8


class Subject(enum.StrEnum):
    """Who asks: a staff role, the job's own technician, or the case's own customer."""

    RECEPTIONIST = Role.RECEPTIONIST
    REPAIR_MANAGER = Role.REPAIR_MANAGER
    SERVICE_DIRECTOR = Role.SERVICE_DIRECTOR
    VICE_PRESIDENT = Role.VICE_PRESIDENT
    HOTLINE_OFFICER = Role.HOTLINE_OFFICER
    WAREHOUSE_CLERK = Role.WAREHOUSE_CLERK
    TECHNICIAN = Role.TECHNICIAN  # a staff login or Telegram account linked to a technician
    ADMIN = Role.ADMIN
    DEPARTMENT_STAFF = Role.DEPARTMENT_STAFF  # R2.3: R&D, marketing, dealer relations …
    FINANCE = Role.FINANCE  # R5.7: approves tool purchases; sees no case
    CUSTOMER = "customer"  # in their own channel (Telegram, phone)


class Verdict(enum.StrEnum):
    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"  # 403: the case is seen, the step is not this role's
    HIDDEN = "hidden"  # 404: the case does not exist for this actor


# A technician's steps on their job. A manager may take them for the technician (a phone call
# from the field, a dead battery), with a reason, recorded "on behalf of" the technician.
TECHNICIAN_STEPS = frozenset(
    {
        "accept",
        "decline",
        "depart",
        "arrive",
        "resolve",
        "take_to_workshop",
        "finish_repair",
        "quote",  # R4.11 built on site before chargeable work
        "pay",  # R4.11, R7.5 collected on the spot
    }
)
# R4.11: the customer's answer to a quote, given to staff (by phone, in person): they record it
# naming the channel it came by.
CONSENT_STEPS = frozenset({"accept_quote", "decline_quote"})
# R4.10, R7.6–R7.7: the item in the workshop, its repair card, inspection and return.
WORKSHOP_STEPS = frozenset({"finish_repair", "inspect", "return_item"})
# R7.7: a failed inspection sends the item back to repair, always with the reason.
FAILED_INSPECTION = frozenset({"fail_inspection"})
WORKSHOP_STATUSES = frozenset(
    {RepairStatus.IN_WORKSHOP, RepairStatus.REPAIRED, RepairStatus.INSPECTED}
)
COMPLAINT_STEPS = frozenset({"route", "answer", "escalate", "close", "reopen"})
INQUIRY_STEPS = frozenset({"answer", "close", "escalate"})
SUGGESTION_STEPS = frozenset({"evaluate", "reward", "close"})  # R9.3


@dataclass(frozen=True)
class Grant:
    """Actions a subject may take on a class of case; `statuses` None: wherever the machine
    allows them. `requires`: body fields that must be given (422 naming the first missing)."""

    subject: Subject
    case_class: CaseClass
    actions: frozenset[str]
    statuses: frozenset[str] | None = None
    requires: tuple[str, ...] = ()
    on_behalf: bool = False  # a technician's step taken for them: recorded as such
    why: str = ""


def _grant(
    subject: Subject,
    case_class: CaseClass,
    actions: set[str] | frozenset[str],
    **options: Any,
) -> Grant:
    return Grant(subject, case_class, frozenset(actions), **options)


S, C = Subject, CaseClass
MANAGERS_OF_REPAIRS = (S.REPAIR_MANAGER, S.SERVICE_DIRECTOR)  # R4.6 dispatch, R7.9 escalations

GRANTS: tuple[Grant, ...] = (
    # The job's own technician (R6.5); the customer's signature captured on their phone (R7.4).
    _grant(S.TECHNICIAN, C.REPAIR, TECHNICIAN_STEPS | {"escalate"}, why="R6.5 own jobs"),
    _grant(S.TECHNICIAN, C.REPAIR, {"sign_off"}, requires=("signed_by",), why="R7.4 captured"),
    _grant(S.TECHNICIAN, C.REPAIR, CONSENT_STEPS, requires=("channel",), why="R4.11 on site"),
    # The customer signs the certificate in their own channel (R7.4) and answers quotes (R4.11).
    _grant(S.CUSTOMER, C.REPAIR, {"sign_off"} | CONSENT_STEPS, why="R7.4, R4.11"),
    # Receptionists take contacts (R2.2, R4.5): a case registered by mistake is cancelled before
    # anyone is dispatched; questions are theirs to answer (R2.1, R2.10).
    _grant(
        S.RECEPTIONIST,
        C.REPAIR,
        {"cancel"},
        statuses=frozenset({RepairStatus.NEW}),
        requires=("reason",),
        why="R2.2 registered by mistake",
    ),
    _grant(
        S.RECEPTIONIST,
        C.RETURN,
        {"cancel"},
        statuses=frozenset({ReturnStatus.RECEIVED}),
        requires=("reason",),
        why="R2.2 registered by mistake",
    ),
    _grant(S.RECEPTIONIST, C.INQUIRY, INQUIRY_STEPS, why="R2.1, R2.10"),
    # Repair lead and service director: dispatch and every repair step (R4.6, R7.9).
    *(
        grant
        for manager in MANAGERS_OF_REPAIRS
        for grant in (
            _grant(
                manager,
                C.REPAIR,
                {"assign", "escalate", "inspect", "return_item"},
                why="R4.6, R7.7, R7.9",
            ),
            _grant(
                manager,
                C.REPAIR,
                TECHNICIAN_STEPS,
                requires=("reason",),
                on_behalf=True,
                why="for the technician",
            ),
            _grant(manager, C.REPAIR, FAILED_INSPECTION, requires=("reason",), why="R7.7"),
            _grant(manager, C.REPAIR, {"cancel"}, requires=("reason",), why="R7.9"),
            _grant(manager, C.REPAIR, CONSENT_STEPS, requires=("channel",), why="R4.11"),
            _grant(manager, C.RETURN, {"inspect", "decide", "close", "escalate"}, why="R3.4, R3.5"),
            _grant(manager, C.RETURN, {"cancel"}, requires=("reason",), why="R3.4"),
            _grant(manager, C.INQUIRY, INQUIRY_STEPS, why="R2.10"),
        )
    ),
    # R8.7: the service director handles every complaint — except those about his own
    # department, which the independent hotline owns (R9.4).
    _grant(S.SERVICE_DIRECTOR, C.COMPLAINT, COMPLAINT_STEPS, why="R8.6, R8.7"),
    _grant(S.VICE_PRESIDENT, C.COMPLAINT, COMPLAINT_STEPS, why="R8.5"),
    _grant(S.HOTLINE_OFFICER, C.COMPLAINT, COMPLAINT_STEPS, why="R2.3, R9.4"),
    _grant(S.HOTLINE_OFFICER, C.STAFF_COMPLAINT, COMPLAINT_STEPS, why="R9.4 independent"),
    _grant(S.HOTLINE_OFFICER, C.INQUIRY, INQUIRY_STEPS, why="R2.1"),
    # R2.10, R9.3: the service department follows suggestions up and rewards them; a serious
    # one reaches the vice-president (R8.5).
    _grant(S.SERVICE_DIRECTOR, C.SUGGESTION, SUGGESTION_STEPS, why="R2.10, R9.3"),
    _grant(S.VICE_PRESIDENT, C.SUGGESTION, SUGGESTION_STEPS, why="R8.5, R9.3"),
    # The warehouse: the goods register, the workshop's repair card, returns (R3.4, R4.10, R7.7).
    _grant(S.WAREHOUSE_CLERK, C.REPAIR, WORKSHOP_STEPS | {"quote"}, why="R4.10, R7.6–R7.8"),
    _grant(S.WAREHOUSE_CLERK, C.REPAIR, FAILED_INSPECTION, requires=("reason",), why="R7.7"),
    _grant(S.WAREHOUSE_CLERK, C.REPAIR, CONSENT_STEPS, requires=("channel",), why="R4.11"),
    _grant(S.WAREHOUSE_CLERK, C.RETURN, {"inspect", "close"}, why="R3.4, R3.5"),
)


class Hide(enum.StrEnum):
    """Parts of a case's record a role may not read (its JSON keeps the key, set to null)."""

    CONTACT = "contact"  # the customer's phone, address and location
    CUSTOMER = "customer"  # who the customer is at all
    TEXT = "text"  # the description, event notes, answers, the customer's media
    MEDIA = "media"  # photos and voice notes the customer sent


@dataclass(frozen=True)
class Sight:
    """A subject sees cases of a class (in `statuses`, None: all), without the `hidden` parts."""

    subject: Subject
    case_class: CaseClass
    statuses: frozenset[str] | None = None
    hidden: frozenset[Hide] = frozenset()
    own_only: bool = False  # the technician's own jobs, the customer's own cases
    why: str = ""


OUTLINE = frozenset({Hide.CUSTOMER, Hide.CONTACT, Hide.TEXT, Hide.MEDIA})
OFFICE = (S.RECEPTIONIST, S.REPAIR_MANAGER, S.SERVICE_DIRECTOR, S.ADMIN)  # after-sales + admin


def _sights() -> tuple[Sight, ...]:
    full_office = tuple(
        Sight(subject, case_class)
        for subject in (*OFFICE, S.VICE_PRESIDENT, S.HOTLINE_OFFICER)
        for case_class in (C.REPAIR, C.COMPLAINT, C.RETURN, C.INQUIRY, C.SUGGESTION)
    )
    staff_complaints = (
        # R9.4: the hotline and its supervisor read the whole complaint ...
        Sight(S.HOTLINE_OFFICER, C.STAFF_COMPLAINT, why="R9.4 owner"),
        Sight(S.VICE_PRESIDENT, C.STAFF_COMPLAINT, why="R9.4 supervisor"),
        # ... after-sales sees that one exists (number, status), never what it says.
        *(
            Sight(subject, C.STAFF_COMPLAINT, hidden=OUTLINE, why="R9.4 outline")
            for subject in OFFICE
        ),
    )
    departments = tuple(
        # R2.3: a department reads what is routed to it (never complaints about after-sales
        # staff, R9.4), and works it from its task list; the answer is the owner's (R8.7).
        Sight(S.DEPARTMENT_STAFF, case_class, why="R2.3 routed to departments")
        for case_class in (C.COMPLAINT, C.RETURN, C.INQUIRY)
    )
    field_and_goods = (
        Sight(S.TECHNICIAN, C.REPAIR, own_only=True, why="R6.5 own jobs"),
        Sight(S.CUSTOMER, C.REPAIR, own_only=True),
        Sight(S.CUSTOMER, C.COMPLAINT, own_only=True),
        Sight(S.CUSTOMER, C.STAFF_COMPLAINT, own_only=True),
        Sight(S.CUSTOMER, C.RETURN, own_only=True),
        Sight(S.CUSTOMER, C.INQUIRY, own_only=True),
        Sight(S.CUSTOMER, C.SUGGESTION, own_only=True),
        Sight(
            S.WAREHOUSE_CLERK,
            C.REPAIR,
            statuses=WORKSHOP_STATUSES,
            hidden=frozenset({Hide.CONTACT, Hide.MEDIA}),
            why="R4.10, R7.6 workshop",
        ),
        Sight(
            S.WAREHOUSE_CLERK,
            C.RETURN,
            hidden=frozenset({Hide.CONTACT, Hide.MEDIA}),
            why="R3.4 returns",
        ),
    )
    return full_office + staff_complaints + departments + field_and_goods


SIGHTS: tuple[Sight, ...] = _sights()

# Route-level duties that are not a step on one case (the API's and dashboard's coarse gates).
DUTIES: dict[str, frozenset[str]] = {
    # R2.2, R4.5: contacts are taken by the desk, the hotline and the managers.
    "intake": frozenset(
        {
            Role.RECEPTIONIST,
            Role.REPAIR_MANAGER,
            Role.SERVICE_DIRECTOR,
            Role.VICE_PRESIDENT,
            Role.HOTLINE_OFFICER,
        }
    ),
    # Staff accounts: create, role, department, password, deactivation, API tokens.
    "accounts": frozenset({Role.ADMIN}),
    # Issue 17: a case's place corrected, the district table's zones and centres edited.
    "places": frozenset(
        {Role.RECEPTIONIST, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN}
    ),
    # A customer's page (contact, cases, units, contracts): the desk, the managers, the hotline.
    "customers": frozenset(
        {
            Role.RECEPTIONIST,
            Role.REPAIR_MANAGER,
            Role.SERVICE_DIRECTOR,
            Role.VICE_PRESIDENT,
            Role.HOTLINE_OFFICER,
            Role.ADMIN,
        }
    ),
    "catalogue": frozenset({Role.ADMIN, Role.WAREHOUSE_CLERK, Role.REPAIR_MANAGER}),  # R5, R6.3
    "technicians": frozenset({Role.ADMIN, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR}),
    "technician_homes": frozenset({Role.ADMIN, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR}),
    "link_codes": frozenset({Role.ADMIN, Role.REPAIR_MANAGER}),
    "contracts": frozenset(
        {Role.ADMIN, Role.RECEPTIONIST, Role.SERVICE_DIRECTOR, Role.REPAIR_MANAGER}
    ),
    "contracts_read": frozenset(
        {
            Role.ADMIN,
            Role.RECEPTIONIST,
            Role.SERVICE_DIRECTOR,
            Role.REPAIR_MANAGER,
            Role.VICE_PRESIDENT,
        }
    ),
    # R8.2: a technician's evaluation is for the managers (and the technician: their own).
    "evaluations": frozenset(
        {Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.VICE_PRESIDENT, Role.ADMIN}
    ),
    "reports": frozenset(
        {Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.VICE_PRESIDENT, Role.ADMIN}
    ),
    # R9.6: key customers and their visits are the managers' (the service director sends).
    "key_customers": frozenset(
        {Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.VICE_PRESIDENT, Role.ADMIN}
    ),
    # R7.12: branches (a manager and technicians) are set up by the administrator and the
    # service director; each branch's manager signs its part of the daily report.
    "branches": frozenset({Role.ADMIN, Role.SERVICE_DIRECTOR}),
    # R4.11 the fee schedule is the admins' to publish; R7.5 accounting reads the payments.
    "fee_schedule": frozenset({Role.ADMIN}),
    "accounting": frozenset({Role.ADMIN, Role.SERVICE_DIRECTOR, Role.REPAIR_MANAGER}),
    "customer_calls": frozenset(  # R9.5 opinion calls, R9.7 mystery-customer checks
        {Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.VICE_PRESIDENT, Role.ADMIN}
    ),
    # R5.1, R5.3: the warehouse moves spare parts; dispatch and admins read every location
    # (a technician reads their own van: sees_stock_location).
    "stock": frozenset(
        {Role.WAREHOUSE_CLERK, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN}
    ),
    "stock_moves": frozenset({Role.WAREHOUSE_CLERK}),
    "reorder_points": frozenset({Role.WAREHOUSE_CLERK, Role.REPAIR_MANAGER, Role.ADMIN}),
    # R1.4: partner repair shops, their contracts, staff and dispute flag; their monthly
    # statement is accounting's.
    "partners": frozenset({Role.ADMIN, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR}),
    # R4.10, R7.6–R7.8: the workshop board, the goods in/out register, receipts and repair cards.
    "workshop": frozenset(
        {Role.WAREHOUSE_CLERK, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.ADMIN}
    ),
    # R5.4: loaner units are registered and taken back by the warehouse (and the admin).
    "loaners": frozenset({Role.WAREHOUSE_CLERK, Role.ADMIN}),
    # R6.1: a unit's repair history by serial number; a technician reads it for their own job's
    # unit (backend.workshop.history.sees_unit_history).
    "unit_history": frozenset(
        {
            Role.RECEPTIONIST,
            Role.REPAIR_MANAGER,
            Role.SERVICE_DIRECTOR,
            Role.VICE_PRESIDENT,
            Role.HOTLINE_OFFICER,
            Role.WAREHOUSE_CLERK,
            Role.ADMIN,
        }
    ),
    # R5.5–R5.7: tools and test equipment. The register is read by those who keep, dispatch and
    # pay for them (a technician reads their own tools); the warehouse registers them and keeps
    # the store's side of a handover; managers transfer them and report losses; the service
    # director decides compensation; finance approves purchases before purchasing buys.
    "tools": frozenset(
        {
            Role.WAREHOUSE_CLERK,
            Role.REPAIR_MANAGER,
            Role.SERVICE_DIRECTOR,
            Role.ADMIN,
            Role.FINANCE,
        }
    ),
    "tool_register": frozenset({Role.WAREHOUSE_CLERK, Role.ADMIN}),
    "tool_store": frozenset({Role.WAREHOUSE_CLERK}),
    "tool_transfers": frozenset({Role.WAREHOUSE_CLERK, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR}),
    "tool_incidents": frozenset(
        {Role.WAREHOUSE_CLERK, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.TECHNICIAN}
    ),
    "tool_compensation": frozenset({Role.SERVICE_DIRECTOR}),
    "purchase_requests": frozenset(
        {
            Role.WAREHOUSE_CLERK,
            Role.REPAIR_MANAGER,
            Role.SERVICE_DIRECTOR,
            Role.ADMIN,
            Role.FINANCE,
        }
    ),
    "purchase_request_raise": frozenset(
        {Role.WAREHOUSE_CLERK, Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR}
    ),
    "purchase_approval": frozenset({Role.FINANCE}),
    "purchasing": frozenset({Role.WAREHOUSE_CLERK}),
    # R4.2: admins record warranty promotions; the desk and the managers read them.
    "promotions": frozenset({Role.ADMIN}),
    "promotions_read": frozenset(
        {
            Role.ADMIN,
            Role.RECEPTIONIST,
            Role.REPAIR_MANAGER,
            Role.SERVICE_DIRECTOR,
            Role.VICE_PRESIDENT,
            Role.HOTLINE_OFFICER,
        }
    ),
    # R6.2–R6.5: manuals, parts lists and repair guides; each document's level says who reads
    # it (technical secrets stay with the managers); the catalogue's keepers upload them.
    "documents_upload": frozenset({Role.ADMIN, Role.REPAIR_MANAGER}),
    "documents_general": frozenset(set(Role) - {Role.FINANCE}),
    "documents_service": frozenset(
        {
            Role.TECHNICIAN,
            Role.REPAIR_MANAGER,
            Role.SERVICE_DIRECTOR,
            Role.WAREHOUSE_CLERK,
            Role.VICE_PRESIDENT,
            Role.ADMIN,
        }
    ),
    "documents_confidential": frozenset(
        {Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR, Role.VICE_PRESIDENT, Role.ADMIN}
    ),
}


def roles_for(duty: str) -> frozenset[str]:
    """The roles that hold a route-level duty (KeyError for a duty not in DUTIES)."""
    return DUTIES[duty]


@dataclass(frozen=True)
class Decision:
    """The answer to "may this actor take this step on this case?"."""

    verdict: Verdict
    message: str = ""
    requires: tuple[str, ...] = ()
    on_behalf_of: int | None = None  # the technician a manager acts for
    field_name: str | None = field(default=None)

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED

    @property
    def status(self) -> int:
        return {Verdict.ALLOWED: 200, Verdict.FORBIDDEN: 403, Verdict.HIDDEN: 404}[self.verdict]


def case_class(case: Case) -> CaseClass:
    if case.kind == CaseKind.COMPLAINT and case.department == HOTLINE_DEPARTMENT:
        return CaseClass.STAFF_COMPLAINT
    return CaseClass(case.kind)


def subject_of(actor: Actor) -> Subject | None:
    """The matrix's subject for an actor; None for the system (which answers to no matrix)."""
    if actor.kind == "customer":
        return Subject.CUSTOMER
    if actor.kind == "technician":
        return Subject.TECHNICIAN
    if actor.kind == "user" and actor.role in set(Subject):
        return Subject(actor.role)
    return None


def _owns(actor: Actor, subject: Subject, case: Case) -> bool:
    if subject is Subject.CUSTOMER:
        return actor.id is not None and case.customer_id == actor.id
    # A login not linked to a technician record owns nothing (finding 1: None != None).
    return actor.technician_id is not None and case.assigned_technician_id == actor.technician_id


def is_about(actor: Actor, case: Case) -> bool:
    """R2.4: the case is a complaint about this very person, who must never see it."""
    if actor.kind == "user" and actor.id is not None and case.about_staff_id == actor.id:
        return True
    return actor.technician_id is not None and case.about_technician_id == actor.technician_id


def _not_about(actor: Actor) -> ColumnElement[bool]:
    """The SQL of `not is_about(actor, case)`: lists never show a complaint about the reader."""
    clauses = []
    if actor.kind == "user" and actor.id is not None:
        clauses.append(or_(Case.about_staff_id.is_(None), Case.about_staff_id != actor.id))
    if actor.technician_id is not None:
        clauses.append(
            or_(
                Case.about_technician_id.is_(None),
                Case.about_technician_id != actor.technician_id,
            )
        )
    return and_(*clauses) if clauses else true()


def sight_for(actor: Actor, case: Case) -> Sight | None:
    """How `actor` sees `case`: None when not at all (404; R2.4 for the person complained of)."""
    subject = subject_of(actor)
    if subject is None:
        return None if actor.kind != "system" else Sight(Subject.ADMIN, case_class(case))
    if is_about(actor, case):
        return None
    kind = case_class(case)
    for sight in SIGHTS:
        if sight.subject is not subject or sight.case_class is not kind:
            continue
        if sight.statuses is not None and case.status not in sight.statuses:
            continue
        if sight.own_only and not _owns(actor, subject, case):
            continue
        return sight
    return None


def can(actor: Actor, action: str, case: Case) -> Decision:
    """May `actor` take `action` on `case`? (The case's status is the machine's to judge: 409.)"""
    if actor.kind == "system":
        return Decision(Verdict.ALLOWED)
    sight = sight_for(actor, case)
    if sight is None:
        return Decision(Verdict.HIDDEN, f"no case {case.number}", field_name="number")
    subject = subject_of(actor)
    kind = case_class(case)
    for grant in GRANTS:
        if grant.subject is not subject or grant.case_class is not kind:
            continue
        if action not in grant.actions:
            continue
        if grant.statuses is not None and case.status not in grant.statuses:
            return Decision(
                Verdict.FORBIDDEN,
                f"the {subject} may {action} a {kind} only while it is "
                f"{' or '.join(sorted(grant.statuses))}",
                field_name="action",
            )
        return Decision(
            Verdict.ALLOWED,
            requires=grant.requires,
            on_behalf_of=case.assigned_technician_id if grant.on_behalf else None,
        )
    return Decision(
        Verdict.FORBIDDEN, f"the {subject} cannot {action} a {kind} case", field_name="action"
    )


def permitted_actions(actor: Actor, case: Case, actions: list[str]) -> list[str]:
    """Of `actions` (those the status allows), the ones `actor` may take: the buttons offered."""
    return [action for action in actions if can(actor, action, case).allowed]


def case_filter_for(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause: the cases `actor` sees at all (lists and searches)."""
    subject = subject_of(actor)
    if subject is None:
        return true() if actor.kind == "system" else false()
    clauses = []
    for sight in SIGHTS:
        if sight.subject is not subject:
            continue
        conditions = [_class_clause(sight.case_class)]
        if sight.statuses is not None:
            conditions.append(Case.status.in_(sorted(sight.statuses)))
        if sight.own_only:
            if subject is Subject.CUSTOMER:
                owner = Case.customer_id == actor.id if actor.id is not None else false()
            elif actor.technician_id is None:
                owner = false()
            else:
                owner = Case.assigned_technician_id == actor.technician_id
            conditions.append(owner)
        clauses.append(and_(*conditions))
    return and_(or_(*clauses), _not_about(actor)) if clauses else false()


def _class_clause(kind: CaseClass) -> ColumnElement[bool]:
    hotline = Case.department == HOTLINE_DEPARTMENT
    if kind is CaseClass.STAFF_COMPLAINT:
        return and_(Case.kind == CaseKind.COMPLAINT, hotline)
    if kind is CaseClass.COMPLAINT:
        return and_(Case.kind == CaseKind.COMPLAINT, or_(Case.department.is_(None), ~hotline))
    return Case.kind == kind.value


def sees_technician(actor: Actor, technician_id: int) -> bool:
    """Technicians see only their own record (finding 3); other staff see every technician."""
    if actor.role == Role.TECHNICIAN or actor.kind == "technician":
        return actor.technician_id is not None and actor.technician_id == technician_id
    return actor.kind in ("user", "system")


def sees_stock_location(actor: Actor, location: str) -> bool:
    """Stock readers see every location; a technician sees only their own van."""
    if actor.role in DUTIES["stock"] or actor.kind == "system":
        return True
    own = actor.technician_id
    return own is not None and location == f"van:{own}"


def sees_technician_home(actor: Actor, technician_id: int) -> bool:
    """A technician's phone and home are for dispatch (and the technician); nobody else."""
    if actor.technician_id is not None and actor.technician_id == technician_id:
        return True
    return actor.role in DUTIES["technician_homes"]


def _cell(subject: Subject, kind: CaseClass) -> str:
    sights = [s for s in SIGHTS if s.subject is subject and s.case_class is kind]
    if not sights:
        return "—"
    sight = sights[0]
    seen = "own" if sight.own_only else "all"
    if sight.statuses is not None:
        seen = " / ".join(sorted(sight.statuses))
    if sight.hidden == OUTLINE:
        seen = "number and status only"
    elif sight.hidden:
        seen += " (no " + ", ".join(sorted(sight.hidden)) + ")"
    parts = [f"sees {seen}"]
    for grant in GRANTS:
        if grant.subject is not subject or grant.case_class is not kind:
            continue
        text = ", ".join(sorted(grant.actions))
        notes = []
        if grant.statuses is not None:
            notes.append("only " + " / ".join(sorted(grant.statuses)))
        notes.extend(f"needs `{name}`" for name in grant.requires)
        if grant.on_behalf:
            notes.append("on behalf of the technician")
        parts.append(text + (f" ({'; '.join(notes)})" if notes else ""))
    return "<br>".join(parts)


def matrix_markdown() -> str:
    """The matrix as the README prints it (tests/test_permission_matrix.py keeps them equal)."""
    classes = list(CaseClass)
    lines = [
        "| who | " + " | ".join(c.value.replace("_", " ") for c in classes) + " |",
        "|---|" + "---|" * len(classes),
    ]
    for subject in Subject:
        cells = " | ".join(_cell(subject, kind) for kind in classes)
        lines.append(f"| {subject.value} | {cells} |")
    lines.append("")
    lines.append("| duty (route level) | roles |")
    lines.append("|---|---|")
    for duty, roles in DUTIES.items():
        lines.append(f"| {duty} | {', '.join(sorted(roles))} |")
    return "\n".join(lines)
