"""Phone numbers in any common format → E.164, read in the business country by default."""

from __future__ import annotations

import phonenumbers

from backend.errors import ValidationError


def normalize_phone(raw: str, *, region: str = "KR", field: str = "phone") -> str:
    """The E.164 form of `raw`, or a ValidationError naming `field`."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        raise ValidationError("a phone number is required", field=field)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"not a phone number: {exc}", field=field) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("not a valid phone number", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def can_receive_sms(e164: str) -> bool:
    """Mobile numbers can; fixed lines (most Korean 02-… numbers) cannot."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def mask_phone(e164: str | None) -> str:
    """For logs: never the full number."""
    if not e164:
        return "-"
    return f"{e164[:4]}…{e164[-2:]}"
