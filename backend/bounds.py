"""Sane ranges for amounts and dates that people type (finding 15): a value outside them is a
typing error or an attack, answered with a 422 naming the field, never stored or told a customer.

- Amounts: whole KRW from 0 to AFTERSALES_MAX_AMOUNT (default 100,000,000).
- Purchase dates: from 1990-01-01 (older appliances are out of any warranty and this catalogue)
  up to today in the business zone: a purchase is never in the future.
- Contract and certification dates ("terms"): from 2000-01-01 up to 20 years after today.
"""

from __future__ import annotations

from datetime import date

from backend.errors import ValidationError
from backend.settings import Settings

DEFAULT_MAX_AMOUNT: int = Settings.max_amount  # AFTERSALES_MAX_AMOUNT's default, as documented
EARLIEST_PURCHASE = date(1990, 1, 1)
EARLIEST_TERM = date(2000, 1, 1)
TERM_YEARS_AHEAD = 20


def check_amount(value: int, *, maximum: int, field: str) -> int:
    """`value` when 0 ≤ value ≤ maximum; a 422 naming `field` otherwise."""
    if not 0 <= value <= maximum:
        raise ValidationError(f"{field} must be a whole amount from 0 to {maximum:,}", field=field)
    return value


def check_purchase_date(value: date, *, today: date, field: str) -> date:
    """A purchase date: not in the future, not before 1990."""
    if value > today:
        raise ValidationError(f"{field} is in the future", field=field)
    if value < EARLIEST_PURCHASE:
        raise ValidationError(
            f"{field} must be on or after {EARLIEST_PURCHASE.isoformat()}", field=field
        )
    return value


def latest_term(today: date) -> date:
    try:
        return today.replace(year=today.year + TERM_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + TERM_YEARS_AHEAD, day=28)


def check_term_date(value: date, *, today: date, field: str) -> date:
    """A contract or certification date: from 2000-01-01 to 20 years after today."""
    last = latest_term(today)
    if not EARLIEST_TERM <= value <= last:
        raise ValidationError(
            f"{field} must be between {EARLIEST_TERM.isoformat()} and {last.isoformat()}",
            field=field,
        )
    return value
