"""Suggestions: registered with their source, evaluated, rewarded, and the customer told (R9.3).

Keyword-only functions taking a session; the case steps (`evaluate`, `reward`) call them from
backend/casework/actions.py, so the permission matrix and the case machine decide first.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.bounds import check_amount
from backend.cases.models import Case
from backend.errors import ValidationError
from backend.i18n import message, translate
from backend.outbox.models import OutboxChannel
from backend.outbox.service import enqueue, message_customer
from backend.people.models import Customer
from backend.phones import can_receive_sms
from backend.suggestions.models import DECISIONS, Decision, Suggestion
from backend.tasks.service import alert

logger = logging.getLogger(__name__)

# A suggestion may come without any contact (the public form, R9.8): its case belongs to this
# one customer record, which no message ever reaches (it has no chat and no dialable number).
ANONYMOUS_PHONE = "anonymous"
MAX_NOTE = 2000
MAX_PLACE = 100


def anonymous_customer(session: Session) -> Customer:
    """The customer of suggestions left without a contact (created the first time)."""
    customer = session.scalar(select(Customer).where(Customer.phone == ANONYMOUS_PHONE))
    if customer is None:
        customer = Customer(name="Anonymous", phone=ANONYMOUS_PHONE)
        session.add(customer)
        session.flush()
    return customer


def suggestion_of(session: Session, case: Case) -> Suggestion | None:
    return session.scalar(select(Suggestion).where(Suggestion.case_id == case.id))


def record_suggestion(
    session: Session,
    case: Case,
    *,
    place: str | None,
    contact_left: bool,
    language: str | None,
    now: datetime,
) -> Suggestion:
    """The suggestion's own row at intake; the service director is given a task (R2.10)."""
    suggestion = Suggestion(
        case_id=case.id,
        language=language,
        place=(place or "").strip()[:MAX_PLACE] or None,
        contact_left=contact_left and case.customer.phone != ANONYMOUS_PHONE,
    )
    session.add(suggestion)
    alert(
        session,
        kind="suggestion",
        role="service_director",
        title=message("Suggestion {number}: evaluate it and decide the reward", number=case.number),
        case=case,
        detail=case.description[:300],
        dedupe_key=f"suggestion:{case.number}",
        now=now,
    )
    return suggestion


def _own(session: Session, case: Case) -> Suggestion:
    suggestion = suggestion_of(session, case)
    if suggestion is None:  # a suggestion case made before this table, or by hand
        suggestion = Suggestion(
            case_id=case.id, contact_left=case.customer.phone != ANONYMOUS_PHONE
        )
        session.add(suggestion)
    return suggestion


def evaluate(
    session: Session, case: Case, *, body: dict[str, Any], actor_label: str, now: datetime
) -> dict[str, Any]:
    """R9.3: accepted or rejected, with a note saying why."""
    decision = body.get("decision")
    if decision not in DECISIONS:
        raise ValidationError("decision must be accepted or rejected", field="decision")
    note = body.get("note")
    if not isinstance(note, str) or not note.strip():
        raise ValidationError("the evaluation needs a note", field="note")
    suggestion = _own(session, case)
    suggestion.decision = decision
    suggestion.evaluation_note = note.strip()[:MAX_NOTE]
    suggestion.evaluated_at, suggestion.evaluated_by = now, actor_label
    return {"decision": decision}


def decide_reward(
    session: Session,
    case: Case,
    *,
    body: dict[str, Any],
    actor_label: str,
    max_amount: int,
    now: datetime,
) -> dict[str, Any]:
    """R9.3: the reward (0 for none) is recorded and the customer is told the outcome (R2.10)."""
    amount = body.get("reward_amount")
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError(
            "reward_amount is a whole amount (0: no reward)", field="reward_amount"
        )
    check_amount(amount, maximum=max_amount, field="reward_amount")
    suggestion = _own(session, case)
    if suggestion.decision == Decision.REJECTED and amount > 0:
        raise ValidationError("a rejected suggestion gets no reward", field="reward_amount")
    suggestion.reward_amount = amount
    suggestion.reward_decided_at, suggestion.reward_decided_by = now, actor_label
    case.closed_at = now
    told = suggestion.contact_left and _tell_customer(session, case, suggestion, now)
    return {"reward_amount": amount, "customer_told": bool(told)}


def outcome_text(suggestion: Suggestion, number: str, language: str | None) -> str:
    """What the customer reads: accepted (with the reward, if any) or not, and the note."""
    if suggestion.decision == Decision.ACCEPTED and (suggestion.reward_amount or 0) > 0:
        head = translate(
            language,
            "Thank you: your suggestion {number} has been adopted, and we would like to "
            "reward it with {amount} KRW. We will contact you about it.",
            number=number,
            amount=f"{suggestion.reward_amount:,}",
        )
    elif suggestion.decision == Decision.ACCEPTED:
        head = translate(
            language, "Thank you: your suggestion {number} has been adopted.", number=number
        )
    else:
        head = translate(
            language,
            "Thank you for your suggestion {number}. We will not adopt it this time.",
            number=number,
        )
    note = (suggestion.evaluation_note or "").strip()
    return f"{head}\n{note}" if note else head


def _tell_customer(session: Session, case: Case, suggestion: Suggestion, now: datetime) -> bool:
    """In the customer's channel (Telegram, else SMS) through the outbox."""
    typed = case.reported_as or {}
    language = case.customer.language if case.identity_verified else suggestion.language
    text = outcome_text(suggestion, case.number, language)
    key = f"suggestion-outcome:{case.number}"
    if not case.identity_verified and typed.get("chat") is None and typed.get("phone"):
        # A number typed on the public form (R9.8) proves nothing, so the stored customer is
        # left alone (finding 5); but the outcome of the suggestion itself goes back to that
        # number by SMS: it says nothing about anyone else's cases.
        phone = str(typed["phone"])
        if not can_receive_sms(phone):
            return False
        sms = enqueue(
            session,
            channel=OutboxChannel.SMS,
            recipient=phone,
            payload={"body": text},
            case=case,
            purpose="suggestion_outcome",
            dedupe_key=key,
            now=now,
        )
        return sms is not None
    message = message_customer(
        session,
        case.customer,
        text,
        case=case,
        purpose="suggestion_outcome",
        dedupe_key=key,
        now=now,
    )
    return message is not None


def suggestion_json(
    case: Case, suggestion: Suggestion | None, tz: ZoneInfo, *, hide_text: bool
) -> dict[str, Any] | None:
    """The `suggestion` part of a suggestion case's JSON (None for other kinds)."""
    if case.kind != "suggestion" or suggestion is None:
        return None

    def iso(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment else None

    return {
        "place": suggestion.place,
        "contact_left": suggestion.contact_left,
        "decision": suggestion.decision,
        "evaluation_note": None if hide_text else suggestion.evaluation_note,
        "evaluated_at": iso(suggestion.evaluated_at),
        "reward_amount": suggestion.reward_amount,
        "reward_decided_at": iso(suggestion.reward_decided_at),
    }
