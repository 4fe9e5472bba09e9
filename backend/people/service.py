"""Customers, technicians, staff users and API tokens: lookups and creation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from backend.bounds import check_term_date
from backend.errors import Conflict, NotFound, ValidationError
from backend.parsing import ascii_digits
from backend.people.models import (
    ApiToken,
    Certification,
    Customer,
    Role,
    StaffUser,
    Technician,
    Zone,
)
from backend.people.sessions import end_user_sessions
from backend.phones import normalize_phone

TOKEN_PREFIX = "as_"


def get_customer_by_phone(session: Session, phone_e164: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.phone == phone_e164))


_CARD = select(Customer.id, Customer.name, Customer.language).where(
    Customer.phone == bindparam("phone")
)


def caller_card(session: Session, phone_e164: str) -> tuple[int, str, str] | None:
    """The id, name and language of the customer with this number: what a call's greeting
    needs (three columns, not the row's thirty)."""
    row = session.execute(_CARD, {"phone": phone_e164}).first()
    return (row.id, row.name, row.language) if row else None


def upsert_customer(
    session: Session,
    *,
    name: str,
    phone: str,
    region: str,
    address: str | None = None,
    zone: str | None = None,
    language: str | None = None,
) -> Customer:
    """The customer with this phone number, created or brought up to date."""
    e164 = normalize_phone(phone, region=region, field="customer.phone")
    customer = get_customer_by_phone(session, e164)
    if customer is None:
        try:
            # A savepoint: two intakes for one new caller at once (phone and Telegram, two
            # receptionists) must both succeed; the loser reads the winner's row.
            with session.begin_nested():
                customer = Customer(
                    name=name,
                    phone=e164,
                    address=address,
                    zone=zone or Zone.CITY,
                    language=language or "ko",
                )
                session.add(customer)
            return customer
        except IntegrityError:
            customer = get_customer_by_phone(session, e164)
            if customer is None:
                raise
    customer.name = name or customer.name
    if address:
        customer.address = address
    if zone:
        customer.zone = zone
    return customer


@dataclass(frozen=True)
class CertificationInput:
    product_line: str
    valid_until: date


def create_technician(
    session: Session,
    *,
    name: str,
    phone: str,
    zone: str,
    region: str,
    certifications: list[CertificationInput],
    telegram_chat_id: int | None = None,
    home: tuple[float, float] | None = None,
    working_days: list[int] | None = None,
    product_lines: Collection[str] | None = None,
    today: date | None = None,
) -> Technician:
    """A technician; with `product_lines` (the catalogue's) and `today`, each certification must
    name a line the catalogue has and end within the term bounds (backend/bounds.py)."""
    for index, certification in enumerate(certifications):
        field = f"certifications[{index}]"
        if product_lines is not None and certification.product_line not in product_lines:
            raise ValidationError(
                "no such product line in the catalogue", field=f"{field}.product_line"
            )
        if today is not None:
            check_term_date(certification.valid_until, today=today, field=f"{field}.valid_until")
    e164 = normalize_phone(phone, region=region, field="phone")
    if session.scalar(select(Technician.id).where(Technician.phone == e164)):
        raise Conflict("a technician with this phone number exists", field="phone")
    if telegram_chat_id is not None and session.scalar(
        select(Technician.id).where(Technician.telegram_chat_id == telegram_chat_id)
    ):
        raise Conflict(
            "this Telegram chat is linked to another technician", field="telegram_chat_id"
        )
    lines = [c.product_line for c in certifications]
    if len(set(lines)) != len(lines):
        raise ValidationError("one certification per product line", field="certifications")
    technician = Technician(
        name=name,
        phone=e164,
        zone=zone,
        telegram_chat_id=telegram_chat_id,
        home_lat=home[0] if home else None,
        home_lon=home[1] if home else None,
        working_days=working_days if working_days is not None else [0, 1, 2, 3, 4],
        certifications=[
            Certification(product_line=c.product_line, valid_until=c.valid_until)
            for c in certifications
        ],
    )
    session.add(technician)
    session.flush()
    return technician


def certify(
    session: Session,
    technician: Technician,
    certification: CertificationInput,
    *,
    product_lines: Collection[str],
    today: date,
) -> Certification:
    """Certify a technician for a product line until a date (R4.4), or move an existing
    certification's end to that date."""
    if certification.product_line not in product_lines:
        raise ValidationError("no such product line in the catalogue", field="product_line")
    check_term_date(certification.valid_until, today=today, field="valid_until")
    for existing in technician.certifications:
        if existing.product_line == certification.product_line:
            existing.valid_until = certification.valid_until
            session.flush()
            return existing
    row = Certification(
        product_line=certification.product_line, valid_until=certification.valid_until
    )
    technician.certifications.append(row)
    session.flush()
    return row


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger one names no row


def get_technician(session: Session, technician_id: int) -> Technician:
    if not 1 <= technician_id <= MAX_ID:
        raise NotFound(f"no technician {technician_id}", field="technician_id")
    technician = session.get(
        Technician, technician_id, options=[selectinload(Technician.certifications)]
    )
    if technician is None:
        raise NotFound(f"no technician {technician_id}", field="technician_id")
    return technician


def list_technicians(session: Session) -> list[Technician]:
    return list(
        session.scalars(
            select(Technician)
            .options(selectinload(Technician.certifications))
            .order_by(Technician.id)
        )
    )


def create_user(
    session: Session,
    *,
    email: str,
    role: str,
    password: str | None = None,
    name: str = "",
) -> StaffUser:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise ValidationError("not an e-mail address", field="email")
    if role not in set(Role):
        raise ValidationError(f"unknown role; one of: {', '.join(Role)}", field="role")
    if session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)):
        raise Conflict("a user with this e-mail exists", field="email")
    user = StaffUser(
        email=email,
        role=role,
        name=name or email.split("@")[0],
        password_hash=generate_password_hash(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


MIN_PASSWORD_LENGTH = 8


def check_password_choice(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= 200:
        raise ValidationError(
            f"a password needs {MIN_PASSWORD_LENGTH} to 200 characters", field="password"
        )


def list_users(session: Session) -> list[StaffUser]:
    """Every staff account, active ones first, then by e-mail."""
    return list(
        session.scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.email))
    )


def update_user(
    session: Session,
    user: StaffUser,
    *,
    departments: Collection[str],
    role: str | None = None,
    department: str | None = None,
    name: str | None = None,
) -> StaffUser:
    """Change an account's role, department (a code of `departments`, or "" for none) or name."""
    if role is not None:
        if role not in set(Role):
            raise ValidationError(f"unknown role; one of: {', '.join(Role)}", field="role")
        user.role = role
    if department is not None:
        if department and department not in departments:
            raise ValidationError(
                f"unknown department; one of: {', '.join(sorted(departments))}",
                field="department",
            )
        user.department = department or None
    if name is not None:
        if not name.strip() or len(name) > 200:
            raise ValidationError("a name of 1 to 200 characters", field="name")
        user.name = name.strip()
    session.flush()
    return user


def reset_password(
    session: Session, user: StaffUser, *, now: datetime, password: str | None = None
) -> str:
    """Give the account a new password (a generated one unless given) and end its dashboard
    sessions, so whoever knew the old one is signed out; the caller shows it once."""
    new_password = password if password is not None else secrets.token_urlsafe(12)
    check_password_choice(new_password)
    user.password_hash = generate_password_hash(new_password)
    end_user_sessions(session, user.id, now=now, reason="password")
    session.flush()
    return new_password


def get_user_by_email(session: Session, email: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email.lower()))
    if user is None:
        raise NotFound(f"no user {email}", field="email")
    return user


def check_password(user: StaffUser, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash or "", password)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


MAX_TOKEN_DAYS = 3650  # an expiry further out than ten years is a typing error
# last_used_at is written at most this often per token: every request writing it would turn
# each read of the API into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def issue_token(
    session: Session, user: StaffUser, *, expires_at: datetime | None = None
) -> tuple[str, ApiToken]:
    """A new bearer token for `user` and its row; only the hash is stored."""
    if not user.active:
        raise Conflict("the user is deactivated", field="email")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, token_hash=_hash_token(token), prefix=token[:10], expires_at=expires_at
    )
    session.add(row)
    session.flush()
    return token, row


def create_token(session: Session, user: StaffUser, *, expires_at: datetime | None = None) -> str:
    """A new bearer token for `user`; only its hash is stored: this is the one chance to see it."""
    return issue_token(session, user, expires_at=expires_at)[0]


def token_expiry(now: datetime, days: int | None) -> datetime | None:
    """`days` from `now`, or None (no expiry); 1 to 3650 days."""
    if days is None:
        return None
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(
            f"expires_in_days must be from 1 to {MAX_TOKEN_DAYS}", field="expires_in_days"
        )
    return now + timedelta(days=days)


# The owner comes in the same statement: every API request starts here.
TOKEN_WITH_USER = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("digest"))
    .options(joinedload(ApiToken.user))
)


def user_for_token(session: Session, token: str, *, now: datetime) -> StaffUser | None:
    """The active user owning `token` if it is neither revoked nor expired, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = _hash_token(token)
    row = session.scalar(TOKEN_WITH_USER, {"digest": digest})
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if not row.usable_at(now) or not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row.user


def get_user(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id) if 1 <= user_id <= MAX_ID else None
    if user is None:
        raise NotFound(f"no user {user_id}", field="user_id")
    return user


def list_tokens(session: Session, user: StaffUser) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def find_token(session: Session, reference: str) -> ApiToken:
    """A token by its id ("12") or its shown prefix ("as_AbC1234"); 404 otherwise, 409 when a
    prefix names several."""
    reference = reference.strip()
    if ascii_digits(reference) and len(reference) <= 9:
        row = session.get(ApiToken, int(reference))
        if row is not None:
            return row
    rows = list(session.scalars(select(ApiToken).where(ApiToken.prefix == reference[:12])))
    if not rows:
        raise NotFound(f"no token {reference!r}", field="token")
    if len(rows) > 1:
        raise Conflict("several tokens have this prefix; use the token's id", field="token")
    return rows[0]


def revoke_token(row: ApiToken, *, now: datetime) -> bool:
    """Revoke one token; False when it already was."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


def revoke_tokens(session: Session, user: StaffUser, *, now: datetime) -> int:
    """Revoke every live token of `user`; how many were."""
    return sum(revoke_token(row, now=now) for row in list_tokens(session, user))


def deactivate_user(session: Session, user: StaffUser, now: datetime) -> int:
    """The one way to deactivate a staff account: it can no longer sign in or use the API, its
    dashboard sessions end and every token it has is revoked at once (a later reactivation
    revives neither). Returns how many tokens were revoked."""
    user.active = False
    end_user_sessions(session, user.id, now=now)
    revoked = revoke_tokens(session, user, now=now)
    session.flush()
    return revoked


def reactivate_user(session: Session, user: StaffUser) -> None:
    """Let the account sign in again; it needs new API tokens."""
    user.active = True
    session.flush()


def technician_for_user(session: Session, user: StaffUser) -> Technician | None:
    return session.scalar(select(Technician).where(Technician.user_id == user.id))
