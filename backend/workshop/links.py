"""The customer's signed link to their goods receipt PDF (no login; R4.10)."""

from __future__ import annotations

from backend.money.links import sign
from backend.settings import Settings

RECEIPT_SALT = "aftersales.workshop_receipt"
RECEIPT_LINK_DAYS = 365


def receipt_url(settings: Settings, receipt_number: str) -> str:
    token = sign(settings, RECEIPT_SALT, receipt_number)
    return f"{settings.public_base_url}/workshop-receipt/{token}"
