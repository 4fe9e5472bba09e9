"""Registering a contact as a case (R2.3, R4.5, R7.3).

Every channel calls `backend.casework.flows.intake_case`, which registers the case here and
then dispatches a repair at once; this module does not import backend.dispatch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.bounds import check_purchase_date
from backend.calendar import calendar_for
from backend.cases.machine import INITIAL_STATUS
from backend.cases.models import Case, CaseKind, Channel
from backend.cases.notices import intake_confirmation
from backend.cases.service import apply_transition, next_case_number, record_event
from backend.cases.warranty import FeeSchedule, category_at_intake
from backend.catalog.fees import current_schedule
from backend.catalog.models import Product, Unit
from backend.catalog.promotions import promotions_for
from backend.catalog.service import get_product_by_model, register_unit
from backend.complaints.departments import is_after_sales
from backend.complaints.flows import complaint_routed, contact_registered
from backend.complaints.routing import Severity, Topic, route_complaint
from backend.errors import ValidationError
from backend.i18n import message
from backend.outbox.service import message_customer
from backend.people.models import Customer, StaffUser, Technician, Zone
from backend.people.service import get_customer_by_phone, upsert_customer
from backend.phones import normalize_phone
from backend.places.service import propose_zone
from backend.returns.policy import check_return_window, window_days
from backend.settings import Settings
from backend.suggestions.service import anonymous_customer, record_suggestion
from backend.tasks.service import alert

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 5000
EARLIEST_REPORT_YEAR = 2000  # also keeps the calendar away from year 1 (no UTC offset fits)


@dataclass(frozen=True)
class CustomerInput:
    name: str
    phone: str
    address: str | None = None
    zone: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ProductInput:
    model: str
    serial_number: str | None = None
    purchased_on: date | None = None


@dataclass(frozen=True)
class IntakeRequest:
    kind: str
    channel: str
    customer: CustomerInput
    description: str
    product: ProductInput | None = None
    reported_at: datetime | None = None
    topic: str | None = None
    severity: str | None = None
    about_after_sales: bool = False
    # R2.4: the technician or staff member a complaint is about; R2.8: the dealer.
    about_technician_id: int | None = None
    about_staff_id: int | None = None
    dealer: str | None = None
    lat: float | None = None
    lon: float | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    telegram_chat_id: int | None = None
    # The Telegram chat in which the intake dialogue's closing message names the case: no
    # separate confirmation to that chat (the customer would read the same news twice).
    confirmed_in_chat: int | None = None
    # The customer's dialogue run that confirms this intake (Case.intake_key): the same key
    # twice registers one case (finding 6). None for staff entry, which has no such run.
    intake_key: str | None = None
    # Finding 5: False for a phone number typed in a chat (not a contact the sender shared from
    # their own account): it must not change a stored customer nor message them.
    identity_verified: bool = True
    # Suggestions (R9.8): the poster's place, and no contact at all (the public form allows it).
    place: str | None = None
    anonymous: bool = False


def fee_schedule(session: Session, settings: Settings) -> FeeSchedule:
    """The fee schedule in force (R4.11): the newest published version, else the defaults."""
    return current_schedule(
        session, labour_rate=settings.labour_rate_per_hour, call_out_fee=settings.call_out_fee
    )


def sla_hours(settings: Settings, zone: str) -> int:
    """R7.14: 6 working hours in the city, 7 in the suburbs."""
    return settings.sla_hours_suburb if zone == Zone.SUBURB else settings.sla_hours_city


def promised_arrival(settings: Settings, zone: str, reported_at: datetime) -> datetime:
    """R7.14: the arrival deadline a repair reported at `reported_at` in `zone` gets."""
    return calendar_for(settings).add_working_hours(reported_at, sla_hours(settings, zone))


def _check(request: IntakeRequest, now: datetime, tz: tzinfo) -> None:
    if request.kind not in set(CaseKind):
        raise ValidationError(f"kind must be one of {', '.join(CaseKind)}", field="kind")
    if request.channel not in set(Channel):
        raise ValidationError(f"channel must be one of {', '.join(Channel)}", field="channel")
    if request.anonymous and request.kind != CaseKind.SUGGESTION:
        raise ValidationError("only a suggestion may be left without a contact", field="customer")
    if not request.anonymous and not request.customer.name.strip():
        raise ValidationError("the customer's name is required", field="customer.name")
    if request.customer.zone is not None and request.customer.zone not in set(Zone):
        raise ValidationError("zone must be city or suburb", field="customer.zone")
    if len(request.description) > MAX_DESCRIPTION:
        raise ValidationError(f"at most {MAX_DESCRIPTION} characters", field="description")
    if request.kind in (CaseKind.REPAIR, CaseKind.RETURN) and request.product is None:
        raise ValidationError("a repair or return names the product", field="product")
    if request.kind == CaseKind.REPAIR and not request.description.strip():
        # R4.5: the receptionist tries to pin down the fault before passing the request on.
        raise ValidationError("a repair needs a description of the fault", field="description")
    if request.kind == CaseKind.COMPLAINT:
        if request.topic not in set(Topic):
            raise ValidationError(f"topic must be one of {', '.join(Topic)}", field="topic")
        if (request.severity or "normal") not in set(Severity):
            raise ValidationError(
                f"severity must be one of {', '.join(Severity)}", field="severity"
            )
    if request.reported_at is not None:
        if request.reported_at.tzinfo is None:
            raise ValidationError("reported_at needs a UTC offset", field="reported_at")
        if request.reported_at > now + timedelta(minutes=5):
            raise ValidationError("reported_at is in the future", field="reported_at")
        if request.reported_at.year < EARLIEST_REPORT_YEAR:
            raise ValidationError(
                f"reported_at before {EARLIEST_REPORT_YEAR} is not a contact "
                "this desk can register",
                field="reported_at",
            )
    if request.product and request.product.purchased_on:
        # Bounds (finding 15): not after the report, not before 1990 (backend/bounds.py).
        check_purchase_date(
            request.product.purchased_on,
            today=(request.reported_at or now).astimezone(tz).date(),
            field="product.purchased_on",
        )


def register_case(
    session: Session,
    request: IntakeRequest,
    *,
    settings: Settings,
    now: datetime,
    actor: Actor,
) -> Case:
    """Validate, register and route a new case; queue the customer's confirmation.

    A repair is left `new` with its deadline: dispatch (casework.intake_case) assigns it."""
    _check(request, now, settings.tz)
    calendar = calendar_for(settings)
    customer = _customer_of(session, request, settings)
    address = request.customer.address or customer.address
    if request.kind == CaseKind.REPAIR and not (address or "").strip():
        # R4.5, R7.3: the register needs the address the technician goes to.
        raise ValidationError(
            "a repair needs the address where the technician should come",
            field="customer.address",
        )
    product: Product | None = None
    unit: Unit | None = None
    if request.product is not None:
        product = get_product_by_model(session, request.product.model)
        unit = register_unit(
            session,
            product=product,
            serial_number=(request.product.serial_number or "").strip() or None,
            purchased_on=request.product.purchased_on,
            customer=customer,
        )
    reported_at = request.reported_at or now
    if request.kind == CaseKind.RETURN and product is not None:
        _check_return_window(request, product, unit, calendar.local_date(reported_at), settings)
    case = Case(
        number=next_case_number(session, calendar.local(reported_at).year),
        kind=request.kind,
        status=INITIAL_STATUS[CaseKind(request.kind)],
        channel=request.channel,
        customer=customer,
        product=product,
        unit=unit,
        description=request.description.strip(),
        # Issue 17: no zone given, the district table proposes one from the address.
        zone=request.customer.zone
        or (propose_zone(session, address) if address else None)
        or customer.zone,
        address=address,
        lat=request.lat if request.lat is not None else customer.lat,
        lon=request.lon if request.lon is not None else customer.lon,
        reported_at=reported_at,
        media=list(request.media),
        intake_key=request.intake_key,
        identity_verified=request.identity_verified,
        reported_as=None
        if request.identity_verified
        else {
            "name": request.customer.name.strip(),
            "phone": normalize_phone(request.customer.phone, region=settings.region),
            "chat": request.confirmed_in_chat,  # where its news goes (outbox.message_customer)
        },
    )
    session.add(case)
    session.flush()
    record_event(
        session,
        case,
        actor=actor.label,
        action="intake",
        at=now,
        channel=request.channel,
        to_status=case.status,
    )
    if case.kind == CaseKind.REPAIR:
        _register_repair(session, case, settings)
    elif case.kind == CaseKind.COMPLAINT:
        _route_complaint(session, case, request, now)
        complaint_routed(session, case, settings=settings, now=now)
    elif case.kind == CaseKind.SUGGESTION:
        record_suggestion(
            session,
            case,
            place=request.place,
            contact_left=not request.anonymous,
            language=request.customer.language,
            now=now,
        )
    else:
        contact_registered(session, case, now=now)  # R2.3: inquiries and returns too
    # Finding 5: an unverified report is confirmed in its own chat only, never by a message to
    # whoever the typed number belongs to.
    # A repair is confirmed after dispatch (casework.promises): the promise depends on it.
    if case.kind != CaseKind.REPAIR and confirms_by_message(request, customer):
        message_customer(
            session,
            customer,
            intake_confirmation(
                case,
                return_window_days=window_days(settings, product.product_line)
                if product is not None
                else None,
            ),
            case=case,
            purpose="intake_confirmation",
            dedupe_key=f"intake:{case.number}",
            now=now,
        )
    logger.info("case %s registered (%s via %s)", case.number, case.kind, case.channel)
    return case


def _check_return_window(
    request: IntakeRequest, product: Product, unit: Unit | None, on: date, settings: Settings
) -> None:
    """R3.1: a return past its product line's window is refused with the rule; the sale's
    register (the unit's purchase date) is believed before what the customer says."""
    said = request.product.purchased_on if request.product else None
    purchased_on = unit.purchased_on if unit is not None and unit.purchased_on else said
    check_return_window(
        settings, product_line=product.product_line, purchased_on=purchased_on, on=on
    )


def case_of_intake(session: Session, intake_key: str) -> Case | None:
    """The case a dialogue run's confirmation registered, if it did."""
    return session.scalar(select(Case).where(Case.intake_key == intake_key))


def _customer_of(session: Session, request: IntakeRequest, settings: Settings) -> Customer:
    """The case's customer: created or brought up to date from a verified report; for a typed
    number (finding 5) an existing customer is taken as stored, and only a new one is created."""
    typed = request.customer
    if request.anonymous:
        return anonymous_customer(session)
    if not request.identity_verified:
        phone = normalize_phone(typed.phone, region=settings.region, field="customer.phone")
        existing = get_customer_by_phone(session, phone)
        if existing is not None:
            return existing
    customer = upsert_customer(
        session,
        name=typed.name.strip(),
        phone=typed.phone,
        region=settings.region,
        address=typed.address,
        zone=typed.zone,
        language=typed.language,
    )
    if request.telegram_chat_id is not None and customer.telegram_chat_id is None:
        customer.telegram_chat_id = request.telegram_chat_id
    return customer


def confirms_by_message(request: IntakeRequest, customer: Customer) -> bool:
    """Whether the customer is sent a confirmation: not for a typed, unverified number (finding
    5), nor to someone who left no contact (an anonymous suggestion), nor into the very chat
    whose dialogue already names the case."""
    chat = request.confirmed_in_chat
    in_dialogue = chat is not None and customer.telegram_chat_id == chat
    return request.identity_verified and not request.anonymous and not in_dialogue


def _register_repair(session: Session, case: Case, settings: Settings) -> None:
    calendar = calendar_for(settings)
    reported_day = calendar.local_date(case.reported_at)
    promotions = promotions_for(session, case.unit)
    case.service_category = category_at_intake(case.unit, case.product, reported_day, promotions)
    for promotion in promotions:  # R4.2: the promotion reached after-sales, and the history says so
        record_event(
            session,
            case,
            actor="system",
            action="warranty_promotion",
            at=case.reported_at,
            note=promotion.name,
            data={"id": promotion.id, "name": promotion.name},
        )
    hours = sla_hours(settings, case.zone)
    case.sla_due_at = calendar.add_working_hours(case.reported_at, hours)  # R7.14
    case.sla_warn_at = calendar.add_working_hours(case.reported_at, hours * 0.8)


def _about(session: Session, case: Case, request: IntakeRequest) -> None:
    """R2.4, R2.8: whom or which dealer a complaint is about (422 naming an unknown one)."""
    if request.about_technician_id is not None:
        if session.get(Technician, request.about_technician_id) is None:
            raise ValidationError("no such technician", field="about_technician_id")
        case.about_technician_id = request.about_technician_id
    if request.about_staff_id is not None:
        if session.get(StaffUser, request.about_staff_id) is None:
            raise ValidationError("no such staff member", field="about_staff_id")
        case.about_staff_id = request.about_staff_id
    case.dealer = (request.dealer or "").strip()[:200] or None


def _route_complaint(session: Session, case: Case, request: IntakeRequest, now: datetime) -> None:
    _about(session, case, request)
    named = case.about_staff_id is not None or case.about_technician_id is not None
    routing = route_complaint(
        Topic.STAFF_ATTITUDE if named else Topic(request.topic or "other"),  # R2.7 a person
        Severity(request.severity or "normal"),
        # R9.4: a complaint naming an after-sales person is after-sales staff's by definition.
        about_after_sales=request.about_after_sales or is_after_sales(session, case),
    )
    case.topic, case.severity = request.topic, request.severity or "normal"
    case.department = routing.department
    case.priority = routing.priority
    case.escalated_to = routing.escalated_to
    case.accountable_role = routing.accountable_role
    apply_transition(
        session,
        case,
        "route",
        actor="system",
        at=now,
        note=f"routed to {routing.department}",
        data={"department": routing.department, "priority": routing.priority},
    )
    title = message("New complaint {number}", number=case.number)
    # R8.7: the service director personally handles every complaint — but one about after-sales
    # staff goes to the independent hotline only (R9.4), never to the department's head.
    alert(
        session,
        kind="complaint",
        role=routing.accountable_role,
        title=title,
        case=case,
        detail=case.description[:300],
        dedupe_key=f"complaint:{case.number}:director",
        now=now,
    )
    if routing.escalated_to:
        record_event(
            session,
            case,
            actor="system",
            action="escalate",
            at=now,
            note=f"escalated to {routing.escalated_to} at once (R2.9, R8.5)",
            data={"to": routing.escalated_to},
        )
        alert(
            session,
            kind="escalation",
            role=routing.escalated_to,
            title=title,
            case=case,
            detail=case.description[:300],
            dedupe_key=f"complaint:{case.number}:vp",
            now=now,
        )
