"""Partner repair shops (R1.4): contracts, who may be offered a job, and the monthly statement.

Queries and plain decisions; dispatch (above this package) asks `partner_pool` when no own
technician can make a job's deadline, and re-dispatches a disputed partner's open jobs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.cases.machine import AWAITING_ARRIVAL
from backend.cases.models import Case
from backend.errors import Conflict, NotFound, ValidationError
from backend.partners.models import Partner, PartnerContract
from backend.people.models import Technician


def get_partner(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"no partner {partner_id}", field="partner_id")
    return partner


def list_partners(session: Session) -> list[Partner]:
    return list(
        session.scalars(
            select(Partner).options(selectinload(Partner.contracts)).order_by(Partner.name)
        )
    )


def create_partner(session: Session, *, name: str, phone: str | None) -> Partner:
    if session.scalar(select(Partner.id).where(Partner.name == name)):
        raise Conflict("a partner with this name exists", field="name")
    partner = Partner(name=name, phone=phone)
    session.add(partner)
    session.flush()
    return partner


def add_contract(
    session: Session,
    partner: Partner,
    *,
    zones: Sequence[str],
    product_lines: Sequence[str],
    starts_on: date,
    ends_on: date,
    call_out_rate: int,
    hourly_rate: int,
    signed_on: date | None,
    known_lines: Collection[str],
) -> PartnerContract:
    """A signed contract: the zones and product lines the partner may be offered, from … to."""
    if ends_on < starts_on:
        raise ValidationError("ends_on must not be before starts_on", field="ends_on")
    for index, line in enumerate(product_lines):
        if line not in known_lines:
            raise ValidationError(
                "no such product line in the catalogue", field=f"product_lines[{index}]"
            )
    contract = PartnerContract(
        partner=partner,
        zones=sorted(set(zones)),
        product_lines=sorted(set(product_lines)),
        starts_on=starts_on,
        ends_on=ends_on,
        call_out_rate=call_out_rate,
        hourly_rate=hourly_rate,
        signed_on=signed_on,
    )
    session.add(contract)
    session.flush()
    return contract


def set_dispute(partner: Partner, *, disputed: bool, note: str | None) -> None:
    """R1.4: a disputed partner is offered no job; its jobs not yet reached move on (dispatch's
    `partner_disputes` duty), so the customer never waits for the dispute."""
    partner.disputed = disputed
    partner.dispute_note = note if disputed else None


def partner_ineligibility(
    partner: Partner, zone: str, product_line: str | None, day: date
) -> str | None:
    """Why `partner` may not be offered a job of `product_line` in `zone` on `day`, or None."""
    if not partner.active:
        return "inactive"
    if partner.disputed:
        return "in dispute"
    contract = partner.contract_on(day)
    if contract is None:
        return f"no contract valid on {day.isoformat()}"
    return contract.covers(zone, product_line, day)


def partner_pool(
    session: Session, case: Case, day: date, *, barred: Collection[int] = ()
) -> dict[int, frozenset[str]]:
    """The partner staff who may be offered `case` on `day` (contract zones, lines and validity;
    no dispute; working that day; not among `barred`), each with the lines their contract covers."""
    line = case.product.product_line if case.product else None
    pool: dict[int, frozenset[str]] = {}
    for partner in list_partners(session):
        if partner_ineligibility(partner, case.zone, line, day) is not None:
            continue
        contract = partner.contract_on(day)
        assert contract is not None
        for technician in partner_staff(session, partner):
            if technician.id not in barred and technician.works_on(day):
                pool[technician.id] = frozenset(contract.product_lines)
    return pool


def partner_staff(session: Session, partner: Partner) -> list[Technician]:
    return list(
        session.scalars(
            select(Technician)
            .where(Technician.partner_id == partner.id, Technician.active.is_(True))
            .options(selectinload(Technician.leaves))
            .order_by(Technician.id)
        )
    )


def partner_technician_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Technician.id).where(Technician.partner_id.is_not(None))))


def disputed_open_jobs(session: Session) -> list[Case]:
    """Jobs of disputed partners' staff not yet reached: they go to someone else (R1.4)."""
    # The disputed partners' staff first (usually nobody): each minute's tick then reads their
    # jobs by ix_cases_technician_status, not every open case joined to its technician.
    staff = session.scalars(
        select(Technician.id)
        .join(Partner, Partner.id == Technician.partner_id)
        .where(Partner.disputed.is_(True))
    ).all()
    if not staff:
        return []
    return list(
        session.scalars(
            select(Case)
            .where(Case.assigned_technician_id.in_(staff), Case.status.in_(AWAITING_ARRIVAL))
            .order_by(Case.id)
            .with_for_update()
        )
    )


# The monthly statement ------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    partner_id: int
    partner: str
    case_number: str
    technician: str
    resolved_at: datetime
    hours: float
    call_out: int
    labour: int

    @property
    def owed(self) -> int:
        return self.call_out + self.labour


@dataclass(frozen=True)
class PartnerTotal:
    partner_id: int
    partner: str
    jobs: int
    owed: int


@dataclass(frozen=True)
class Statement:
    month: str
    lines: list[StatementLine]

    @property
    def totals(self) -> list[PartnerTotal]:
        by_partner: dict[int, list[StatementLine]] = {}
        for line in self.lines:
            by_partner.setdefault(line.partner_id, []).append(line)
        return [
            PartnerTotal(pid, rows[0].partner, len(rows), sum(r.owed for r in rows))
            for pid, rows in sorted(by_partner.items(), key=lambda item: item[1][0].partner)
        ]

    @property
    def total(self) -> int:
        return sum(line.owed for line in self.lines)


def parse_month(raw: str | None, today: date) -> tuple[date, date]:
    """`YYYY-MM` (default: this month) → its first day and the first day of the next."""
    if raw is None:
        first = today.replace(day=1)
    else:
        try:
            if len(raw) != 7 or raw[4] != "-" or not raw.isascii():
                raise ValueError(raw)
            first = date(int(raw[:4]), int(raw[5:]), 1)
        except ValueError as error:
            raise ValidationError("month must look like 2026-11", field="month") from error
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following


def monthly_statement(
    session: Session, first: date, following: date, tz: ZoneInfo, partner_id: int | None = None
) -> Statement:
    """R1.4: each partner job resolved in the month, at the rates of the contract in force on the
    day it was resolved: the call-out plus the hours recorded at `resolve` at the hourly rate."""
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(following, time(0), tzinfo=tz)
    query = (
        select(Case, Technician, Partner)
        .join(Technician, Technician.id == Case.assigned_technician_id)
        .join(Partner, Partner.id == Technician.partner_id)
        .where(Case.resolved_at.is_not(None), Case.resolved_at >= start, Case.resolved_at < end)
        .order_by(Partner.name, Case.resolved_at, Case.id)
    )
    if partner_id is not None:
        query = query.where(Partner.id == partner_id)
    lines = []
    for case, technician, partner in session.execute(query).all():
        assert case.resolved_at is not None
        day = case.resolved_at.astimezone(tz).date()
        contract = partner.contract_on(day)
        hours = float(case.work_hours or 0.0)
        lines.append(
            StatementLine(
                partner.id,
                partner.name,
                case.number,
                technician.name,
                case.resolved_at,
                hours,
                contract.call_out_rate if contract else 0,
                round(contract.hourly_rate * hours) if contract else 0,
            )
        )
    return Statement(first.strftime("%Y-%m"), lines)


STATEMENT_COLUMNS = (
    "partner",
    "case_number",
    "technician",
    "resolved_at",
    "hours",
    "call_out",
    "labour",
    "owed",
)


def statement_csv(statement: Statement, tz: ZoneInfo) -> str:
    """The month's partner jobs for accounting, UTF-8 with a BOM (Korean names in spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(STATEMENT_COLUMNS)
    for line in statement.lines:
        writer.writerow(
            (
                line.partner,
                line.case_number,
                line.technician,
                line.resolved_at.astimezone(tz).isoformat(timespec="seconds"),
                line.hours,
                line.call_out,
                line.labour,
                line.owed,
            )
        )
    for total in statement.totals:
        writer.writerow((total.partner, "", "", "", "", "", "", total.owed))
    return "\ufeff" + out.getvalue()
