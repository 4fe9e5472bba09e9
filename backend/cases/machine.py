"""The status machine of each case kind: which action moves a case from which status to which."""

from __future__ import annotations

from backend.cases.models import CaseKind
from backend.errors import TransitionNotAllowed

SAME = "="  # an action that records something without moving the case

OPEN_REPAIR = (
    "new",
    "assigned",
    "accepted",
    "en_route",
    "on_site",
    "in_workshop",
    "repaired",
    "inspected",
    "resolved",
)

# action → {from status: to status}
TRANSITIONS: dict[str, dict[str, dict[str, str]]] = {
    CaseKind.REPAIR: {
        "assign": {"new": "assigned", "assigned": "assigned", "accepted": "assigned"},
        "accept": {"assigned": "accepted"},
        "decline": {"assigned": "new", "accepted": "new"},
        "depart": {"accepted": "en_route"},
        "arrive": {"accepted": "on_site", "en_route": "on_site"},
        "resolve": {"on_site": "resolved"},
        "take_to_workshop": {"on_site": "in_workshop"},  # R4.10, R7.6
        "finish_repair": {"in_workshop": "repaired"},  # R7.7 repair card
        "inspect": {"repaired": "inspected"},  # R7.7 supervisor inspection
        "return_item": {"inspected": "resolved"},
        "sign_off": {"resolved": "closed"},  # R7.4 the customer signs the certificate
        "escalate": {status: SAME for status in OPEN_REPAIR},
        "cancel": {s: "cancelled" for s in ("new", "assigned", "accepted", "en_route")},
    },
    CaseKind.COMPLAINT: {
        "route": {"received": "routed", "routed": "routed"},
        "answer": {"routed": "answered"},
        "escalate": {s: SAME for s in ("received", "routed", "answered")},
        "close": {"answered": "closed"},
    },
    CaseKind.RETURN: {
        "inspect": {"received": "inspected"},  # R3.5 the cause is established here
        "close": {"inspected": "closed"},
        "escalate": {s: SAME for s in ("received", "inspected")},
        "cancel": {"received": "cancelled"},
    },
    CaseKind.INQUIRY: {
        "answer": {"received": "answered"},
        "close": {"answered": "closed", "received": "closed"},
        "escalate": {s: SAME for s in ("received", "answered")},
    },
}

INITIAL_STATUS = {
    CaseKind.REPAIR: "new",
    CaseKind.COMPLAINT: "received",
    CaseKind.RETURN: "received",
    CaseKind.INQUIRY: "received",
}

TERMINAL = frozenset({"closed", "cancelled"})

ALL_ACTIONS = sorted({action for table in TRANSITIONS.values() for action in table})
ALL_STATUSES = (
    frozenset(
        status
        for table in TRANSITIONS.values()
        for moves in table.values()
        for status in (*moves.keys(), *moves.values())
        if status != SAME
    )
    | TERMINAL
)


def allowed_actions(kind: str, status: str) -> list[str]:
    return [action for action, moves in TRANSITIONS[kind].items() if status in moves]


def next_status(kind: str, status: str, action: str) -> str:
    """The status after `action`, or TransitionNotAllowed naming what is allowed."""
    moves = TRANSITIONS[kind].get(action, {})
    if status not in moves:
        raise TransitionNotAllowed(action, status, allowed_actions(kind, status))
    target = moves[status]
    return status if target == SAME else target


def is_open(status: str) -> bool:
    return status not in TERMINAL
