"""`aftersales seed --demo`: a realistic Korean demo catalogue, people, contracts (idempotent)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors import SYSTEM
from backend.calendar import calendar_for
from backend.catalog.fees import FeeScheduleVersion, publish_schedule
from backend.catalog.models import Contract, Part, Product
from backend.catalog.promotions import WarrantyPromotion, record_promotion
from backend.catalog.service import product_lines, register_unit
from backend.complaints.routing import DEPARTMENT_NAMES, DepartmentCode
from backend.knowledge.models import Document
from backend.knowledge.sample import sample_guide
from backend.knowledge.service import Upload, store_document
from backend.people.models import (
    Certification,
    Customer,
    Department,
    Role,
    StaffUser,
    Technician,
    Zone,
)
from backend.people.service import create_user, upsert_customer
from backend.phones import normalize_phone
from backend.reports.daily import create_branch
from backend.reports.models import Branch
from backend.settings import Settings
from backend.stock.models import StockMove
from backend.stock.reorder import set_reorder_point
from backend.stock.service import CENTRAL, WORKSHOP, MoveRequest, move_stock, van
from backend.tools.models import Tool
from backend.tools.service import register_tool
from backend.workshop.models import Loaner
from backend.workshop.service import add_loaner

DEMO_PASSWORD = "demo1234"
DEMO_DOMAIN = "demo.aftersales.local"

# model, name, line, warranty months, parts (code, name, warranty months, price KRW)
PRODUCTS: list[tuple[str, str, str, int, list[tuple[str, str, int, int]]]] = [
    (
        "AC-2400W",
        "벽걸이 에어컨 2400W",
        "air_conditioner",
        24,
        [
            ("AC-COMP", "컴프레서", 120, 320_000),
            ("AC-FAN", "실내기 팬 모터", 24, 85_000),
            ("AC-PCB", "메인 PCB", 12, 140_000),
            ("AC-REMOTE", "리모컨", 6, 25_000),
        ],
    ),
    (
        "AC-STAND-18",
        "스탠드 에어컨 18평형",
        "air_conditioner",
        24,
        [("ACS-COMP", "인버터 컴프레서", 120, 450_000), ("ACS-PCB", "제어 PCB", 12, 160_000)],
    ),
    (
        "RF-800",
        "양문형 냉장고 800L",
        "refrigerator",
        12,
        [
            ("RF-COMP", "리니어 컴프레서", 120, 380_000),
            ("RF-ICE", "제빙기", 12, 95_000),
            ("RF-GASKET", "도어 가스켓", 6, 30_000),
        ],
    ),
    (
        "WM-21KG",
        "드럼 세탁기 21kg",
        "washing_machine",
        12,
        [
            ("WM-MOTOR", "DD 모터", 120, 260_000),
            ("WM-PUMP", "배수 펌프", 12, 45_000),
            ("WM-BEARING", "베어링 세트", 24, 70_000),
        ],
    ),
    (
        "WP-100",
        "냉온정수기",
        "water_purifier",
        12,
        [("WP-FILTER", "복합 필터", 3, 35_000), ("WP-VALVE", "급수 밸브", 12, 28_000)],
    ),
    (
        "TV-65Q",
        "65인치 QLED TV",
        "television",
        24,
        [("TV-PANEL", "디스플레이 패널", 24, 900_000), ("TV-PSU", "전원 보드", 12, 120_000)],
    ),
]

# name, phone, zone, home (lat, lon), certified lines
TECHNICIANS: list[tuple[str, str, str, tuple[float, float], list[str]]] = [
    ("김민수", "010-2000-0001", "city", (37.5665, 126.9780), ["air_conditioner", "refrigerator"]),
    ("이서연", "010-2000-0002", "city", (37.5172, 127.0473), ["washing_machine", "television"]),
    ("박지훈", "010-2000-0003", "city", (37.5547, 126.9707), ["air_conditioner", "water_purifier"]),
    ("최유진", "010-2000-0004", "suburb", (37.2636, 127.0286), ["refrigerator", "washing_machine"]),
    (
        "정현우",
        "010-2000-0005",
        "suburb",
        (37.4563, 126.7052),
        ["air_conditioner", "television", "water_purifier"],
    ),
    ("강도윤", "010-2000-0006", "suburb", (37.6584, 126.8320), ["refrigerator", "air_conditioner"]),
]

CUSTOMERS: list[tuple[str, str, str, str]] = [
    ("홍길동", "010-3000-0001", "서울특별시 중구 세종대로 110", "city"),
    ("김영희", "010-3000-0002", "경기도 수원시 팔달구 효원로 241", "suburb"),
    ("Jane Park", "010-3000-0003", "서울특별시 강남구 테헤란로 152", "city"),
]


def ensure_departments(session: Session) -> None:
    for code, (name_en, name_ko) in DEPARTMENT_NAMES.items():
        if session.get(Department, str(code)) is None:
            session.add(Department(code=str(code), name_en=name_en, name_ko=name_ko))


def _products(session: Session) -> int:
    added = 0
    for model, name, line, months, parts in PRODUCTS:
        if session.scalar(select(Product.id).where(Product.model == model)):
            continue
        session.add(
            Product(
                model=model,
                name=name,
                product_line=line,
                warranty_months=months,
                parts=[Part(code=c, name=n, warranty_months=w, price=p) for c, n, w, p in parts],
            )
        )
        added += 1
    session.flush()
    return added


def _technicians(session: Session, settings: Settings, today: date) -> int:
    added = 0
    for index, (name, phone, zone, home, lines) in enumerate(TECHNICIANS):
        e164 = normalize_phone(phone, region=settings.region)
        if session.scalar(select(Technician.id).where(Technician.phone == e164)):
            continue
        # One certification expired last month, to show that dispatch never uses it (R4.4).
        certifications = [
            Certification(product_line=line, valid_until=today + timedelta(days=365))
            for line in lines
        ]
        if index == 5:
            certifications[-1].valid_until = today - timedelta(days=30)
        session.add(
            Technician(
                name=name,
                phone=e164,
                zone=zone,
                home_lat=home[0],
                home_lon=home[1],
                certifications=certifications,
            )
        )
        added += 1
    session.flush()
    return added


def _customers_and_contracts(session: Session, settings: Settings, today: date) -> int:
    customers: list[Customer] = []
    for name, phone, address, zone in CUSTOMERS:
        customers.append(
            upsert_customer(
                session,
                name=name,
                phone=phone,
                region=settings.region,
                address=address,
                zone=zone,
                language="en" if name.isascii() else "ko",
            )
        )
    models = {p.model: p for p in session.scalars(select(Product))}
    units = [
        register_unit(
            session,
            product=models["AC-2400W"],
            serial_number="AC24-0001",
            purchased_on=today - timedelta(days=200),
            customer=customers[0],
        ),
        register_unit(
            session,
            product=models["RF-800"],
            serial_number="RF80-0042",
            purchased_on=today - timedelta(days=900),
            customer=customers[1],
        ),
        register_unit(
            session,
            product=models["WM-21KG"],
            serial_number="WM21-0777",
            purchased_on=today - timedelta(days=500),
            customer=customers[2],
        ),
    ]
    # R9.6: the customer with a maintenance contract running for months is a key customer,
    # visited every 60 days (idempotent: the flag and the interval are only set).
    if not customers[2].key_customer:
        customers[2].key_customer = True
        customers[2].key_since = today - timedelta(days=30)
    customers[2].visit_interval_days = 60
    added = 0
    # A contract close to its end (R7.15 notice due) and one running for months.
    for unit, customer, start, end in [
        (units[1], customers[1], today - timedelta(days=340), today + timedelta(days=25)),
        (units[2], customers[2], today - timedelta(days=30), today + timedelta(days=335)),
    ]:
        assert unit is not None
        if session.scalar(select(Contract.id).where(Contract.unit_id == unit.id)):
            continue
        session.add(
            Contract(customer_id=customer.id, unit_id=unit.id, starts_on=start, ends_on=end)
        )
        added += 1
    return added


def _users(session: Session) -> list[str]:
    emails = []
    for role in Role:
        email = f"{role.value.replace('_', '.')}@{DEMO_DOMAIN}"
        emails.append(email)
        if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is None:
            create_user(
                session,
                email=email,
                role=role,
                password=DEMO_PASSWORD,
                name=role.value.replace("_", " ").title(),
            )
    technician = session.scalar(select(Technician).order_by(Technician.id))
    user = session.scalar(select(StaffUser).where(StaffUser.role == Role.TECHNICIAN))
    if technician is not None and user is not None and technician.user_id is None:
        technician.user_id = user.id  # the demo technician login is 김민수
    return emails


# Department staff outside after-sales (R2.3): (e-mail, name, department, head?)
DEPARTMENT_STAFF: list[tuple[str, str, str, bool]] = [
    ("rnd.head@demo.aftersales.local", "R&D head", DepartmentCode.RND_PRODUCTION, True),
    ("rnd.engineer@demo.aftersales.local", "R&D engineer", DepartmentCode.RND_PRODUCTION, False),
    ("marketing.head@demo.aftersales.local", "Marketing head", DepartmentCode.MARKETING, True),
    (
        "dealer.head@demo.aftersales.local",
        "Dealer relations head",
        DepartmentCode.DEALER_RELATIONS,
        True,
    ),
]
# Existing roles in their departments, and the heads among them.
ROLE_DEPARTMENTS: dict[str, tuple[str, bool]] = {
    Role.SERVICE_DIRECTOR: (DepartmentCode.SERVICE, True),
    Role.REPAIR_MANAGER: (DepartmentCode.SERVICE, False),
    Role.RECEPTIONIST: (DepartmentCode.SERVICE, False),
    Role.WAREHOUSE_CLERK: (DepartmentCode.WAREHOUSE_TRANSPORT, True),
    Role.HOTLINE_OFFICER: (DepartmentCode.COMPLAINT_HOTLINE, True),
    Role.DEPARTMENT_STAFF: (DepartmentCode.MARKETING, False),
}


def _department_staff(session: Session) -> list[str]:
    """Heads and members of every department (R2.3–R2.8), demo accounts for the others."""
    emails = []
    for email, name, _department, _head in DEPARTMENT_STAFF:
        emails.append(email)
        if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is None:
            create_user(
                session,
                email=email,
                role=Role.DEPARTMENT_STAFF,
                password=DEMO_PASSWORD,
                name=name,
            )
    session.flush()
    for email, _name, department, head in DEPARTMENT_STAFF:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is not None:
            _place(session, user, department, head)
    for role, (department, head) in ROLE_DEPARTMENTS.items():
        email = f"{role.replace('_', '.')}@demo.aftersales.local"
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is not None:
            _place(session, user, department, head)
    return emails


def _place(session: Session, user: StaffUser, department: str, head: bool) -> None:
    if user.department is None:
        user.department = department
    row = session.get(Department, department)
    if head and row is not None and row.head_user_id is None:
        row.head_user_id = user.id


def _branches(session: Session) -> int:
    """R7.12: the city and suburb teams, each under the demo repair manager."""
    if session.scalar(select(Branch.id)) is not None:
        return 0
    manager = session.scalar(select(StaffUser).where(StaffUser.role == Role.REPAIR_MANAGER))
    added = 0
    for name, zone in (("서울 도심 지점", Zone.CITY), ("경기 교외 지점", Zone.SUBURB)):
        technicians = session.scalars(select(Technician.id).where(Technician.zone == zone)).all()
        create_branch(
            session,
            name=name,
            manager_user_id=manager.id if manager else None,
            technician_ids=list(technicians),
        )
        added += 1
    return added


# R4.3, R4.8, R4.11: the demo fee schedule (KRW): labour per hour by product line, call-out
# by zone, transport of goods to the workshop; parts at their list price.
DEMO_LABOUR = {"air_conditioner": 35_000, "refrigerator": 30_000, "washing_machine": 30_000}
DEMO_DEFAULT_LABOUR, DEMO_TRANSPORT = 30_000, 15_000
DEMO_CALL_OUT = {"city": 20_000, "suburb": 30_000}


def _fee_schedule(session: Session, settings: Settings, now: datetime) -> int:
    """Version 1 of the fee schedule, once (an admin's later versions are left alone)."""
    if session.scalar(select(FeeScheduleVersion.version).limit(1)) is not None:
        return 0
    lines = product_lines(session)
    publish_schedule(
        session,
        labour_per_hour={k: v for k, v in DEMO_LABOUR.items() if k in lines},
        default_labour_per_hour=DEMO_DEFAULT_LABOUR,
        call_out=DEMO_CALL_OUT,
        transport=DEMO_TRANSPORT,
        product_lines=lines,
        published_by="seed",
        maximum=settings.max_amount,
        now=now,
    )
    return 1


def _stock(session: Session, now: datetime) -> int:
    """R5.1: the central warehouse, the workshop and each van stocked once, with reorder points
    at the central warehouse; nothing when the ledger has any row already."""
    if session.scalar(select(StockMove.id).limit(1)) is not None:
        return 0
    parts = session.execute(select(Part.code, Product.product_line).join(Product)).all()
    moves = 0
    for code, _line in parts:
        for location, quantity in ((CENTRAL, 30), (WORKSHOP, 5)):
            _receive(session, code, location, quantity, now)
            moves += 1
        set_reorder_point(
            session, part_code=code, location=CENTRAL, reorder_point=5, reorder_quantity=10, now=now
        )
    for technician in session.scalars(select(Technician).order_by(Technician.id)):
        lines = {c.product_line for c in technician.certifications}
        for code, line in parts:
            if line in lines:
                _receive(session, code, van(technician.id), 3, now)
                moves += 1
    return moves


def _receive(session: Session, code: str, location: str, quantity: int, now: datetime) -> None:
    request = MoveRequest(code, None, location, quantity, "demo opening stock")
    move_stock(session, request, actor="system", now=now)


def _loaners(session: Session, now: datetime) -> int:
    """R5.4: two loaner units of each demo model; nothing when any loaner exists."""
    if session.scalar(select(Loaner.id).limit(1)) is not None:
        return 0
    models = session.scalars(select(Product.model).order_by(Product.model)).all()
    for model in models:
        for index in (1, 2):
            add_loaner(
                session, serial_number=f"LN-{model}-{index}", model=model, note=None, now=now
            )
    return 2 * len(models)


# Tools (R5.5): serial, name, kind, value, purchase date; the first two with the demo technician.
TOOLS: list[tuple[str, str, str, int, date]] = [
    ("MM-DEMO-1", "Digital multimeter", "test_equipment", 250_000, date(2025, 3, 2)),
    ("RG-DEMO-1", "Refrigerant gauge set", "tool", 180_000, date(2025, 4, 14)),
    ("IT-DEMO-1", "Insulation tester", "test_equipment", 420_000, date(2024, 11, 5)),
]


def _assets(session: Session, settings: Settings, today: date, now: datetime) -> int:
    """Tools (two with the first technician, one in the store), a warranty promotion on the
    wall air conditioner's fan motor (R4.2) and its repair guide as a PDF (R6.3)."""
    added = 0
    technician = session.scalar(select(Technician).order_by(Technician.id))
    for index, (serial, name, kind, value, bought) in enumerate(TOOLS):
        if session.scalar(select(Tool.id).where(Tool.serial_number == serial)) is None:
            holder = technician.id if technician is not None and index < 2 else None
            register_tool(
                session,
                serial_number=serial,
                name=name,
                kind=kind,
                value=value,
                purchased_on=bought,
                holder_id=holder,
                today=today,
                now=now,
            )
            added += 1
    if session.scalar(select(WarrantyPromotion.id)) is None:
        record_promotion(
            session,
            name="2025 summer: fan motor +24 months",
            models=["AC-2400W"],
            purchased_from=date(2025, 6, 1),
            purchased_until=date(2025, 8, 31),
            extra_months=0,
            part_months={"AC-FAN": 24},
            created_by=None,
            now=now,
        )
        added += 1
    if session.scalar(select(Document.id)) is None:
        guide = sample_guide(
            "AC-2400W",
            [
                "1. Switch off and unplug the unit.",
                "2. Remove the front panel (4 screws).",
                "3. Check the fan motor AC-FAN: 200-240 ohm between white and red.",
            ],
        )
        store_document(
            session,
            settings,
            Upload(
                "AC-2400W",
                "AC-FAN",
                "repair_guide",
                "service",
                "Fan motor replacement",
                "AC-2400W-fan-motor.pdf",
                guide,
            ),
            actor=SYSTEM,
            now=now,
        )
        added += 1
    return added


def seed_demo(session: Session, *, settings: Settings, now: datetime) -> dict[str, Any]:
    """Load the demo data; running it again adds nothing."""
    today = calendar_for(settings).local_date(now)
    ensure_departments(session)
    summary = {
        "products_added": _products(session),
        "technicians_added": _technicians(session, settings, today),
        "contracts_added": _customers_and_contracts(session, settings, today),
        "users": _users(session) + _department_staff(session),
        "branches_added": _branches(session),
        "fee_schedules_added": _fee_schedule(session, settings, now),
        "stock_moves_added": _stock(session, now),
        "loaners_added": _loaners(session, now),
        "assets_added": _assets(session, settings, today, now),  # R4.2, R5.5, R6.3
        "password": DEMO_PASSWORD,
    }
    return summary


def demo_logins(session: Session) -> list[str]:
    """The demo accounts present (their password is DEMO_PASSWORD unless someone changed it)."""
    emails = session.scalars(
        select(StaffUser.email).where(StaffUser.email.like(f"%@{DEMO_DOMAIN}"), StaffUser.active)
    )
    return sorted(emails)
