"""Workshop queries and records: receipt numbers, the register, the repair card, inspections,
loaners (R4.10, R5.4, R7.6–R7.7). Keyword-only, each taking the caller's session."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from backend.cases.machine import RepairStatus
from backend.cases.models import Case
from backend.db import next_in_year
from backend.errors import Conflict, NotFound, ValidationError
from backend.workshop.models import (
    Direction,
    GoodsReceipt,
    GoodsRegisterRow,
    Inspection,
    Loaner,
    LoanerCondition,
    LoanerLoan,
    LoanerStatus,
    ReceiptSequence,
    RepairWork,
)

RECEIPT_PREFIX = "WR"
IN_WORKSHOP = (RepairStatus.IN_WORKSHOP, RepairStatus.REPAIRED, RepairStatus.INSPECTED)


def next_receipt_number(session: Session, year: int) -> str:
    """`WR-2026-000042`: the year's sequence (unique under concurrency)."""
    return f"{RECEIPT_PREFIX}-{year}-{next_in_year(session, ReceiptSequence, year):06d}"


def receipt_of(session: Session, case: Case) -> GoodsReceipt | None:
    return session.scalar(select(GoodsReceipt).where(GoodsReceipt.case_id == case.id))


def get_receipt(session: Session, number: str) -> GoodsReceipt:
    receipt = session.scalar(
        select(GoodsReceipt)
        .where(GoodsReceipt.number == number[:24])
        .options(joinedload(GoodsReceipt.case))
    )
    if receipt is None:
        raise NotFound(f"no goods receipt {number!r}", field="number")
    return receipt


def register(
    session: Session, receipt: GoodsReceipt, direction: Direction, *, actor: str, now: datetime,
    note: str | None = None,
) -> GoodsRegisterRow:  # fmt: skip
    """One row of the goods in/out register (one each way per receipt: 409 on a second)."""
    row = GoodsRegisterRow(
        receipt=receipt,
        case_id=receipt.case_id,
        direction=direction.value,
        at=now,
        actor=actor[:120],
        note=note[:500] if note else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as error:
        raise Conflict(
            f"{receipt.number} is already registered {direction}", field="number"
        ) from error
    return row


def register_rows(session: Session, *, first: datetime, last: datetime) -> list[GoodsRegisterRow]:
    """Register rows written between two moments, oldest first."""
    return list(
        session.scalars(
            select(GoodsRegisterRow)
            .where(GoodsRegisterRow.at >= first, GoodsRegisterRow.at < last)
            .order_by(GoodsRegisterRow.at, GoodsRegisterRow.id)
            .options(joinedload(GoodsRegisterRow.receipt).joinedload(GoodsReceipt.case))
        )
    )


def repair_card(session: Session, case: Case) -> list[RepairWork]:
    return list(
        session.scalars(
            select(RepairWork).where(RepairWork.case_id == case.id).order_by(RepairWork.id)
        )
    )


def inspections(session: Session, case: Case) -> list[Inspection]:
    return list(
        session.scalars(
            select(Inspection).where(Inspection.case_id == case.id).order_by(Inspection.id)
        )
    )


def last_inspection(session: Session, case: Case) -> Inspection | None:
    found = inspections(session, case)
    return found[-1] if found else None


def board(session: Session) -> list[GoodsReceipt]:
    """The receipts of items still in the workshop, soonest promised return first."""
    return list(
        session.scalars(
            select(GoodsReceipt)
            .join(Case, Case.id == GoodsReceipt.case_id)
            .where(GoodsReceipt.returned_at.is_(None), Case.status.in_(IN_WORKSHOP))
            .order_by(GoodsReceipt.promised_return_on, GoodsReceipt.id)
            .options(joinedload(GoodsReceipt.case))
        )
    )


def late_receipts(session: Session, today: date) -> list[GoodsReceipt]:
    """Items still in the workshop after their promised return date, not yet escalated."""
    return [
        receipt
        for receipt in board(session)
        if receipt.promised_return_on < today and receipt.late_escalated_at is None
    ]


# Loaners (R5.4) -------------------------------------------------------------------------------


def get_loaner(session: Session, serial_number: str, *, field: str = "serial_number") -> Loaner:
    loaner = session.scalar(select(Loaner).where(Loaner.serial_number == serial_number[:64]))
    if loaner is None:
        raise NotFound(f"no loaner {serial_number!r}", field=field)
    return loaner


def list_loaners(session: Session) -> list[Loaner]:
    return list(session.scalars(select(Loaner).order_by(Loaner.model, Loaner.serial_number)))


def add_loaner(
    session: Session, *, serial_number: str, model: str, note: str | None, now: datetime
) -> Loaner:
    """Register a loaner unit (409 when the serial is already registered)."""
    loaner = Loaner(
        serial_number=serial_number,
        model=model,
        status=LoanerStatus.AVAILABLE,
        condition=LoanerCondition.GOOD,
        note=note,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(loaner)
    except IntegrityError as error:
        raise Conflict(
            f"loaner {serial_number} is already registered", field="serial_number"
        ) from error
    return loaner


def open_loan_of_case(session: Session, case: Case) -> LoanerLoan | None:
    return session.scalar(
        select(LoanerLoan)
        .where(LoanerLoan.case_id == case.id, LoanerLoan.returned_at.is_(None))
        .options(joinedload(LoanerLoan.loaner))
    )


def open_loans_of_cases(session: Session, case_ids: Collection[int]) -> dict[int, LoanerLoan]:
    """The open loan of each of these cases that has one, by case id (one statement)."""
    if not case_ids:
        return {}
    loans = session.scalars(
        select(LoanerLoan)
        .where(LoanerLoan.case_id.in_(case_ids), LoanerLoan.returned_at.is_(None))
        .order_by(LoanerLoan.id)
        .options(joinedload(LoanerLoan.loaner))
    )
    return {loan.case_id: loan for loan in loans}  # the newest, should a case hold two


def open_loan_of(session: Session, loaner: Loaner) -> LoanerLoan | None:
    return session.scalar(
        select(LoanerLoan).where(
            LoanerLoan.loaner_id == loaner.id, LoanerLoan.returned_at.is_(None)
        )
    )


def lend(
    session: Session, loaner: Loaner, case: Case, *, due_on: date, now: datetime
) -> LoanerLoan:
    """R5.4: lend an available loaner; one already lent (even at this very moment, by another
    request) is refused with 409: the conditional UPDATE lets only one through."""
    taken = session.execute(
        update(Loaner)
        .where(Loaner.id == loaner.id, Loaner.status == LoanerStatus.AVAILABLE)
        .values(status=LoanerStatus.LENT)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(loaner)
        raise Conflict(
            f"loaner {loaner.serial_number} is not available (it is {loaner.status})",
            field="loaner_serial",
        )
    session.refresh(loaner)
    loan = LoanerLoan(loaner=loaner, case=case, lent_at=now, due_on=due_on)
    session.add(loan)
    session.flush()
    return loan


def take_back(
    session: Session, loan: LoanerLoan, *, condition: Any, note: str | None, now: datetime
) -> LoanerLoan:
    """R5.4: the loaner comes back with its condition recorded; a damaged one is not lent again
    until the warehouse makes it available (retired here)."""
    if condition not in set(LoanerCondition):
        raise ValidationError(
            f"loaner_condition must be one of {', '.join(LoanerCondition)}",
            field="loaner_condition",
        )
    loan.returned_at = now
    loan.condition_on_return = str(condition)
    loan.return_note = note[:500] if note else None
    loaner = loan.loaner
    loaner.condition = str(condition)
    loaner.status = (
        LoanerStatus.RETIRED if condition == LoanerCondition.DAMAGED else LoanerStatus.AVAILABLE
    )
    return loan


def overdue_loans(session: Session, today: date) -> list[LoanerLoan]:
    """Loans past their due date, not returned and not chased yet."""
    return list(
        session.scalars(
            select(LoanerLoan)
            .where(
                LoanerLoan.returned_at.is_(None),
                LoanerLoan.chased_at.is_(None),
                LoanerLoan.due_on < today,
            )
            .order_by(LoanerLoan.due_on, LoanerLoan.id)
            .options(joinedload(LoanerLoan.loaner), joinedload(LoanerLoan.case))
        )
    )


def loans_of(session: Session, loaner: Loaner) -> list[LoanerLoan]:
    return list(
        session.scalars(
            select(LoanerLoan)
            .where(LoanerLoan.loaner_id == loaner.id)
            .order_by(LoanerLoan.id.desc())
            .options(joinedload(LoanerLoan.case))
        )
    )
