"""Workshop records as JSON for the API (times in the business zone)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from backend.workshop.models import GoodsReceipt, GoodsRegisterRow, Loaner, LoanerLoan
from backend.workshop.service import (
    inspections,
    open_loan_of,
    open_loan_of_case,
    repair_card,
)


def _at(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat() if moment else None


def is_late(receipt: GoodsReceipt, today: date) -> bool:
    return receipt.returned_at is None and receipt.promised_return_on < today


def receipt_summary(receipt: GoodsReceipt, tz: ZoneInfo, today: date) -> dict[str, Any]:
    case = receipt.case
    return {
        "number": receipt.number,
        "case_number": case.number,
        "status": case.status,
        "product": case.product.model if case.product else None,
        "serial_number": case.unit.serial_number if case.unit else None,
        "issued_at": _at(receipt.issued_at, tz),
        "promised_return_on": receipt.promised_return_on.isoformat(),
        "late": is_late(receipt, today),
        "escalated": receipt.late_escalated_at is not None,
        "transport": receipt.transport,
        "returned_at": _at(receipt.returned_at, tz),
    }


def loan_json(loan: LoanerLoan | None, tz: ZoneInfo) -> dict[str, Any] | None:
    if loan is None:
        return None
    return {
        "serial_number": loan.loaner.serial_number,
        "case_number": loan.case.number,
        "lent_at": _at(loan.lent_at, tz),
        "due_on": loan.due_on.isoformat(),
        "returned_at": _at(loan.returned_at, tz),
        "condition_on_return": loan.condition_on_return,
    }


def receipt_json(
    session: Session, receipt: GoodsReceipt, tz: ZoneInfo, today: date
) -> dict[str, Any]:
    """The receipt with its repair card, inspections, signature and loaner (R4.10, R7.7)."""
    case = receipt.case
    return {
        **receipt_summary(receipt, tz, today),
        "transport_fee": receipt.transport_fee,
        "signed_by": receipt.signed_by,
        "signed_via": receipt.signed_via,
        "signed_at": _at(receipt.signed_at, tz),
        "repair_card": [
            {
                "worked_by": work.worked_by,
                "technician_id": work.technician_id,
                "hours": work.hours,
                "parts": work.parts,
                "rework": work.rework,
                "at": _at(work.at, tz),
            }
            for work in repair_card(session, case)
        ],
        "inspections": [
            {
                "passed": inspection.passed,
                "reason": inspection.reason,
                "inspected_by": inspection.inspected_by,
                "at": _at(inspection.at, tz),
            }
            for inspection in inspections(session, case)
        ],
        "loaner": loan_json(open_loan_of_case(session, case), tz),
    }


def register_json(row: GoodsRegisterRow, tz: ZoneInfo) -> dict[str, Any]:
    case = row.receipt.case
    return {
        "receipt_number": row.receipt.number,
        "case_number": case.number,
        "direction": row.direction,
        "at": _at(row.at, tz),
        "actor": row.actor,
        "product": case.product.model if case.product else None,
        "serial_number": case.unit.serial_number if case.unit else None,
    }


def loaner_json(session: Session, loaner: Loaner, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "serial_number": loaner.serial_number,
        "model": loaner.model,
        "status": loaner.status,
        "condition": loaner.condition,
        "note": loaner.note,
        "loan": loan_json(open_loan_of(session, loaner), tz),
    }


def history_json(entries: list[dict[str, Any]], tz: ZoneInfo) -> list[dict[str, Any]]:
    return [
        {
            **entry,
            "reported_at": _at(entry["reported_at"], tz),
            "closed_at": _at(entry["closed_at"], tz),
        }
        for entry in entries
    ]


def case_workshop_json(
    receipt: GoodsReceipt | None, loan: LoanerLoan | None, tz: ZoneInfo
) -> dict[str, Any] | None:
    """A case's `workshop`: its goods receipt and open loan, or null (R4.10, R5.4)."""
    if receipt is None:
        return None
    return {
        "receipt_number": receipt.number,
        "promised_return_on": receipt.promised_return_on.isoformat(),
        "transport": receipt.transport,
        "returned_at": _at(receipt.returned_at, tz),
        "signed_by": receipt.signed_by,
        "loaner_serial": loan.loaner.serial_number if loan is not None else None,
    }
