"""What customers and technicians are told about a case, in their language."""

from __future__ import annotations

from datetime import datetime

from backend.actors import Actor
from backend.cases.machine import RepairStatus
from backend.cases.models import Case, ServiceCategory
from backend.cases.permissions import can
from backend.cases.warranty import FeeSchedule
from backend.i18n import translate


def format_moment(moment: datetime | None, language: str) -> str:
    if moment is None:
        return "-"
    weekday_ko = "월화수목금토일"[moment.weekday()]
    if language == "ko":
        return f"{moment:%m}월 {moment:%d}일({weekday_ko}) {moment:%H:%M}"
    return moment.strftime("%a %d %b %H:%M")


def category_words(case: Case, language: str, schedule: FeeSchedule) -> str:
    """The service category in plain words; a paid job shows its fee schedule first (R4.11);
    a warranty promotion the unit was bought under is named (R4.2)."""
    words = _category_words(case, language, schedule)
    promotions = [e.note for e in case.events if e.action == "warranty_promotion" and e.note]
    if not promotions:
        return words
    named = translate(language, "Warranty promotion applied: {name}.", name=", ".join(promotions))
    return f"{words}\n{named}"


def _category_words(case: Case, language: str, schedule: FeeSchedule) -> str:
    if case.service_category == ServiceCategory.FREE:
        return translate(language, "Free of charge (under warranty).")
    if case.service_category == ServiceCategory.CONTRACT:
        return translate(language, "Covered by your maintenance contract.")
    return translate(
        language,
        "Paid service: call-out {call_out} KRW, labour {rate} KRW per hour, "
        "parts at list price. You will see the cost before any work starts.",
        call_out=f"{schedule.call_out(case.zone):,}",
        rate=f"{schedule.labour_rate(case.product.product_line if case.product else None):,}",
    )


def intake_confirmation(case: Case, *, return_window_days: int | None = None) -> str:
    """A complaint's or other contact's confirmation (a repair's: casework.promises)."""
    language = case.customer.language
    if case.kind == "complaint":
        return translate(
            language,
            "Your complaint {number} is registered. The service director "
            "is responsible for it and we will answer you.",
            number=case.number,
        )
    if case.kind == "return" and return_window_days is not None:
        # R3.2: the return rule is told to the customer when the return is taken in.
        return "\n".join(
            [
                translate(language, "Your return {number} is registered.", number=case.number),
                translate(
                    language,
                    "Products may be returned within {days} days of purchase.",
                    days=return_window_days,
                ),
                translate(language, "We will inspect the product and tell you our decision."),
            ]
        )
    if case.kind == "suggestion":  # R2.10: followed up, and the customer hears the outcome
        return translate(
            language,
            "Thank you: your suggestion {number} is registered. We will tell you what we decide.",
            number=case.number,
        )
    return translate(language, "Your request {number} is registered.", number=case.number)


def job_push(case: Case, local_due: datetime | None, language: str) -> str:
    """The technician's job card: number, product, fault, address, deadline, map link."""
    product = case.product.name if case.product else "-"
    lines = [
        translate(language, "New job {number}", number=case.number),
        translate(language, "Product: {product}", product=product),
        translate(language, "Fault: {fault}", fault=case.description[:500]),
        translate(language, "Address: {address}", address=case.address or "-"),
        translate(language, "Arrive by: {due}", due=format_moment(local_due, language)),
    ]
    if case.carried_over:
        lines.insert(1, translate(language, "Carried over from yesterday: first in line."))
    if case.lat is not None and case.lon is not None:
        lines.append(f"https://maps.google.com/?q={case.lat:.6f},{case.lon:.6f}")
    return "\n".join(lines)


# The steps a technician can take from each status, as buttons (callback `job:<action>:<number>`);
# "need help" is `escalate`: to the service director at once (R7.9).
JOB_BUTTONS: dict[str, tuple[str, ...]] = {
    RepairStatus.ASSIGNED: ("accept", "decline", "escalate"),
    RepairStatus.ACCEPTED: ("depart", "arrive", "decline", "escalate"),
    RepairStatus.EN_ROUTE: ("arrive", "escalate"),
    RepairStatus.ON_SITE: ("resolve", "quote", "take_to_workshop", "escalate"),
    RepairStatus.RESOLVED: ("pay",),  # R4.11 collected on the spot, when there is a charge
}
JOB_BUTTON_LABELS = {
    "accept": "Accept",
    "decline": "Decline",
    "depart": "On my way",
    "arrive": "Arrived",
    "resolve": "Resolved",
    "take_to_workshop": "Take to workshop",
    "escalate": "Need help",
    "quote": "Quote",
    "pay": "Payment",
}


def _payable(case: Case) -> bool:
    return bool((case.charges or {}).get("total")) and case.payment is None


def job_buttons(case: Case, language: str) -> dict[str, object]:
    """Inline buttons for the job's next steps that the permission matrix lets its technician
    take; callback data is `job:<action>:<case number>`."""
    technician = Actor(
        "technician", id=case.assigned_technician_id, technician_id=case.assigned_technician_id
    )
    actions = [
        a
        for a in JOB_BUTTONS.get(case.status, ())
        if can(technician, a, case).allowed and (a != "pay" or _payable(case))
    ]
    buttons = [
        {
            "text": translate(language, JOB_BUTTON_LABELS[action]),
            "callback_data": f"job:{action}:{case.number}",
        }
        for action in actions
    ]
    return {"inline_keyboard": [buttons[i : i + 2] for i in range(0, len(buttons), 2)]}


def service_certificate(case: Case, language: str) -> str:
    """The certificate the customer signs (R7.4): work done, parts, fee."""
    lines = [translate(language, "Service certificate {number}", number=case.number)]
    charges = case.charges or {}
    for part in charges.get("parts", []):
        cost = translate(language, "free") if part["free"] else f"{part['amount']:,} KRW"
        lines.append(f"• {part['name']} × {part['quantity']}: {cost}")
    if case.work_hours is not None:
        lines.append(translate(language, "Hours: {hours}", hours=f"{case.work_hours:g}"))
    lines.append(translate(language, "Total: {total} KRW", total=f"{charges.get('total', 0):,}"))
    lines.append(translate(language, "Please confirm the work with the button below."))
    return "\n".join(lines)
