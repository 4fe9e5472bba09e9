"""Customers, technicians with their certifications (R4.4), departments, staff users and tokens."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, utcnow

# Telegram chat ids exceed 32 bits (user ids up to 52 bits, groups about -10^12): BIGINT on
# PostgreSQL; SQLite's INTEGER is 64-bit already.
CHAT_ID = BigInteger().with_variant(Integer(), "sqlite")


class Zone(enum.StrEnum):
    CITY = "city"
    SUBURB = "suburb"


class Role(enum.StrEnum):
    RECEPTIONIST = "receptionist"
    REPAIR_MANAGER = "repair_manager"
    SERVICE_DIRECTOR = "service_director"
    VICE_PRESIDENT = "vice_president"
    HOTLINE_OFFICER = "hotline_officer"
    WAREHOUSE_CLERK = "warehouse_clerk"
    TECHNICIAN = "technician"
    ADMIN = "admin"
    # A member of a department other than after-sales (R&D, marketing, dealer relations …):
    # reads the complaints routed to departments and works its department's tasks (R2.3).
    DEPARTMENT_STAFF = "department_staff"
    # R5.7: finance approves purchases of tools and test equipment before purchasing buys.
    FINANCE = "finance"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32), unique=True)  # E.164
    address: Mapped[str | None] = mapped_column(String(500))
    zone: Mapped[str] = mapped_column(String(16), default=Zone.CITY)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    telegram_chat_id: Mapped[int | None] = mapped_column(CHAT_ID, unique=True)
    language: Mapped[str] = mapped_column(String(8), default="ko")
    # R9.6: a key customer is visited regularly, every `visit_interval_days` from `key_since`
    # or the last visit.
    key_customer: Mapped[bool] = mapped_column(default=False, server_default=false())
    visit_interval_days: Mapped[int | None]
    key_since: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerVisit(Base):
    """R9.6: a visit to a key customer, who went, when, and what was said."""

    __tablename__ = "customer_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[date]
    visited_by: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Technician(Base):
    __tablename__ = "technicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    zone: Mapped[str] = mapped_column(String(16))
    home_lat: Mapped[float | None]
    home_lon: Mapped[float | None]
    telegram_chat_id: Mapped[int | None] = mapped_column(CHAT_ID, unique=True)
    # Job cards, reminders and prompts speak it; the technician sets it with /language.
    language: Mapped[str] = mapped_column(String(8), default="ko")
    # ISO weekdays minus one (Monday = 0), the days this technician works.
    working_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [0, 1, 2, 3, 4])
    daily_capacity_minutes: Mapped[int] = mapped_column(default=480)
    active: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # R1.4: staff of a partner repair shop (backend.partners); None for our own technicians.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    certifications: Mapped[list[Certification]] = relationship(
        back_populates="technician", cascade="all, delete-orphan", order_by="Certification.id"
    )
    leaves: Mapped[list[Leave]] = relationship(
        back_populates="technician", cascade="all, delete-orphan", order_by="Leave.starts_on"
    )

    def certified_for(self, product_line: str, on: date) -> bool:
        """Holds a certification for `product_line` valid on day `on` (R4.4)."""
        return any(
            c.product_line == product_line and c.valid_until >= on for c in self.certifications
        )

    def works_on(self, day: date) -> bool:
        if not self.active or day.weekday() not in self.working_days:
            return False
        return not any(leave.starts_on <= day <= leave.ends_on for leave in self.leaves)

    @property
    def first_name(self) -> str:
        # Korean names put the family name first: "김민수" → "민수"; Latin names the given name.
        parts = self.name.split()
        if len(parts) > 1:
            return parts[0]
        return self.name[1:] if len(self.name) >= 3 and not self.name.isascii() else self.name


class Certification(Base):
    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("technician_id", "product_line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"))
    product_line: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[date]

    technician: Mapped[Technician] = relationship(back_populates="certifications")


class Leave(Base):
    __tablename__ = "technician_leaves"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(200))

    technician: Mapped[Technician] = relationship(back_populates="leaves")


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_ko: Mapped[str] = mapped_column(String(100))
    # Who answers for the department (R2.4: a complaint about a member goes to them).
    head_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    telegram_chat_id: Mapped[int | None] = mapped_column(CHAT_ID, unique=True)
    department: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="ko")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex, never the token
    prefix: Mapped[str] = mapped_column(String(12))  # shown in listings to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # None: until revoked

    def usable_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at `now` (the owner's being active is checked apart)."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    user: Mapped[StaffUser] = relationship(back_populates="tokens")


class StaffSession(Base):
    """A dashboard sign-in, kept on the server so that logout, deactivation and expiry end it: the
    browser's cookie holds only the random token whose hash is the id (finding 10)."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # logout, idle, expired, deactivated: why it ended, for whoever reads the table.
    ended_reason: Mapped[str | None] = mapped_column(String(16))


class LoginFailures(Base):
    """Failed sign-ins counted per account or per client address, shared by every web process
    (finding 11). The key is a hash: typed e-mails and addresses are not kept."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of kind:value
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]  # no password is checked for this key before then
