"""Logging for every entry point: case numbers in, secrets and personal data out (finding 13).

Two layers: libraries that write request URLs (httpx puts the Bot API token in every one) are
kept at WARNING, and a filter on the root handlers masks what slips through anyway: bot tokens,
bearer and API tokens, basic-auth credentials, configured secrets, phone numbers (the last four
digits at most) and street addresses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Libraries that log each request's URL, headers or parameters at INFO/DEBUG: the Bot API token
# is part of every URL (httpx, and python-telegram-bot's Bot at DEBUG, which also logs each
# message's text); Twilio's client logs its request headers.
NOISY_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram.Bot",
    "telegram.request",
    "twilio.http_client",
    "urllib3",
)

MASK = "***"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bot API paths: /bot<digits>:<secret>/method and /file/bot<digits>:<secret>/…
    (re.compile(r"bot\d+:[A-Za-z0-9_-]+"), f"bot{MASK}"),
    # A bare Telegram bot token.
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}"), MASK),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {MASK}"),
    (re.compile(r"\bas_[A-Za-z0-9_-]{8,}"), f"as_{MASK}"),  # this desk's API tokens
    (re.compile(r"(?i)(://)[^/\s:@]+:[^/\s@]+@"), rf"\1{MASK}@"),  # user:password@host
    # E.164 numbers and national ones (010-1234-5678, 01012345678): the last four digits stay.
    (re.compile(r"\+\d[\d\s-]{6,18}(\d{4})\b"), rf"{MASK}\1"),
    (re.compile(r"\b0\d{1,2}[-\s.]?\d{3,4}[-\s.]?(\d{4})\b"), rf"{MASK}\1"),
    # Korean addresses: region, district and road with its building number.
    (
        re.compile(
            r"(?:[가-힣]+(?:특별시|광역시|특별자치시|특별자치도|시|도|군|구|읍|면|동)\s+)*"
            r"[가-힣0-9]+(?:로|길|대로)\s*\d+(?:-\d+)?(?:\s*[가-힣0-9]+(?:동|호|층))*"
        ),
        "<address>",
    ),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret and every token, phone number and address masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks a record's message and traceback before any handler writes it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 6)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def quiet_noisy_loggers() -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def install_redaction(handler: logging.Handler, secrets: Iterable[str] = ()) -> None:
    """Put one RedactingFilter (with these secrets) on `handler`, replacing an earlier one."""
    for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
        handler.removeFilter(old)
    handler.addFilter(RedactingFilter(secrets))


def configure_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    """The entry points' logging: one line per record, noisy clients quiet, secrets masked."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_noisy_loggers()
    known = tuple(secrets)
    for handler in logging.getLogger().handlers:
        install_redaction(handler, known)
