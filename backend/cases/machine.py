"""The status machine of each case kind: its statuses, named sets of them, and which action moves
a case from which status to which.

Only `backend.cases.service.apply_transition` changes a case's status: it asks `next_status`
here, sets the status and records the move in the history (tests/test_status_machine.py keeps
it so). The values are the strings stored in the database and shown in the API; never change one.
"""

from __future__ import annotations

import enum

from backend.cases.models import CaseKind
from backend.errors import TransitionNotAllowed


class RepairStatus(enum.StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    IN_WORKSHOP = "in_workshop"  # R4.10, R7.6
    REPAIRED = "repaired"  # R7.7 repair card filled in
    INSPECTED = "inspected"  # R7.7 supervisor inspection passed
    RESOLVED = "resolved"  # waiting for the customer's signature (R7.4)
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ComplaintStatus(enum.StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"
    ANSWERED = "answered"
    CLOSED = "closed"


class ReturnStatus(enum.StrEnum):
    RECEIVED = "received"
    INSPECTED = "inspected"  # R3.5 the cause is established here
    DECIDED = "decided"  # R3.4 refund, exchange, repair or rejected; the departments' tasks
    CLOSED = "closed"
    CANCELLED = "cancelled"


class InquiryStatus(enum.StrEnum):
    RECEIVED = "received"
    ANSWERED = "answered"
    CLOSED = "closed"


class SuggestionStatus(enum.StrEnum):
    RECEIVED = "received"
    EVALUATED = "evaluated"  # accepted or rejected, with a note (R9.3)
    CLOSED = "closed"  # the reward decided and the customer told (R2.10, R9.3)


Status = RepairStatus | ComplaintStatus | ReturnStatus | InquiryStatus | SuggestionStatus

STATUSES: dict[str, type[Status]] = {
    CaseKind.REPAIR: RepairStatus,
    CaseKind.COMPLAINT: ComplaintStatus,
    CaseKind.RETURN: ReturnStatus,
    CaseKind.INQUIRY: InquiryStatus,
    CaseKind.SUGGESTION: SuggestionStatus,
}

INITIAL_STATUS: dict[str, Status] = {
    CaseKind.REPAIR: RepairStatus.NEW,
    CaseKind.COMPLAINT: ComplaintStatus.RECEIVED,
    CaseKind.RETURN: ReturnStatus.RECEIVED,
    CaseKind.INQUIRY: InquiryStatus.RECEIVED,
    CaseKind.SUGGESTION: SuggestionStatus.RECEIVED,
}

# Statuses of several kinds share a value ("closed" is closed whatever the kind), so a set of
# members answers `case.status in SET` for a status read back from the database as a plain str.
TERMINAL: frozenset[Status] = frozenset(
    {
        RepairStatus.CLOSED,
        RepairStatus.CANCELLED,
        ComplaintStatus.CLOSED,
        ReturnStatus.CLOSED,
        ReturnStatus.CANCELLED,
        InquiryStatus.CLOSED,
        SuggestionStatus.CLOSED,
    }
)
# Repair jobs whose technician has not arrived yet: the arrival deadline still runs (R7.14),
# the planner may still (re)order them, and the customer may still cancel.
NOT_ARRIVED: frozenset[RepairStatus] = frozenset(
    {RepairStatus.NEW, RepairStatus.ASSIGNED, RepairStatus.ACCEPTED, RepairStatus.EN_ROUTE}
)
# A technician holds the job and has not arrived: a late planned arrival re-plans the day.
AWAITING_ARRIVAL: frozenset[RepairStatus] = NOT_ARRIVED - {RepairStatus.NEW}
# Once a technician has accepted or set off, the job stays theirs in every re-plan.
COMMITTED: frozenset[RepairStatus] = frozenset({RepairStatus.ACCEPTED, RepairStatus.EN_ROUTE})
# A technician's job in hand: on their list in the chat (R6.5).
FIELD_JOB: frozenset[RepairStatus] = AWAITING_ARRIVAL | {RepairStatus.ON_SITE}
# Not finished in the field: at the day's end it is carried over to tomorrow (R7.13).
UNFINISHED_FIELD_JOB: frozenset[RepairStatus] = NOT_ARRIVED | {RepairStatus.ON_SITE}
OPEN_REPAIR: frozenset[RepairStatus] = frozenset(RepairStatus) - TERMINAL

SAME = "="  # an action that records something without moving the case

# action → {from status: to status}
TRANSITIONS: dict[str, dict[str, dict[str, str]]] = {
    CaseKind.REPAIR: {
        "assign": {
            RepairStatus.NEW: RepairStatus.ASSIGNED,
            RepairStatus.ASSIGNED: RepairStatus.ASSIGNED,
            RepairStatus.ACCEPTED: RepairStatus.ASSIGNED,
        },
        "accept": {RepairStatus.ASSIGNED: RepairStatus.ACCEPTED},
        "decline": {
            RepairStatus.ASSIGNED: RepairStatus.NEW,
            RepairStatus.ACCEPTED: RepairStatus.NEW,
        },
        "depart": {RepairStatus.ACCEPTED: RepairStatus.EN_ROUTE},
        "arrive": {
            RepairStatus.ACCEPTED: RepairStatus.ON_SITE,
            RepairStatus.EN_ROUTE: RepairStatus.ON_SITE,
        },
        "resolve": {RepairStatus.ON_SITE: RepairStatus.RESOLVED},
        "take_to_workshop": {RepairStatus.ON_SITE: RepairStatus.IN_WORKSHOP},  # R4.10, R7.6
        "finish_repair": {RepairStatus.IN_WORKSHOP: RepairStatus.REPAIRED},  # R7.7 repair card
        "inspect": {RepairStatus.REPAIRED: RepairStatus.INSPECTED},  # R7.7 supervisor inspection
        # R7.7: the inspection failed; back to repair with the reason (backend/workshop/)
        "fail_inspection": {RepairStatus.REPAIRED: RepairStatus.IN_WORKSHOP},
        "return_item": {RepairStatus.INSPECTED: RepairStatus.RESOLVED},
        # R4.11: the quote before chargeable work and the customer's answer (backend/cases/
        # quotes.py); a declined quote ends the visit, or the workshop job unrepaired.
        "quote": {RepairStatus.ON_SITE: SAME, RepairStatus.IN_WORKSHOP: SAME},
        "accept_quote": {RepairStatus.ON_SITE: SAME, RepairStatus.IN_WORKSHOP: SAME},
        "decline_quote": {
            RepairStatus.ON_SITE: RepairStatus.RESOLVED,
            RepairStatus.IN_WORKSHOP: RepairStatus.REPAIRED,
        },
        # R7.5: the fee collected or invoiced once the work is done, before the signature
        # (a signature on unpaid charges invoices them: backend/casework/actions._sign_off).
        "pay": {RepairStatus.RESOLVED: SAME},
        # R7.4 the customer signs the certificate
        "sign_off": {RepairStatus.RESOLVED: RepairStatus.CLOSED},
        "escalate": {status: SAME for status in OPEN_REPAIR},
        "cancel": {status: RepairStatus.CANCELLED for status in NOT_ARRIVED},
    },
    CaseKind.COMPLAINT: {
        "route": {
            ComplaintStatus.RECEIVED: ComplaintStatus.ROUTED,
            ComplaintStatus.ROUTED: ComplaintStatus.ROUTED,
        },
        "answer": {ComplaintStatus.ROUTED: ComplaintStatus.ANSWERED},
        "escalate": {
            s: SAME
            for s in (ComplaintStatus.RECEIVED, ComplaintStatus.ROUTED, ComplaintStatus.ANSWERED)
        },
        "close": {ComplaintStatus.ANSWERED: ComplaintStatus.CLOSED},
        # R2.9: the customer comes back on the answer; a formal case follows. (A closed case
        # stays closed: a new complaint about the same model or person joins its group.)
        "reopen": {ComplaintStatus.ANSWERED: ComplaintStatus.ROUTED},
    },
    CaseKind.RETURN: {
        "inspect": {ReturnStatus.RECEIVED: ReturnStatus.INSPECTED},  # R3.5 the cause is found
        "decide": {ReturnStatus.INSPECTED: ReturnStatus.DECIDED},  # R3.3, R3.4
        "close": {ReturnStatus.DECIDED: ReturnStatus.CLOSED},
        "escalate": {
            s: SAME for s in (ReturnStatus.RECEIVED, ReturnStatus.INSPECTED, ReturnStatus.DECIDED)
        },
        "cancel": {ReturnStatus.RECEIVED: ReturnStatus.CANCELLED},
    },
    CaseKind.INQUIRY: {
        "answer": {InquiryStatus.RECEIVED: InquiryStatus.ANSWERED},
        "close": {
            InquiryStatus.ANSWERED: InquiryStatus.CLOSED,
            InquiryStatus.RECEIVED: InquiryStatus.CLOSED,
        },
        "escalate": {s: SAME for s in (InquiryStatus.RECEIVED, InquiryStatus.ANSWERED)},
    },
    CaseKind.SUGGESTION: {
        # R9.3: staff judge the suggestion (accepted or rejected, with a note) ...
        "evaluate": {
            SuggestionStatus.RECEIVED: SuggestionStatus.EVALUATED,
            SuggestionStatus.EVALUATED: SuggestionStatus.EVALUATED,
        },
        # ... then decide the reward (an amount, 0 for none) and the customer is told (R2.10).
        "reward": {SuggestionStatus.EVALUATED: SuggestionStatus.CLOSED},
        # Spam or a duplicate: closed without a word to anyone.
        "close": {SuggestionStatus.RECEIVED: SuggestionStatus.CLOSED},
    },
}

# Moves the system makes on its own (duties); never offered to anyone as an action.
SYSTEM_TRANSITIONS: dict[str, dict[str, dict[str, str]]] = {
    CaseKind.REPAIR: {
        # not accepted in time: the job goes to someone else
        "acceptance_timeout": {RepairStatus.ASSIGNED: RepairStatus.NEW},
        # R1.4: the partner holding it was flagged in dispute before arriving: it goes on
        "partner_dispute": {
            RepairStatus.ASSIGNED: RepairStatus.NEW,
            RepairStatus.ACCEPTED: RepairStatus.NEW,
            RepairStatus.EN_ROUTE: RepairStatus.NEW,
        },
    },
    CaseKind.COMPLAINT: {},
    CaseKind.RETURN: {},
    CaseKind.INQUIRY: {},
    CaseKind.SUGGESTION: {},
}

ALL_ACTIONS = sorted({action for table in TRANSITIONS.values() for action in table})
ALL_STATUSES: frozenset[str] = frozenset(
    status for statuses in STATUSES.values() for status in statuses
)


def allowed_actions(kind: str, status: str) -> list[str]:
    return [action for action, moves in TRANSITIONS[kind].items() if status in moves]


def next_status(kind: str, status: str, action: str, *, by_system: bool = False) -> Status:
    """The status after `action`, or TransitionNotAllowed naming what is allowed.

    `by_system` also allows the moves only the system makes (SYSTEM_TRANSITIONS)."""
    moves = TRANSITIONS[kind].get(action)
    if moves is None and by_system:
        moves = SYSTEM_TRANSITIONS[kind].get(action)
    if moves is None or status not in moves:
        raise TransitionNotAllowed(action, status, allowed_actions(kind, status))
    target = moves[status]
    return STATUSES[kind](status if target == SAME else target)


def is_open(status: str) -> bool:
    return status not in TERMINAL
