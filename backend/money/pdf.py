"""The numbered receipt or invoice as a PDF with Korean text (R7.5, R7.8).

reportlab draws it with HYSMyeongJo-Medium, one of the Adobe-Korea1 CID fonts reportlab knows
without a font file: the PDF names the font and every reader supplies its Korean glyphs, so no
font travels with the code, CI needs nothing installed, and the text stays searchable (pypdf
reads it back). The trade-off: the glyphs are not embedded, so the look depends on the reader.
"""

from __future__ import annotations

import io
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from backend.i18n import translate
from backend.money.models import Payment, PaymentMethod

FONT = "HYSMyeongJo-Medium"
_registered: list[bool] = []


def _font() -> str:
    if not _registered:  # registering twice is harmless; once keeps it cheap
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered.append(True)
    return FONT


def _won(amount: int) -> str:
    return f"{amount:,}"


def _lines(payment: Payment, tz: ZoneInfo, language: str) -> list[str]:
    case = payment.case
    charges: dict[str, Any] = case.charges or {}
    title = "Invoice" if payment.method == PaymentMethod.INVOICE else "Receipt"
    lines = [
        translate(language, title) + f"  {payment.invoice_number}",
        "",
        translate(language, "Case: {number}", number=case.number),
        translate(language, "Customer: {name}", name=case.customer.name),
        translate(
            language,
            "Issued: {moment}",
            moment=payment.issued_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        ),
        translate(
            language, "Product: {product}", product=case.product.name if case.product else "-"
        ),
        "",
    ]
    for part in charges.get("parts", []):
        if part.get("amount"):
            lines.append(
                f"{part.get('name', part['code'])} ×{part['quantity']}  {_won(part['amount'])}"
            )
    for kind in ("labour", "call_out", "transport"):
        if charges.get(kind):
            lines.append(f"{translate(language, kind.replace('_', '-'))}  {_won(charges[kind])}")
    lines += [
        "",
        translate(language, "Total: {amount} KRW", amount=_won(payment.amount)),
        translate(language, "Payment: {method}", method=translate(language, payment.method)),
    ]
    if payment.paid_at is None:
        lines.append(translate(language, "To be paid on receipt of this invoice."))
    return lines


def invoice_pdf(payment: Payment, tz: ZoneInfo, language: str = "ko") -> bytes:
    """The receipt (cash, card) or invoice of `payment`, one A4 page."""
    return lines_pdf(payment.invoice_number, _lines(payment, tz, language))


def lines_pdf(title: str, lines: list[str]) -> bytes:
    """One A4 page of Korean or English lines, the first as the heading (also the workshop's
    goods receipt, R4.10)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)  # invariant: same bytes for same data
    canvas.setTitle(title)
    font = _font()
    y = A4[1] - 72
    for index, line in enumerate(lines):
        canvas.setFont(font, 16 if index == 0 else 11)
        canvas.drawString(72, y, line)
        y -= 26 if index == 0 else 18
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
