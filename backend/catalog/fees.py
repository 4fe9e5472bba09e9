"""The fee schedule of paid service (R4.3, R4.8, R4.11): labour per hour by product line, the
call-out fee by zone, transport of goods to the workshop; parts at their list price.

Versioned: an admin's change publishes a new version and never alters an old one, so a quote
keeps the prices it was made with (it names its version). Before any version is published the
configured defaults (AFTERSALES_LABOUR_RATE, AFTERSALES_CALL_OUT_FEE) are version 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.bounds import check_amount
from backend.db import Base, utcnow
from backend.errors import Conflict, ValidationError

ZONES = ("city", "suburb")


class FeeScheduleVersion(Base):
    """One published fee schedule; rows are never changed after they are written."""

    __tablename__ = "fee_schedules"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    labour_per_hour: Mapped[dict[str, int]] = mapped_column(JSON)  # product line → KRW
    default_labour_per_hour: Mapped[int]
    call_out: Mapped[dict[str, int]] = mapped_column(JSON)  # zone → KRW
    transport: Mapped[int]  # R4.8 taking goods to the workshop and back
    published_by: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class FeeSchedule:
    """What a paid job costs; shown to the customer before work starts (R4.11)."""

    labour_rate_per_hour: int
    call_out_fee: int
    version: int = 0
    labour_by_line: dict[str, int] = field(default_factory=dict)
    call_out_by_zone: dict[str, int] = field(default_factory=dict)
    transport_fee: int = 0

    def labour_rate(self, product_line: str | None) -> int:
        return self.labour_by_line.get(product_line or "", self.labour_rate_per_hour)

    def call_out(self, zone: str | None) -> int:
        return self.call_out_by_zone.get(zone or "", self.call_out_fee)

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "labour_per_hour": dict(sorted(self.labour_by_line.items())),
            "default_labour_per_hour": self.labour_rate_per_hour,
            "call_out": {zone: self.call_out(zone) for zone in ZONES},
            "transport": self.transport_fee,
        }


def _from_row(row: FeeScheduleVersion) -> FeeSchedule:
    return FeeSchedule(
        labour_rate_per_hour=row.default_labour_per_hour,
        call_out_fee=max(row.call_out.values(), default=0),
        version=row.version,
        labour_by_line=dict(row.labour_per_hour),
        call_out_by_zone=dict(row.call_out),
        transport_fee=row.transport,
    )


def current_schedule(session: Session, *, labour_rate: int, call_out_fee: int) -> FeeSchedule:
    """The newest published schedule; the configured defaults (version 0) before the first."""
    row = session.scalar(
        select(FeeScheduleVersion).order_by(FeeScheduleVersion.version.desc()).limit(1)
    )
    if row is None:
        return FeeSchedule(labour_rate, call_out_fee)
    return _from_row(row)


def schedule_version(
    session: Session, version: int, *, labour_rate: int, call_out_fee: int
) -> FeeSchedule:
    """The schedule a quote was made with (version 0: the configured defaults)."""
    row = session.get(FeeScheduleVersion, version)
    return _from_row(row) if row is not None else FeeSchedule(labour_rate, call_out_fee)


def list_versions(session: Session) -> list[FeeSchedule]:
    rows = session.scalars(select(FeeScheduleVersion).order_by(FeeScheduleVersion.version.desc()))
    return [_from_row(row) for row in rows]


def _amount(value: Any, *, maximum: int, field_name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(f"{field_name} must be a whole amount of KRW", field=field_name)
    return check_amount(value, maximum=maximum, field=field_name)


def publish_schedule(
    session: Session,
    *,
    labour_per_hour: dict[str, Any],
    default_labour_per_hour: Any,
    call_out: dict[str, Any],
    transport: Any,
    product_lines: set[str],
    published_by: str,
    maximum: int,
    now: datetime,
) -> FeeSchedule:
    """Publish the next version (admins only, checked by the caller); 422 naming a bad field."""
    labour: dict[str, int] = {}
    for line, rate in labour_per_hour.items():
        if line not in product_lines:
            raise ValidationError(
                f"no product line {line!r} in the catalogue", field=f"labour_per_hour.{line}"
            )
        labour[line] = _amount(rate, maximum=maximum, field_name=f"labour_per_hour.{line}")
    zones: dict[str, int] = {}
    for zone in ZONES:
        if zone not in call_out:
            raise ValidationError(f"call_out needs the {zone} fee", field=f"call_out.{zone}")
        zones[zone] = _amount(call_out[zone], maximum=maximum, field_name=f"call_out.{zone}")
    row = FeeScheduleVersion(
        version=(session.scalar(select(func.max(FeeScheduleVersion.version))) or 0) + 1,
        labour_per_hour=labour,
        default_labour_per_hour=_amount(
            default_labour_per_hour, maximum=maximum, field_name="default_labour_per_hour"
        ),
        call_out=zones,
        transport=_amount(transport, maximum=maximum, field_name="transport"),
        published_by=published_by[:120],
        published_at=now,
    )
    try:
        with session.begin_nested():  # two admins at once: one wins the number, one retries
            session.add(row)
    except IntegrityError as error:
        raise Conflict("another schedule was published at the same moment; try again") from error
    return _from_row(row)
