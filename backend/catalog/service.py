"""Products, parts, sold units and maintenance contracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from backend.bounds import check_amount, check_term_date
from backend.catalog.models import Contract, Part, Product, Unit
from backend.errors import Conflict, NotFound, ValidationError
from backend.people.models import Customer


@dataclass(frozen=True)
class PartInput:
    code: str
    name: str
    warranty_months: int
    price: int


def create_product(
    session: Session,
    *,
    model: str,
    name: str,
    product_line: str,
    warranty_months: int,
    parts: list[PartInput],
    max_amount: int | None = None,
) -> Product:
    """A product with its parts; with `max_amount`, no part may cost more (finding 15)."""
    if max_amount is not None:
        for index, part in enumerate(parts):
            check_amount(part.price, maximum=max_amount, field=f"parts[{index}].price")
    if session.scalar(select(Product.id).where(Product.model == model)):
        raise Conflict(f"product {model} exists", field="model")
    codes = [p.code for p in parts]
    if len(set(codes)) != len(codes):
        raise ValidationError("part codes must be unique within a product", field="parts")
    product = Product(
        model=model,
        name=name,
        product_line=product_line,
        warranty_months=warranty_months,
        parts=[
            Part(code=p.code, name=p.name, warranty_months=p.warranty_months, price=p.price)
            for p in parts
        ],
    )
    session.add(product)
    session.flush()
    return product


def add_part(
    session: Session, product: Product, part: PartInput, *, max_amount: int | None = None
) -> Part:
    """A further part of a product, with its own warranty (R4.1); codes are unique per product."""
    if max_amount is not None:
        check_amount(part.price, maximum=max_amount, field="price")
    if any(existing.code == part.code for existing in product.parts):
        raise Conflict(f"{product.model} already has a part {part.code}", field="code")
    row = Part(
        code=part.code, name=part.name, warranty_months=part.warranty_months, price=part.price
    )
    product.parts.append(row)
    session.flush()
    return row


def get_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id) if 1 <= product_id <= 2**31 - 1 else None
    if product is None:
        raise NotFound(f"no product {product_id}", field="product_id")
    return product


def product_lines(session: Session) -> set[str]:
    """Every product line the catalogue has: technicians are certified only for these."""
    return set(session.scalars(select(Product.product_line).distinct()))


def list_products(session: Session) -> list[Product]:
    return list(
        session.scalars(
            select(Product)
            .options(selectinload(Product.parts))
            .order_by(Product.product_line, Product.model)
        )
    )


def get_product_by_model(session: Session, model: str, *, field: str = "product.model") -> Product:
    product = session.scalar(select(Product).where(Product.model == model.strip()))
    if product is None:
        raise ValidationError(f"unknown product model {model!r}", field=field)
    return product


def find_unit(session: Session, product: Product, serial_number: str) -> Unit | None:
    return session.scalar(
        select(Unit).where(Unit.product_id == product.id, Unit.serial_number == serial_number)
    )


def register_unit(
    session: Session,
    *,
    product: Product,
    serial_number: str | None,
    purchased_on: date | None,
    customer: Customer,
) -> Unit | None:
    """The sold unit for this serial number, recorded if new; None without a serial number."""
    if not serial_number:
        return None
    unit = find_unit(session, product, serial_number)
    if unit is None:
        try:
            with session.begin_nested():  # concurrent intakes of one new unit: see upsert_customer
                unit = Unit(
                    product_id=product.id,
                    serial_number=serial_number,
                    purchased_on=purchased_on,
                    customer_id=customer.id,
                )
                session.add(unit)
            return unit
        except IntegrityError:
            unit = find_unit(session, product, serial_number)
            if unit is None:
                raise
    if unit.purchased_on is None and purchased_on is not None:
        unit.purchased_on = purchased_on
    if unit.customer_id is None:
        unit.customer_id = customer.id
    return unit


def create_contract(
    session: Session,
    *,
    customer: Customer,
    product: Product,
    serial_number: str,
    starts_on: date,
    ends_on: date,
    today: date | None = None,
) -> Contract:
    """A service contract for the unit; with `today`, its dates are held to the term bounds
    (2000-01-01 … today + 20 years, backend/bounds.py), as every entry from outside is."""
    if today is not None:
        check_term_date(starts_on, today=today, field="starts_on")
        check_term_date(ends_on, today=today, field="ends_on")
    if ends_on <= starts_on:
        raise ValidationError("ends_on must be after starts_on", field="ends_on")
    unit = register_unit(
        session, product=product, serial_number=serial_number, purchased_on=None, customer=customer
    )
    assert unit is not None
    overlapping = session.scalar(
        select(Contract.id).where(
            Contract.unit_id == unit.id,
            Contract.starts_on <= ends_on,
            Contract.ends_on >= starts_on,
        )
    )
    if overlapping:
        raise Conflict(
            "this unit already has a contract for part of that period", field="starts_on"
        )
    contract = Contract(
        customer_id=customer.id, unit_id=unit.id, starts_on=starts_on, ends_on=ends_on
    )
    session.add(contract)
    session.flush()
    return contract


def list_contracts(session: Session) -> list[Contract]:
    return list(session.scalars(select(Contract).order_by(Contract.ends_on)))


def get_contract(session: Session, contract_id: int) -> Contract:
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(f"no contract {contract_id}")
    return contract
