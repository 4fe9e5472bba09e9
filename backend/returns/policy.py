"""The return window (R3.1–R3.3): how long after purchase a product line may be returned.

The rule is told to the customer at intake (R3.2) and a return past its window is refused with
the rule in words, never a rule number.
"""

from __future__ import annotations

from datetime import date

from backend.errors import ValidationError
from backend.i18n import translate
from backend.settings import Settings


class ReturnWindowPassed(ValidationError):
    """422: the product was bought longer ago than its line's return window (R3.1)."""

    code = "return_window_passed"


def window_days(settings: Settings, product_line: str | None) -> int:
    """Days after purchase within which a product of this line may be returned."""
    return settings.return_window_for(product_line)


def rule_text(days: int, language: str | None = "en") -> str:
    """The return rule in words, as shown at the point of sale (R3.2)."""
    return translate(
        language, "Products may be returned within {days} days of purchase.", days=days
    )


def check_return_window(
    settings: Settings, *, product_line: str | None, purchased_on: date | None, on: date
) -> None:
    """A return reported on `on` for a product bought on `purchased_on` is within its window,
    or a 422 naming the purchase date and the rule. An unknown purchase date is judged at
    inspection (the receipt is checked there)."""
    if purchased_on is None:
        return
    days = window_days(settings, product_line)
    elapsed = (on - purchased_on).days
    if elapsed > days:
        raise ReturnWindowPassed(
            f"This return cannot be accepted: {rule_text(days)} "
            f"This one was bought on {purchased_on.isoformat()}, {elapsed} days ago.",
            field="product.purchased_on",
        )
