"""Environment → typed settings. A bad value fails loudly at start-up, never later."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values


class SettingsError(ValueError):
    """A configuration value that cannot be used."""


def _parse_time(name: str, value: str) -> time:
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise SettingsError(f"{name} must look like HH:MM, got {value!r}") from exc


def _parse_hours(name: str, value: str) -> tuple[time, time]:
    try:
        start, end = value.split("-")
    except ValueError as exc:
        raise SettingsError(f"{name} must look like 09:00-18:00, got {value!r}") from exc
    opening, closing = _parse_time(name, start), _parse_time(name, end)
    if opening >= closing:
        raise SettingsError(f"{name}: the start must be before the end, got {value!r}")
    return opening, closing


def _parse_weekdays(name: str, value: str) -> frozenset[int]:
    """'1-5' or '1,2,3,4,5' (ISO weekdays, Monday = 1) → {0..4} (Python weekdays)."""
    days: set[int] = set()
    try:
        for chunk in value.split(","):
            if "-" in chunk:
                first, last = (int(x) for x in chunk.split("-"))
                days.update(range(first, last + 1))
            elif chunk.strip():
                days.add(int(chunk))
    except ValueError as exc:
        raise SettingsError(f"{name} must list ISO weekdays like 1-5, got {value!r}") from exc
    if not days or not days <= set(range(1, 8)):
        raise SettingsError(f"{name} must list ISO weekdays 1..7, got {value!r}")
    return frozenset(day - 1 for day in days)


def _parse_bool(name: str, value: str) -> bool:
    """1/true/yes/on or 0/false/no/off, in any case."""
    answer = {"1": True, "true": True, "yes": True, "on": True}.get(value.strip().lower())
    if answer is None and value.strip().lower() not in ("0", "false", "no", "off"):
        raise SettingsError(f"{name} must be 1/true/yes/on or 0/false/no/off, got {value!r}")
    return bool(answer)


def _parse_int(name: str, value: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from exc
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {number}")
    return number


def _parse_return_windows(name: str, value: str) -> tuple[tuple[str, int], ...]:
    """'aircon=7, washer=30' → (("aircon", 7), ("washer", 30)): a return window per line."""
    windows: dict[str, int] = {}
    for chunk in value.split(","):
        if not chunk.strip():
            continue
        line, separator, days = chunk.partition("=")
        if not separator or not line.strip():
            raise SettingsError(f"{name} must look like aircon=7,washer=30, got {value!r}")
        windows[line.strip()] = _parse_int(name, days.strip(), 0)
    return tuple(sorted(windows.items()))


def _parse_trusted_proxies(name: str, value: str) -> int | tuple[str, ...]:
    """A count of proxies in front of the app ('1'), or the proxies' addresses or networks
    ('10.0.0.5, 10.1.0.0/16'); '0' or empty: none, the peer's address is the client's."""
    value = value.strip()
    if not value or value.isdigit():
        return int(value or 0)
    networks: list[str] = []
    for chunk in value.split(","):
        if not chunk.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(chunk.strip(), strict=False)))
        except ValueError as exc:
            raise SettingsError(
                f"{name} must be a number of proxies or a list of addresses, got {chunk!r}"
            ) from exc
    return tuple(networks)


def _secret_key(var_dir: Path) -> str:
    """A key generated once per install and kept under var/ (contract: 'generated per install')."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/aftersales.db"
    timezone: str = "Asia/Seoul"
    secret_key: str = ""
    public_base_url: str = "http://127.0.0.1:5000"
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_phone_number: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    hotline_phone_number: str | None = None
    complaint_hotline_number: str | None = None
    region: str = "KR"
    holiday_country: str = "KR"
    work_days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    work_hours: tuple[time, time] = (time(9), time(18))
    calling_hours: tuple[time, time] = (time(10), time(19))
    sla_hours_city: int = 6
    sla_hours_suburb: int = 7
    labour_rate_per_hour: int = 30_000
    call_out_fee: int = 20_000
    max_body_bytes: int = 1_000_000
    document_max_bytes: int = 10_000_000  # R6.2: one uploaded PDF (manual, parts list, guide)
    outbox_max_attempts: int = 8  # real failures of one message (429s are not counted)
    outbox_give_up_hours: int = 24  # undelivered this long after it was due: failed for good
    outbox_threads: int = 8  # deliveries in flight at once in one worker process
    # Store-and-acknowledge: /telegram/webhook only stores the update (one INSERT, one commit)
    # and a worker process runs it; off (the default): stored and processed in one transaction.
    webhook_queue: bool = False
    inbox_threads: int = 2  # with the queue: threads processing stored updates per worker
    # Each worker process's share of the providers' rates (several workers: divide).
    telegram_per_second: int = 30
    twilio_calls_per_second: int = 1
    twilio_sms_per_second: int = 10
    max_amount: int = 100_000_000  # the largest fee or price anyone may enter (KRW)
    # R5.2: cumulative shares of 12 months' consumption value closing class A and class B.
    abc_thresholds: tuple[float, float] = (0.80, 0.95)
    var_dir: Path = Path("var")
    dispatch_solver_log: bool = False  # OR-Tools prints every search of the day planner
    session_idle_hours: int = 8  # a dashboard session unused this long ends
    session_max_days: int = 7  # and any session ends this long after sign-in
    # How many reverse proxies stand before the app (their X-Forwarded-For is believed), or
    # their addresses; 0: none, the peer's address is the client's.
    trusted_proxies: int | tuple[str, ...] = 0
    # Complaints: working hours to answer by severity; the window in which a second complaint
    # about the same model, person or dealer opens a formal case (R2.9, R8.5).
    reply_hours_normal: int = 16
    reply_hours_serious: int = 4
    reply_hours_major: int = 8
    formal_case_window_days: int = 90
    # R3.1-R3.3: days after purchase within which a product may be returned; a product line may
    # have its own window (line → days), every other line takes the default.
    return_window_days: int = 14
    return_windows: tuple[tuple[str, int], ...] = ()
    key_customer_visit_days: int = 90  # R9.6: the default interval between key-customer visits
    # R4.12, R7.7: business days from taking an item to the workshop to its promised return;
    # R5.4: days a loaner may stay out after that date before the customer is chased.
    workshop_return_days: int = 5
    loaner_grace_days: int = 2
    # Issue 17, places: a geocoding service (none: districts only), how long intake waits for
    # it, a routing engine's matrix service (OSRM `table`), and rush hours in the default model.
    geocoder: str = "none"  # none | kakao | nominatim
    geocoder_key: str | None = None
    geocoder_base_url: str | None = None
    geocoder_timeout_ms: int = 1500
    routing_table_url: str | None = None
    rush_hours: tuple[tuple[time, time], ...] = ((time(7), time(9, 30)), (time(17), time(19, 30)))
    rush_factor: float = 1.0  # driving minutes × this in rush hours (1: off; 1.3 is typical)

    def return_window_for(self, product_line: str | None) -> int:
        """R3.1: the return window of a product line, in days after purchase."""
        return dict(self.return_windows).get(product_line or "", self.return_window_days)

    # Telegram and Twilio answered by the app itself (`aftersales serve` without credentials,
    # or --sandbox): set by backend.sandbox.config.sandbox_settings, never by the environment.
    sandbox: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def https(self) -> bool:
        """Served over TLS (judged by PUBLIC_BASE_URL): Secure cookies and HSTS."""
        return self.public_base_url.lower().startswith("https://")

    @property
    def outbox_give_up_after(self) -> timedelta:
        return timedelta(hours=self.outbox_give_up_hours)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def voice_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values no log line may show (the logging filter masks them)."""
        values = (
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.twilio_auth_token,
            self.secret_key,
            self.geocoder_key,
        )
        return tuple(v for v in values if v)

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **overrides)


def load_settings(
    environ: Mapping[str, str] | None = None, *, read_dotenv: bool = True
) -> Settings:
    """Read settings from the environment (and a `.env` file), validating every value."""
    env: dict[str, str] = {}
    if read_dotenv and Path(".env").exists():
        env.update({k: v for k, v in dotenv_values(".env").items() if v is not None})
    env.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(name)
        return value if value not in (None, "") else None

    var_dir = Path(get("AFTERSALES_VAR_DIR") or "var")
    values: dict[str, Any] = {"var_dir": var_dir}
    simple = {
        "DATABASE_URL": "database_url",
        "AFTERSALES_TZ": "timezone",
        "PUBLIC_BASE_URL": "public_base_url",
        "TELEGRAM_BOT_TOKEN": "telegram_bot_token",
        "TELEGRAM_WEBHOOK_SECRET": "telegram_webhook_secret",
        "TELEGRAM_API_BASE_URL": "telegram_api_base_url",
        "TWILIO_ACCOUNT_SID": "twilio_account_sid",
        "TWILIO_AUTH_TOKEN": "twilio_auth_token",
        "TWILIO_PHONE_NUMBER": "twilio_phone_number",
        "TWILIO_API_BASE_URL": "twilio_api_base_url",
        "AFTERSALES_HOTLINE_NUMBER": "hotline_phone_number",
        "AFTERSALES_COMPLAINT_HOTLINE_NUMBER": "complaint_hotline_number",
        "AFTERSALES_REGION": "region",
        "AFTERSALES_HOLIDAY_COUNTRY": "holiday_country",
        "GEOCODER": "geocoder",
        "GEOCODER_KEY": "geocoder_key",
        "GEOCODER_BASE_URL": "geocoder_base_url",
        "ROUTING_TABLE_URL": "routing_table_url",
    }
    for var, attr in simple.items():
        if (value := get(var)) is not None:
            values[attr] = value
    for var, attr in {
        "AFTERSALES_WORK_HOURS": "work_hours",
        "AFTERSALES_CALLING_HOURS": "calling_hours",
    }.items():
        if (value := get(var)) is not None:
            values[attr] = _parse_hours(var, value)
    if (value := get("DISPATCH_SOLVER_LOG")) is not None:
        values["dispatch_solver_log"] = _parse_bool("DISPATCH_SOLVER_LOG", value)
    if (value := get("AFTERSALES_WEBHOOK_QUEUE")) is not None:
        values["webhook_queue"] = _parse_bool("AFTERSALES_WEBHOOK_QUEUE", value)
    if (value := get("AFTERSALES_WORK_DAYS")) is not None:
        values["work_days"] = _parse_weekdays("AFTERSALES_WORK_DAYS", value)
    for var, attr, minimum in [
        ("AFTERSALES_SLA_HOURS_CITY", "sla_hours_city", 1),
        ("AFTERSALES_SLA_HOURS_SUBURB", "sla_hours_suburb", 1),
        ("AFTERSALES_LABOUR_RATE", "labour_rate_per_hour", 0),
        ("AFTERSALES_CALL_OUT_FEE", "call_out_fee", 0),
        ("AFTERSALES_MAX_BODY_BYTES", "max_body_bytes", 1024),
        ("AFTERSALES_DOCUMENT_MAX_BYTES", "document_max_bytes", 1024),
        ("AFTERSALES_SESSION_IDLE_HOURS", "session_idle_hours", 1),
        ("AFTERSALES_SESSION_MAX_DAYS", "session_max_days", 1),
        ("AFTERSALES_OUTBOX_MAX_ATTEMPTS", "outbox_max_attempts", 1),
        ("AFTERSALES_OUTBOX_GIVE_UP_HOURS", "outbox_give_up_hours", 1),
        ("AFTERSALES_OUTBOX_THREADS", "outbox_threads", 1),
        ("AFTERSALES_INBOX_THREADS", "inbox_threads", 1),
        ("AFTERSALES_TELEGRAM_PER_SECOND", "telegram_per_second", 1),
        ("AFTERSALES_TWILIO_CALLS_PER_SECOND", "twilio_calls_per_second", 1),
        ("AFTERSALES_TWILIO_SMS_PER_SECOND", "twilio_sms_per_second", 1),
        ("AFTERSALES_MAX_AMOUNT", "max_amount", 1),
        ("AFTERSALES_REPLY_HOURS_NORMAL", "reply_hours_normal", 1),
        ("AFTERSALES_REPLY_HOURS_SERIOUS", "reply_hours_serious", 1),
        ("AFTERSALES_REPLY_HOURS_MAJOR", "reply_hours_major", 1),
        ("AFTERSALES_FORMAL_CASE_WINDOW_DAYS", "formal_case_window_days", 1),
        ("AFTERSALES_RETURN_WINDOW_DAYS", "return_window_days", 0),
        ("AFTERSALES_KEY_CUSTOMER_VISIT_DAYS", "key_customer_visit_days", 1),
        ("AFTERSALES_WORKSHOP_RETURN_DAYS", "workshop_return_days", 1),
        ("AFTERSALES_LOANER_GRACE_DAYS", "loaner_grace_days", 0),
        ("GEOCODER_TIMEOUT_MS", "geocoder_timeout_ms", 100),
    ]:
        if (value := get(var)) is not None:
            values[attr] = _parse_int(var, value, minimum)

    if (value := get("AFTERSALES_RETURN_WINDOWS")) is not None:
        values["return_windows"] = _parse_return_windows("AFTERSALES_RETURN_WINDOWS", value)
    if (value := get("AFTERSALES_ABC_THRESHOLDS")) is not None:
        values["abc_thresholds"] = _parse_abc_thresholds("AFTERSALES_ABC_THRESHOLDS", value)
    if (value := get("DISPATCH_RUSH_HOURS")) is not None:
        values["rush_hours"] = tuple(
            _parse_hours("DISPATCH_RUSH_HOURS", chunk) for chunk in value.split(",") if chunk
        )
    if (value := get("DISPATCH_RUSH_FACTOR")) is not None:
        values["rush_factor"] = _parse_factor("DISPATCH_RUSH_FACTOR", value)
    if (value := get("AFTERSALES_TRUSTED_PROXIES")) is not None:
        values["trusted_proxies"] = _parse_trusted_proxies("AFTERSALES_TRUSTED_PROXIES", value)

    settings = Settings(**values)
    _validate(settings)
    if not (secret := get("AFTERSALES_SECRET_KEY")):
        secret = _secret_key(var_dir)
    return replace(settings, secret_key=secret)


def _parse_abc_thresholds(name: str, value: str) -> tuple[float, float]:
    """'80,95': class A holds the parts making the first 80 % of value, B up to 95 %."""
    try:
        a, b = (float(chunk) for chunk in value.split(","))
    except ValueError as exc:
        raise SettingsError(f"{name} must look like 80,95 (percent), got {value!r}") from exc
    if not 0 < a < b < 100:
        raise SettingsError(f"{name}: need 0 < A < B < 100, got {value!r}")
    return a / 100, b / 100


def _parse_factor(name: str, value: str) -> float:
    """A slowdown factor: 1 (no change) to 3."""
    try:
        factor = float(value)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number like 1.3, got {value!r}") from exc
    if not 1.0 <= factor <= 3.0:
        raise SettingsError(f"{name} must be between 1 and 3, got {value!r}")
    return factor


def _validate(settings: Settings) -> None:
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            f"AFTERSALES_TZ is not a known time zone: {settings.timezone!r}"
        ) from exc
    for name in ("public_base_url", "telegram_api_base_url", "twilio_api_base_url"):
        if not getattr(settings, name).startswith(("http://", "https://")):
            raise SettingsError(f"{name.upper()} must start with http:// or https://")
    if settings.geocoder not in ("none", "kakao", "nominatim"):
        raise SettingsError(f"GEOCODER must be none, kakao or nominatim, got {settings.geocoder!r}")
    if settings.geocoder == "kakao" and not settings.geocoder_key:
        raise SettingsError("GEOCODER=kakao needs GEOCODER_KEY (a Kakao REST API key)")
    if settings.geocoder_timeout_ms > 30_000:
        raise SettingsError("GEOCODER_TIMEOUT_MS must be at most 30000")
    for url in (settings.geocoder_base_url, settings.routing_table_url):
        if url is not None and not url.startswith(("http://", "https://")):
            raise SettingsError("GEOCODER_BASE_URL and ROUTING_TABLE_URL start with http(s)://")
    if settings.return_window_days > 3650 or any(d > 3650 for _, d in settings.return_windows):
        raise SettingsError("a return window is at most 3650 days (AFTERSALES_RETURN_WINDOW*)")
    if settings.workshop_return_days > 365:
        raise SettingsError("AFTERSALES_WORKSHOP_RETURN_DAYS must be at most 365")
    if settings.loaner_grace_days > 365:
        raise SettingsError("AFTERSALES_LOANER_GRACE_DAYS must be at most 365")
    if settings.key_customer_visit_days > 3650:
        raise SettingsError("AFTERSALES_KEY_CUSTOMER_VISIT_DAYS must be at most 3650")
    if settings.outbox_threads > 256 or settings.inbox_threads > 64:
        raise SettingsError("AFTERSALES_OUTBOX_THREADS ≤ 256, AFTERSALES_INBOX_THREADS ≤ 64")
    if settings.outbox_give_up_hours > 24 * 366:
        raise SettingsError("AFTERSALES_OUTBOX_GIVE_UP_HOURS must be at most a year (8784)")
    if bool(settings.twilio_account_sid) != bool(settings.twilio_auth_token):
        raise SettingsError(
            "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set together or not at all"
        )
    for name in ("reply_hours_normal", "reply_hours_serious", "reply_hours_major"):
        if getattr(settings, name) > 24 * 31:
            raise SettingsError(f"AFTERSALES_{name.upper()} must be at most 744 working hours")
    if settings.formal_case_window_days > 3660:
        raise SettingsError("AFTERSALES_FORMAL_CASE_WINDOW_DAYS must be at most 3660")
    import holidays

    if settings.holiday_country not in holidays.list_supported_countries():
        raise SettingsError(f"AFTERSALES_HOLIDAY_COUNTRY unknown: {settings.holiday_country!r}")


__all__ = ["Settings", "SettingsError", "load_settings"]
