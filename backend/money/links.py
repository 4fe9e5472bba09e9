"""Signed links for customers without a login: a quote to accept or decline, an invoice to
download (itsdangerous, Flask's own signer, keyed by AFTERSALES_SECRET_KEY)."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend.settings import Settings

QUOTE_SALT = "aftersales.quote"
INVOICE_SALT = "aftersales.invoice"
QUOTE_LINK_DAYS = 14
INVOICE_LINK_DAYS = 365


def _signer(settings: Settings, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=salt)


def sign(settings: Settings, salt: str, value: str) -> str:
    return str(_signer(settings, salt).dumps(value))


def unsign(settings: Settings, salt: str, token: str, *, max_age_days: int) -> str | None:
    """The signed value, or None for a forged, altered or expired token."""
    try:
        value = _signer(settings, salt).loads(token, max_age=max_age_days * 86400)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return value if isinstance(value, str) else None


def quote_url(settings: Settings, number: str) -> str:
    return f"{settings.public_base_url}/q/{sign(settings, QUOTE_SALT, number)}"


def invoice_url(settings: Settings, invoice_number: str) -> str:
    return f"{settings.public_base_url}/invoice/{sign(settings, INVOICE_SALT, invoice_number)}"
