"""The customer goods receipt as a PDF (R4.10, R7.6), drawn like the invoices (money/pdf.py)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from backend.i18n import translate
from backend.money.pdf import lines_pdf
from backend.workshop.models import GoodsReceipt


def receipt_lines(receipt: GoodsReceipt, tz: ZoneInfo, language: str) -> list[str]:
    case = receipt.case
    lines = [
        translate(language, "Customer goods receipt") + f"  {receipt.number}",
        "",
        translate(language, "Case: {number}", number=case.number),
        translate(language, "Customer: {name}", name=case.customer.name),
        translate(
            language, "Product: {product}", product=case.product.name if case.product else "-"
        ),
        translate(
            language,
            "Serial number: {serial}",
            serial=case.unit.serial_number if case.unit else "-",
        ),
        translate(
            language,
            "Taken in: {moment}",
            moment=receipt.issued_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        ),
        translate(language, "Promised return: {day}", day=receipt.promised_return_on.isoformat()),
    ]
    if receipt.transport:
        lines.append(translate(language, "Transport by the company"))
    lines += [
        "",
        translate(language, "Keep this receipt: its number is checked when the item is returned."),
    ]
    if receipt.signed_by:
        lines.append(translate(language, "Returned and signed by {name}", name=receipt.signed_by))
    return lines


def receipt_pdf(receipt: GoodsReceipt, tz: ZoneInfo, language: str = "ko") -> bytes:
    """The receipt, one A4 page."""
    return lines_pdf(receipt.number, receipt_lines(receipt, tz, language))
