"""Stock queries and the one way stock moves (R5.1, R5.3): a ledger row plus the balances.

Every movement is a `StockMove` row (append-only, with who and why); the balance rows change in
the same transaction by conditional UPDATEs, so two moves at the same moment can never take a
location below zero: on PostgreSQL the second UPDATE waits for the first's row lock and then
re-checks `quantity >= n`; on SQLite each transaction holds the write lock from its start.
"""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.catalog.models import Part
from backend.errors import OutOfStock, ValidationError
from backend.people.models import Technician
from backend.stock.models import StockBalance, StockMove

logger = logging.getLogger(__name__)

CENTRAL = "central"
WORKSHOP = "workshop"
SUPPLIER = "supplier"  # a purchase receipt's "from" (stored as None)
_LOCATION = re.compile(r"^(central|workshop|van:[1-9][0-9]{0,8})$")
LOCATION_PATTERN = _LOCATION.pattern


class MoveKind(enum.StrEnum):
    """The movements of the materials rules (R5.3)."""

    RECEIPT = "receipt"  # purchase receipt from a supplier
    TRANSFER = "transfer"  # between two locations
    USED = "used"  # fitted on a job (resolve, finish_repair)
    RETURNED = "returned"  # back into stock (from a van or a job)
    WRITE_OFF = "write_off"  # damaged, scrapped
    CORRECTION = "correction"  # a stock-take found more or fewer than the ledger says


# Which kinds fit a move's shape: (has a source, has a destination) → allowed kinds, default first.
SHAPES: dict[tuple[bool, bool], tuple[MoveKind, ...]] = {
    (False, True): (MoveKind.RECEIPT, MoveKind.RETURNED, MoveKind.CORRECTION),
    (True, True): (MoveKind.TRANSFER, MoveKind.RETURNED),
    (True, False): (MoveKind.WRITE_OFF, MoveKind.USED, MoveKind.CORRECTION),
}


def van(technician_id: int) -> str:
    """The stock location of a technician's van."""
    return f"van:{technician_id}"


def van_owner(location: str) -> int | None:
    """The technician whose van `location` is, or None."""
    return int(location[4:]) if location.startswith("van:") else None


def check_location(session: Session, location: str, *, field: str) -> str:
    """`central`, `workshop` or `van:<id>` of a technician who exists (else 422 naming field)."""
    if not isinstance(location, str) or not _LOCATION.match(location):
        raise ValidationError("a location is central, workshop or van:<technician id>", field=field)
    owner = van_owner(location)
    if owner is not None and session.get(Technician, owner) is None:
        raise ValidationError(f"no technician {owner} for {location}", field=field)
    return location


def part_price(session: Session, part_code: str) -> int | None:
    """The list price of a part code (the highest where products share it); None: unknown."""
    return session.scalar(select(func.max(Part.price)).where(Part.code == part_code))


def known_part(session: Session, part_code: str, *, field: str = "part_code") -> int:
    """The part's price, or a 422 naming `field` when no product has this part code."""
    price = part_price(session, part_code)
    if price is None:
        raise ValidationError(f"unknown part code {part_code!r}", field=field)
    return price


@dataclass(frozen=True)
class MoveRequest:
    """One movement as asked: `source` None from a supplier, `destination` None out of stock."""

    part_code: str
    source: str | None
    destination: str | None
    quantity: int
    reason: str
    kind: str | None = None
    case_id: int | None = None


def move_stock(
    session: Session, request: MoveRequest, *, actor: str, now: datetime, field: str = "part_code"
) -> StockMove:
    """Record one movement: a ledger row, and the balances (409 when the source runs short)."""
    price = known_part(session, request.part_code, field=field)
    kind = _kind_of(request)
    if request.source is not None:
        _take(session, request.part_code, request.source, request.quantity, field=field)
    if request.destination is not None:
        _put(session, request.part_code, request.destination, request.quantity)
    move = StockMove(
        part_code=request.part_code,
        from_location=request.source,
        to_location=request.destination,
        quantity=request.quantity,
        kind=kind,
        unit_price=price,
        reason=request.reason[:500],
        actor=actor[:120],
        case_id=request.case_id,
        at=now,
    )
    session.add(move)
    session.flush()
    logger.info("stock %s: %s x%d %s → %s", kind, request.part_code, request.quantity,
                request.source, request.destination)  # fmt: skip
    return move


def _kind_of(request: MoveRequest) -> MoveKind:
    if request.source is None and request.destination is None:
        raise ValidationError("a move needs from or to (or both)", field="to")
    if request.source == request.destination:
        raise ValidationError("from and to must differ", field="to")
    if not 1 <= request.quantity <= 100_000:
        raise ValidationError("quantity must be a whole number 1–100000", field="quantity")
    allowed = SHAPES[(request.source is not None, request.destination is not None)]
    if request.kind is None:
        return allowed[0]
    if request.kind not in allowed:
        raise ValidationError(f"a move of this shape is one of {', '.join(allowed)}", field="kind")
    return MoveKind(request.kind)


def _take(session: Session, part_code: str, location: str, quantity: int, *, field: str) -> None:
    """Take `quantity` off `location` only if that much is there (atomically)."""
    result = session.execute(
        update(StockBalance)
        .where(
            StockBalance.part_code == part_code,
            StockBalance.location == location,
            StockBalance.quantity >= quantity,
        )
        .values(quantity=StockBalance.quantity - quantity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        have = quantity_on_hand(session, part_code, location)
        raise OutOfStock(part_code, location, have, quantity, field)


def _put(session: Session, part_code: str, location: str, quantity: int) -> None:
    """Add `quantity` at `location`, creating its balance row on the first receipt."""
    if _add(session, part_code, location, quantity):
        return
    try:
        with session.begin_nested():  # two first receipts at once: the loser adds instead
            session.execute(
                insert(StockBalance).values(
                    part_code=part_code, location=location, quantity=quantity
                )
            )
    except IntegrityError:
        if not _add(session, part_code, location, quantity):
            raise


def _add(session: Session, part_code: str, location: str, quantity: int) -> bool:
    result = session.execute(
        update(StockBalance)
        .where(StockBalance.part_code == part_code, StockBalance.location == location)
        .values(quantity=StockBalance.quantity + quantity)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def quantity_on_hand(session: Session, part_code: str, location: str) -> int:
    """The balance row's quantity (0 when the part never was there)."""
    quantity = session.scalar(
        select(StockBalance.quantity).where(
            StockBalance.part_code == part_code, StockBalance.location == location
        )
    )
    return quantity or 0


def ledger_quantity(session: Session, part_code: str, location: str) -> int:
    """The quantity as the ledger alone says it: moves in minus moves out (the truth)."""
    moved_in = session.scalar(
        select(func.coalesce(func.sum(StockMove.quantity), 0)).where(
            StockMove.part_code == part_code, StockMove.to_location == location
        )
    )
    moved_out = session.scalar(
        select(func.coalesce(func.sum(StockMove.quantity), 0)).where(
            StockMove.part_code == part_code, StockMove.from_location == location
        )
    )
    return int(moved_in or 0) - int(moved_out or 0)


@dataclass(frozen=True)
class Holding:
    part_code: str
    location: str
    quantity: int


def holdings(
    session: Session, *, location: str | None = None, locations: list[str] | None = None
) -> list[Holding]:
    """Quantities on hand by part and location, in that order (zero rows included)."""
    query = select(StockBalance.part_code, StockBalance.location, StockBalance.quantity)
    if location is not None:
        query = query.where(StockBalance.location == location)
    if locations is not None:
        query = query.where(StockBalance.location.in_(locations))
    rows = session.execute(query.order_by(StockBalance.location, StockBalance.part_code))
    return [Holding(code, where, quantity) for code, where, quantity in rows]


def van_parts(session: Session, technician_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each technician's van: part code → quantity on hand (only parts with some)."""
    if not technician_ids:
        return {}
    found: dict[int, dict[str, int]] = {tid: {} for tid in technician_ids}
    for holding in holdings(session, locations=[van(tid) for tid in technician_ids]):
        owner = van_owner(holding.location)
        if owner is not None and holding.quantity > 0:
            found[owner][holding.part_code] = holding.quantity
    return found


def recent_moves(session: Session, *, limit: int = 50) -> list[StockMove]:
    """The newest ledger rows first (the warehouse page)."""
    return list(session.scalars(select(StockMove).order_by(StockMove.id.desc()).limit(limit)))
