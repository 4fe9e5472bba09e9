"""Korean by default, English on request: Flask-Babel picks the locale, the .po files speak.

Flask-Babel chooses the locale (the signed-in user's `language`, else the visitor's choice kept in
the session, else Korean) and formats money. The words come from `backend.i18n.translate`, which
reads the `.po` files directly: nothing to compile, nothing written at start-up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask, g, has_request_context, session
from flask_babel import Babel, format_decimal
from flask_babel import get_locale as babel_locale

from backend.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    code_words,
    normalize_language,
    translate,
)
from backend.people.models import Technician
from backend.web import db_session, settings

# Codes stored in the database → English labels (the message ids of dashboard.po).
LABELS: dict[str, str] = {
    # statuses
    "new": "New",
    "assigned": "Assigned",
    "accepted": "Accepted",
    "en_route": "En route",
    "on_site": "On site",
    "in_workshop": "In workshop",
    "repaired": "Repaired",
    "inspected": "Inspected",
    "decided": "Decided",  # a return's decision is made (R3.3)
    "resolved": "Resolved",
    "closed": "Closed",
    "cancelled": "Cancelled",
    "received": "Received",
    "routed": "Routed",
    "answered": "Answered",
    # kinds
    "repair": "Repair",
    "complaint": "Complaint",
    "return": "Return",
    "inquiry": "Inquiry",
    "suggestion": "Suggestion",
    # suggestions (R9.3)
    "evaluated": "Evaluated",
    "evaluate": "Evaluate",
    "reward": "Decide the reward",
    "rejected": "Rejected",
    # channels
    "phone": "Phone",
    "telegram": "Telegram",
    "email": "E-mail",
    "letter": "Letter",
    "visit": "Visit",
    "web": "Web",
    # actions
    "intake": "Intake",
    "assign": "Assign",
    "accept": "Accept",
    "decline": "Decline",
    "depart": "Depart",
    "arrive": "Arrive",
    "resolve": "Resolve",
    "take_to_workshop": "Take to workshop",
    "finish_repair": "Finish repair",
    "inspect": "Inspect",
    "fail_inspection": "Fail inspection",
    "return_item": "Return item",
    "sign_off": "Sign off",
    "escalate": "Escalate",
    "cancel": "Cancel",
    "route": "Route",
    "answer": "Answer",
    "close": "Close",
    "unassignable": "No technician available",
    "message": "Message",
    "customer_message": "Customer message",
    "sla_warning": "SLA warning",
    "sla_breach": "SLA breach",
    "roll_over": "Carried over",
    # roles
    "receptionist": "Receptionist",
    "repair_manager": "Repair manager",
    "service_director": "Service director",
    "vice_president": "Vice-president",
    "hotline_officer": "Complaint hotline officer",
    "warehouse_clerk": "Warehouse clerk",
    "technician": "Technician",
    "admin": "Administrator",
    # zones, priorities, severities
    "city": "City",
    "suburb": "Suburb",
    "normal": "Normal",
    "high": "High",
    "urgent": "Urgent",
    "serious": "Serious",
    "major": "Major",
    # complaint topics and departments
    "product_quality": "Product quality",
    "packaging": "Packaging",
    "staff_attitude": "Staff attitude",
    "dealer": "Dealer",
    "other": "Other",
    "rnd_production": "R&D, design and production",
    "warehouse_transport": "Warehouse and transport",
    "marketing": "Marketing",
    "dealer_relations": "Dealer relations",
    "complaint_hotline": "Independent complaint hotline",
    "service": "After-sales service",
    # service categories (R7.2)
    "A": "A paid",
    "B": "B contract",
    "C": "C free",
    "D": "D internal",
    # task kinds and survey states
    "callback": "Callback",
    "follow_up": "Follow-up",
    "renewal": "Contract renewal",
    "unassigned": "Unassigned job",
    "escalation": "Escalation",
    "delivery_failures": "Delivery failures",
    "tool_compensation": "Tool compensation",
    "tool_purchase": "Tool purchase",
    # places (issue 17, places.po)
    "unplaced_address": "Address not placed",
    "relocate": "Place corrected",
    # complaints (issue 10): department tasks, chases, formal cases (complaints.po)
    "complaint_about_person": "Complaint about your staff",
    "reply_reminder": "Answer due soon",
    "reply_overdue": "Answer overdue",
    "formal_case": "Formal case",
    "answer_call": "Call with the answer",
    "department": "Department",
    "department_staff": "Department staff",
    "reopen": "Reopen",
    "pending": "Pending",
    "in_progress": "In progress",
    "partial": "Partly answered",
    "unreachable": "Unreachable",
    "open": "Open",
    "done": "Done",
    # the four ratings (R8.4)
    "attitude": "Attitude",
    "skill": "Skill",
    "arrival_time": "Arrival time",
    "promise": "Keeping promises",
    # calls a manager asks for (R9.5, R9.7)
    "opinion": "Opinion call",
    "mystery_check": "Mystery-customer check",
    # what a customer sent (media kinds)
    "photo": "Photo",
    "voice": "Voice note",
    # a return's decision (R3.3), its departments (R3.4), the person a cause is attributed to
    "decide": "Decide",
    "refund": "Refund",
    "exchange": "Exchange",
    "finance": "Finance",
    "staff_user": "Staff",
    "key_customer_visit": "Key-customer visit",
    # product lines
    "air_conditioner": "Air conditioner",
    "washing_machine": "Washing machine",
    "water_purifier": "Water purifier",
    "refrigerator": "Refrigerator",
    # list sorts
    "sort_newest": "Newest first",
    "sort_deadline": "Soonest deadline",
    "sort_priority": "Most urgent",
    "sort_age": "Oldest first",
    # calls
    "inbound": "Inbound",
    "outbound": "Outbound",
    "survey": "Rating call",
    "contract_expiry": "Contract expiry",
    "proactive": "Opinion call",
    "busy": "Busy",
    "machine": "Answering machine",
    "hung_up": "Hung up",
    "no_answers": "No answers",
    "no-answer": "No answer",
    "failed": "Failed",
    "completed": "Completed",
    "queued": "Queued",
    "canceled": "Canceled",
    # stock locations and who moved stock
    "central": "Central warehouse",
    "workshop": "Workshop",
    "system": "System",
    # dispatch steps
    "acceptance_timeout": "Not accepted in time",
    # history entries and tasks
    "note": "Internal note",
    "sla_warn": "SLA warning",
}


def current_language() -> str:
    """The language of this request: the user's, else the session's choice, else Korean."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    user = g.get("staff_user")
    if user is not None:
        return normalize_language(user.language)
    return normalize_language(session.get("language"))


def gettext(message: str, **values: Any) -> str:
    """`_()` in templates and views: the message in the request's language."""
    return translate(str(babel_locale() or current_language()), message, **values)


def label(code: Any) -> str:
    """A stored code (status, role, department …) in words."""
    if code is None or code == "":
        return "–"
    text = str(code)
    if text in LABELS:
        return gettext(LABELS[text])
    # A code no one labelled yet (a new product line): words, not snake_case, on screen.
    return gettext(code_words(text))


def money(amount: Any) -> str:
    if amount is None:
        return "–"
    return f"{format_decimal(amount, format='#,##0')} " + gettext("KRW")


def moment(value: datetime | None) -> str:
    """A moment in the business time zone, minutes precision."""
    if value is None:
        return "–"
    return value.astimezone(settings().tz).strftime("%Y-%m-%d %H:%M")


def duration(value: timedelta | None) -> str:
    """Working time left, as hours and minutes."""
    if value is None:
        return "–"
    minutes = int(value.total_seconds() // 60)
    return gettext("{hours}h {minutes}m", hours=minutes // 60, minutes=minutes % 60)


def place(location: str | None) -> str:
    """A stock location in words: the central warehouse, the workshop, a technician's van."""
    if not location:
        return "–"
    kind, _, rest = location.partition(":")
    if kind == "van" and rest.isdigit():
        technician = db_session().get(Technician, int(rest))
        return gettext("Van {technician}", technician=technician.name if technician else rest)
    return label(location)


def percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio * 100:.1f}%"


def init_app(app: Flask) -> None:
    """Flask-Babel with our locale selector; `_`, `label`, `money` … in every dashboard template."""
    if "babel" not in app.extensions:
        Babel(
            app,
            locale_selector=current_language,
            default_locale=DEFAULT_LANGUAGE,
            configure_jinja=False,
        )
    app.jinja_env.globals.update(
        _=gettext,
        label=label,
        money=money,
        moment=moment,
        duration=duration,
        percent=percent,
        place=place,
        LANGUAGES=LANGUAGES,
    )
