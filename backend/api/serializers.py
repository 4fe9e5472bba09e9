"""Models → the JSON shapes of the contract."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend.api.case_relations import CaseRelations, relations_of
from backend.cases.machine import allowed_actions
from backend.cases.models import Case
from backend.cases.permissions import Hide
from backend.catalog.models import Contract, Product
from backend.dispatch.travel import locate
from backend.inbox.media import media_json
from backend.people.models import Technician
from backend.places.flows import precision_of
from backend.returns.flows import cause_person
from backend.suggestions.service import suggestion_json
from backend.workshop.present import case_workshop_json


def iso(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat() if moment is not None else None


def case_json(
    session: Session,
    case: Case,
    tz: ZoneInfo,
    hidden: frozenset[Hide] = frozenset(),
    relations: CaseRelations | None = None,
) -> dict[str, Any]:
    """The case as the contract shows it, without the parts its reader may not see (`hidden`,
    from backend.cases.access.hidden_parts: the keys stay, their values are null). A list passes
    the `relations` of its whole page (`relations_of`); one case reads its own."""
    if relations is None:
        relations = relations_of(session, [case])
    data = _case_record(case, tz, relations)
    if Hide.CONTACT in hidden:
        data["customer"] |= {"phone": None, "address": None}
        data["reported_as"] = None
        data["location"] = None
    if Hide.CUSTOMER in hidden:
        data["customer"] = None
        data["reported_as"] = None
        data["location"] = None
        data["survey"] = None
    if Hide.TEXT in hidden:
        data["description"] = None
        data["product"] = None
        data["charges"] = None
        data["about"] = None  # R2.4, R9.4: whom an outline reader must not learn either
        data["dealer"] = None
        data["quote"] = None
        data["payment"] = None
        for event in data["events"]:
            event["note"] = None
    if Hide.MEDIA in hidden or Hide.TEXT in hidden:
        data["media"] = []
    # R9.3: the evaluation and the reward of a suggestion (null for other kinds).
    data["suggestion"] = suggestion_json(
        case, relations.suggestions.get(case.id), tz, hide_text=Hide.TEXT in hidden
    )
    data["redacted"] = sorted(hidden)
    return data


def location_json(case: Case) -> dict[str, Any]:
    """Where the case is planned: its coordinates and how precise they are (exact, the
    district's centre, the zone's centre)."""
    place = locate(case.lat, case.lon, case.address, case.zone)
    return {"lat": place.lat, "lon": place.lon, "precision": precision_of(case)}


def _case_record(case: Case, tz: ZoneInfo, relations: CaseRelations) -> dict[str, Any]:
    survey = relations.surveys.get(case.id)
    technician = case.assigned_technician
    unit = case.unit
    return {
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "channel": case.channel,
        "service_category": case.service_category,
        "customer": {
            "name": case.customer.name,
            "phone": case.customer.phone,
            "address": case.address,
            "zone": case.zone,
        },
        "product": None
        if case.product is None
        else {
            "model": case.product.model,
            "name": case.product.name,
            "product_line": case.product.product_line,
            "serial_number": unit.serial_number if unit else None,
            "purchased_on": unit.purchased_on.isoformat() if unit and unit.purchased_on else None,
        },
        "description": case.description,
        "location": location_json(case),  # issue 17: where the visit is planned, how precisely
        # Finding 5: made with a typed phone number; `reported_as` is what was typed.
        "identity_verified": case.identity_verified,
        "reported_as": case.reported_as,
        "reported_at": iso(case.reported_at, tz),
        "sla_due_at": iso(case.sla_due_at, tz),
        "assigned_technician": None
        if technician is None
        else {"id": technician.id, "name": technician.name},
        "planned_arrival_at": iso(case.planned_arrival_at, tz),
        "arrived_at": iso(case.arrived_at, tz),
        "resolved_at": iso(case.resolved_at, tz),
        "closed_at": iso(case.closed_at, tz),
        "topic": case.topic,
        "severity": case.severity,
        "department": case.department,
        "accountable": case.accountable_role,
        # Complaints: the answer's deadline and the answer (R2.10), the person or dealer it is
        # about (R2.4, R2.8), its formal case or, on a formal case, its group (R2.9).
        "reply_due_at": iso(case.reply_due_at, tz),
        "answered_at": iso(case.answered_at, tz),
        "answered_by": case.answered_by,
        "satisfied": case.satisfied,
        "about": None
        if case.about_technician_id is None and case.about_staff_id is None
        else {"technician_id": case.about_technician_id, "staff_id": case.about_staff_id},
        "dealer": case.dealer,
        # R2.9: the number of the formal case a complaint is linked to
        "formal_case": relations.formal_numbers.get(case.id),
        "formal_key": case.formal_key,
        "priority": case.priority,
        "escalated_to": case.escalated_to,
        "carried_over": case.carried_over,
        # R3.5, R2.11: the cause of a return, attributed to a department and optionally a person.
        "cause_department": case.cause_department,
        "cause_person": cause_person(case),
        "return_decision": None
        if case.return_decision is None
        else {"decision": case.return_decision, "rule": case.return_rule},
        "survey": None
        if survey is None
        else {"status": survey.status, "ratings": survey.ratings(), "comment": survey.comment},
        "charges": case.charges,
        "quote": quote_json(case.quote, tz),
        "payment": _with_local_times(case.payment, ("paid_at",), tz),
        "pre_assessment": case.pre_assessment,  # R4.6: likely parts and on-site minutes
        # R4.10, R5.4: the workshop job's goods receipt, promised return date and loaner
        "workshop": case_workshop_json(
            relations.receipts.get(case.id), relations.loans.get(case.id), tz
        )
        if case.kind == "repair"
        else None,
        # photos sent by Telegram, served by /media/{n}
        "media": media_json(case, relations.media.get(case.id, [])),
        "allowed_actions": allowed_actions(case.kind, case.status),
        "events": [
            {
                "at": iso(event.at, tz),
                "actor": event.actor,
                "channel": event.channel,
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "note": event.note,
            }
            for event in case.events
        ],
    }


def quote_json(quote: dict[str, Any] | None, tz: ZoneInfo) -> dict[str, Any] | None:
    """The case's quote (contract: items, total, status, decided_at, channel), times local."""
    if quote is None:
        return None
    shown = {
        key: quote.get(key)
        for key in ("items", "total", "status", "decided_at", "channel", "schedule_version")
    }
    return _with_local_times(shown, ("decided_at",), tz)


def _with_local_times(
    record: dict[str, Any] | None, keys: tuple[str, ...], tz: ZoneInfo
) -> dict[str, Any] | None:
    if record is None:
        return None
    shown = dict(record)
    for key in keys:
        if shown.get(key):
            shown[key] = datetime.fromisoformat(shown[key]).astimezone(tz).isoformat()
    return shown


def product_json(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "model": product.model,
        "name": product.name,
        "product_line": product.product_line,
        "warranty_months": product.warranty_months,
        "parts": [
            {
                "code": p.code,
                "name": p.name,
                "warranty_months": p.warranty_months,
                "price": p.price,
                "abc_class": p.abc_class,  # R5.2; null until the first monthly classing
            }
            for p in product.parts
        ],
    }


def technician_json(technician: Technician, *, with_contact: bool = True) -> dict[str, Any]:
    """A technician; without `with_contact` their phone and home are null (dispatch's only)."""
    data = _technician_record(technician)
    if not with_contact:
        data["phone"] = None
        data["home"] = None
    return data


def _technician_record(technician: Technician) -> dict[str, Any]:
    return {
        "id": technician.id,
        "name": technician.name,
        "phone": technician.phone,
        "zone": technician.zone,
        "active": technician.active,
        "telegram_linked": technician.telegram_chat_id is not None,
        "language": technician.language,  # what the bot speaks to them (set with /language)
        "home": None
        if technician.home_lat is None
        else {"lat": technician.home_lat, "lon": technician.home_lon},
        "working_days": [day + 1 for day in technician.working_days],
        "partner_id": technician.partner_id,  # R1.4: a partner shop's staff; null for ours
        "certifications": [
            {"product_line": c.product_line, "valid_until": c.valid_until.isoformat()}
            for c in technician.certifications
        ],
    }


def contract_json(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "customer": {"name": contract.customer.name, "phone": contract.customer.phone},
        "product": {
            "model": contract.unit.product.model,
            "serial_number": contract.unit.serial_number,
        },
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
        "expiry_notice_sent": contract.expiry_notice_sent_at is not None,
    }
