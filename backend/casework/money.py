"""The case steps about money: the quote and the customer's consent (R4.11), the payment and
its receipt or invoice (R7.5, R7.8). Handlers of backend.casework.actions.HANDLERS."""

from __future__ import annotations

import base64
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.bounds import check_amount
from backend.calendar import calendar_for
from backend.calls.service import place_call
from backend.cases.machine import RepairStatus
from backend.cases.models import Case
from backend.cases.quotes import (
    CONSENT_CHANNELS,
    QuoteStatus,
    decide,
    declined_charges,
    new_quote,
    pending_quote,
    quote_items,
)
from backend.cases.warranty import FeeSchedule, PartUsed, resolve_parts
from backend.casework.intake import fee_schedule
from backend.casework.visits import finish_visit
from backend.catalog.fees import schedule_version
from backend.catalog.promotions import promotions_for
from backend.errors import ValidationError
from backend.i18n import translate
from backend.money.links import invoice_url, quote_url
from backend.money.models import Payment, PaymentMethod
from backend.money.pdf import invoice_pdf
from backend.money.service import record_payment
from backend.outbox.service import message_customer, message_technician
from backend.phones import can_receive_sms
from backend.settings import Settings
from backend.workshop.flows import transport_charge

logger = logging.getLogger(__name__)


def parts_and_hours(case: Case, body: dict[str, Any]) -> tuple[list[PartUsed], float]:
    """The body's `parts` matched to the product's part list and its `hours`, or a 422."""
    parts = body.get("parts") or []
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise ValidationError("parts is a list of {code, quantity}", field="parts")
    hours = body.get("hours", 0)
    if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 <= hours <= 100:
        raise ValidationError("hours must be a number 0–100", field="hours")
    return resolve_parts(case.product, parts), float(hours)


def schedule_of(session: Session, case: Case, settings: Settings) -> FeeSchedule:
    """The schedule of the case's quote (a quote keeps its prices), else the one in force."""
    if case.quote is not None:
        return schedule_version(
            session,
            int(case.quote.get("schedule_version") or 0),
            labour_rate=settings.labour_rate_per_hour,
            call_out_fee=settings.call_out_fee,
        )
    return fee_schedule(session, settings)


def job_fee(body: dict[str, Any], settings: Settings) -> int | None:
    """A job's fixed labour `fee`, when given: a whole amount from 0 to the maximum (finding 15)."""
    fee = body.get("fee")
    if fee is None:
        return None
    if not isinstance(fee, int) or isinstance(fee, bool) or fee < 0:
        raise ValidationError("fee must be a whole amount ≥ 0", field="fee")
    return check_amount(fee, maximum=settings.max_amount, field="fee")


def make_quote(
    session: Session,
    case: Case,
    *,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
    **_: Any,
) -> dict[str, Any]:
    """`quote` {parts, hours}: the chargeable items at today's schedule, sent to the customer."""
    used, hours = parts_and_hours(case, body)
    fee = job_fee(body, settings)
    schedule = fee_schedule(session, settings)
    on = calendar_for(settings).local_date(now)
    case.quote = new_quote(
        quote_items(
            case,
            used,
            hours,
            schedule,
            on,
            fee,
            transport=transport_charge(session, case),
            promotions=promotions_for(session, case.unit),
        ),
        hours=hours,
        schedule=schedule,
        now=now,
    )
    send_quote(session, case, settings=settings, now=now)
    return {"quote": case.quote}


def quote_lines(case: Case, language: str) -> list[str]:
    """The quote's items in words, for a message, a page or a phone prompt."""
    quote = case.quote or {}
    parts = {p.code: p.name for p in (case.product.parts if case.product else [])}
    lines = []
    for item in quote.get("items", []):
        if "code" in item:
            name = f"{parts.get(item['code'], item['code'])} ×{item['quantity']}"
        elif item["kind"] == "labour":
            name = translate(language, "labour {hours} h", hours=f"{item['quantity']:g}")
        else:
            name = translate(language, item["kind"].replace("_", "-"))
        lines.append(f"• {name}: {item['amount']:,}")
    return lines


def send_quote(session: Session, case: Case, *, settings: Settings, now: datetime) -> None:
    """R4.11: to the customer's channel — Telegram with accept/decline buttons, else an SMS
    with a link to a signed page (staff record an answer given by phone or in person)."""
    language = case.customer.language
    quote = case.quote or {}
    head = translate(
        language,
        "Quote for {number}: the work costs {total} KRW. Nothing is done before you accept.",
        number=case.number,
        total=f"{quote.get('total', 0):,}",
    )
    text = "\n".join([head, *quote_lines(case, language)])
    in_chat = case.customer.telegram_chat_id is not None or not case.identity_verified
    if not in_chat and not can_receive_sms(case.customer.phone):
        # No text channel (a landline): the quote is read out by phone, 1 to accept.
        place_call(
            session,
            settings,
            purpose="quote",
            phone=case.customer.phone,
            path=f"/ivr/quote/{case.number}",
            now=now,
            customer_id=case.customer_id,
            case=case,
            dedupe_key=f"quote-call:{case.number}:{len(case.events)}",
        )
        return
    markup = None
    if in_chat:
        markup = {
            "inline_keyboard": [
                [
                    {
                        "text": translate(language, "✅ Accept"),
                        "callback_data": f"quote:accept_quote:{case.number}",
                    },
                    {
                        "text": translate(language, "✖ Decline"),
                        "callback_data": f"quote:decline_quote:{case.number}",
                    },
                ]
            ]
        }
    else:
        link = translate(language, "Accept or decline: {url}", url=quote_url(settings, case.number))
        text = f"{text}\n{link}"
    message_customer(
        session,
        case.customer,
        text,
        case=case,
        purpose="quote",
        dedupe_key=f"quote:{case.number}:{len(case.events)}",
        reply_markup=markup,
        now=now,
    )


def _consent_channel(actor: Actor, body: dict[str, Any]) -> str:
    """The customer's own channel, or the one staff name for the answer they record."""
    if actor.kind == "customer":
        return actor.channel or "telegram"
    channel = body.get("channel")
    if channel not in CONSENT_CHANNELS:
        raise ValidationError(
            f"channel (how the customer answered) must be one of {', '.join(CONSENT_CHANNELS)}",
            field="channel",
        )
    return str(channel)


def accept_quote(
    session: Session, case: Case, *, actor: Actor, body: dict[str, Any], now: datetime, **_: Any
) -> dict[str, Any]:
    """The customer accepts: the work may be done and charged up to the quoted total."""
    pending_quote(case)
    channel = _consent_channel(actor, body)
    return {"quote": decide(case, QuoteStatus.ACCEPTED, channel=channel, now=now)}


def decline_quote(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """The customer declines: the visit ends charging only the call-out fee (R4.11)."""
    pending_quote(case)
    channel = _consent_channel(actor, body)
    quote = decide(case, QuoteStatus.DECLINED, channel=channel, now=now)
    case.charges = declined_charges(case, schedule_of(session, case, settings))
    case.work_hours = 0.0
    if case.status == RepairStatus.ON_SITE:
        finish_visit(session, case, settings, now)
    return {"quote": quote, "charges": case.charges}


def offer_payment(session: Session, case: Case, *, now: datetime) -> None:
    """After chargeable work, the technician's button to record how the customer paid (R4.11)."""
    technician = case.assigned_technician
    total = (case.charges or {}).get("total") or 0
    if technician is None or total <= 0 or case.payment is not None:
        return
    language = technician.language
    message_technician(
        session,
        technician,
        translate(
            language,
            "{number}: {total} KRW. How does the customer pay?",
            number=case.number,
            total=f"{total:,}",
        ),
        case=case,
        purpose="payment_prompt",
        dedupe_key=f"pay-prompt:{case.number}:{len(case.events)}",
        reply_markup={
            "inline_keyboard": [
                [
                    {
                        "text": translate(language, "Payment"),
                        "callback_data": f"job:pay:{case.number}",
                    }
                ]
            ]
        },
        now=now,
    )


def pay(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    body: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """`pay` {method: cash|card|invoice}: the fee collected or invoiced, its receipt sent."""
    payment = take_payment(
        session,
        case,
        method=body.get("method"),
        amount=body.get("amount"),
        by=actor.label,
        settings=settings,
        now=now,
    )
    return {"payment": case.payment, "invoice_number": payment.invoice_number}


def take_payment(
    session: Session,
    case: Case,
    *,
    method: Any,
    amount: Any,
    by: str,
    settings: Settings,
    now: datetime,
) -> Payment:
    """Record the payment with its number and send the customer a link to the PDF (R7.5)."""
    payment = record_payment(
        session,
        case,
        method=method,
        amount=amount,
        recorded_by=by,
        now=now,
        today=calendar_for(settings).local_date(now),
    )
    language = case.customer.language
    kind = "invoice" if payment.method == PaymentMethod.INVOICE else "receipt"
    # In Telegram the PDF itself arrives (sendDocument) with the text as its caption; an SMS
    # carries the signed link to the same PDF.
    pdf = invoice_pdf(payment, settings.tz, language or "ko")
    document = {
        "filename": f"{payment.invoice_number}.pdf",
        "content_base64": base64.b64encode(pdf).decode("ascii"),
    }
    message_customer(
        session,
        case.customer,
        translate(
            language,
            f"Your {kind} {{invoice}} for {{number}} ({{amount}} KRW): {{url}}",
            invoice=payment.invoice_number,
            number=case.number,
            amount=f"{payment.amount:,}",
            url=invoice_url(settings, payment.invoice_number),
        ),
        case=case,
        purpose="invoice",
        dedupe_key=f"invoice:{payment.invoice_number}",
        document=document,
        now=now,
    )
    logger.info("case %s: %s %s recorded", case.number, kind, payment.invoice_number)
    return payment
