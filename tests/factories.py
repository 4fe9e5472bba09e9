"""Named personas and catalogue entries, built through the same services the product uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from backend.cases.models import Case, CaseEvent
from backend.cases.service import next_case_number
from backend.catalog.models import Part, Product
from backend.catalog.service import PartInput, create_product
from backend.db import Base, Database
from backend.people.models import Customer, Technician
from backend.people.service import CertificationInput, create_technician, create_token, create_user
from backend.seed import ensure_departments
from backend.settings import Settings
from backend.stock.service import WORKSHOP, MoveRequest, move_stock, van

FAR_FUTURE = date(2030, 12, 31)


def empty_database(database: Database) -> None:
    """Every table emptied, children first, and every sequence back at 1, as in a fresh database.
    Row by row on purpose: on PostgreSQL a TRUNCATE of every table costs about a second (new files
    for each table), a DELETE of a test's few rows a few milliseconds."""
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        if connection.dialect.name == "postgresql":
            connection.execute(
                text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
                )
            )


# Who drives each kind of case in tests (README "Security": the permission matrix); a manager's
# technician steps carry FOR_THE_TECHNICIAN's reason.
STEP_ROLE = {
    "repair": "repair_manager",
    "complaint": "service_director",
    "return": "repair_manager",
    "inquiry": "hotline_officer",
    "suggestion": "service_director",
}
FOR_THE_TECHNICIAN = {"reason": "the technician phoned it in"}
# Parts a persona's van (and the workshop) hold, so that resolving with parts finds them (R5.3).
STOCKED = 20
TEST_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def receive(session: Any, code: str, location: str, quantity: int) -> None:
    """A purchase receipt of `quantity` × `code` into `location` (the test's stock)."""
    move_stock(
        session,
        MoveRequest(code, None, location, quantity, "test stock"),
        actor="system",
        now=TEST_TIME,
    )


class Personas:
    """`people.token("receptionist")`, `people.technician(...)`, `people.aircon()` …"""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._tokens: dict[str, str] = {}
        with database.session() as session:
            ensure_departments(session)

    def token(self, role: str) -> str:
        """A bearer token of a staff user holding `role` (one user per role)."""
        if role not in self._tokens:
            with self.database.session() as session:
                user = create_user(session, email=f"{role}@test.local", role=role, password="pw")
                self._tokens[role] = create_token(session, user)
        return self._tokens[role]

    def headers(self, role: str = "receptionist") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}

    def technician_headers(self, technician_id: int) -> dict[str, str]:
        """The bearer token of a technician's own login, linked to technician `technician_id`."""
        key = f"technician:{technician_id}"
        if key not in self._tokens:
            with self.database.session() as session:
                user = create_user(
                    session,
                    email=f"technician{technician_id}@test.local",
                    role="technician",
                    password="pw",
                )
                technician = session.get(Technician, technician_id)
                assert technician is not None
                technician.user_id = user.id
                self._tokens[key] = create_token(session, user)
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    def staff_headers(self, kind: str) -> dict[str, str]:
        """A role the permission matrix lets take every staff step on a case of `kind`."""
        return self.headers(STEP_ROLE[kind])

    def product(
        self,
        model: str = "AC-1",
        line: str = "air_conditioner",
        warranty_months: int = 24,
        parts: list[tuple[str, int, int]] | None = None,
        stock: int = STOCKED,
    ) -> int:
        """A product; parts as (code, warranty months, price), `stock` of each in every van
        and the workshop."""
        parts = parts if parts is not None else [("COMP", 120, 300_000), ("FAN", 12, 80_000)]
        with self.database.session() as session:
            product = create_product(
                session,
                model=model,
                name=f"{model} unit",
                product_line=line,
                warranty_months=warranty_months,
                parts=[
                    PartInput(code, code.title(), months, price) for code, months, price in parts
                ],
            )
            places = [WORKSHOP, *(van(t) for t in session.scalars(select(Technician.id)))]
            for code, _months, _price in parts if stock else []:
                for place in places:
                    receive(session, code, place, stock)
            return product.id

    def technician(
        self,
        name: str = "김민수",
        *,
        phone: str = "010-2000-0001",
        zone: str = "city",
        lines: dict[str, date] | None = None,
        van_stock: int = STOCKED,
        **extra: Any,
    ) -> int:
        """A technician; their van holds `van_stock` of every part in the catalogue."""
        lines = lines if lines is not None else {"air_conditioner": FAR_FUTURE}
        with self.database.session() as session:
            technician: Technician = create_technician(
                session,
                name=name,
                phone=phone,
                zone=zone,
                region="KR",
                certifications=[CertificationInput(line, until) for line, until in lines.items()],
                **extra,
            )
            session.flush()
            for code in set(session.scalars(select(Part.code))) if van_stock else set():
                receive(session, code, van(technician.id), van_stock)
            return technician.id


def repair_body(
    *,
    model: str = "AC-1",
    serial: str | None = "SN-1",
    purchased_on: date | None = None,
    zone: str = "city",
    reported_at: str | None = None,
    phone: str = "010-3000-0001",
    **extra: Any,
) -> dict[str, Any]:
    """A repair intake as a receptionist would send it."""
    body: dict[str, Any] = {
        "kind": "repair",
        "channel": "phone",
        "customer": {
            "name": "홍길동",
            "phone": phone,
            "address": "서울 중구 세종대로 110",
            "zone": zone,
        },
        "product": {
            "model": model,
            "serial_number": serial,
            "purchased_on": (purchased_on or date(2026, 1, 10)).isoformat(),
        },
        "description": "찬바람이 안 나와요",
    }
    if reported_at:
        body["reported_at"] = reported_at
    body.update(extra)
    return body


def days_ago(today: date, days: int) -> date:
    return today - timedelta(days=days)


def create_case(client: Any, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """POST /api/v1/cases, asserting 201; the case JSON."""
    response = client.post("/api/v1/cases", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    case: dict[str, Any] = response.get_json()
    return case


def act(
    client: Any,
    headers: dict[str, str],
    number: str,
    action: str,
    body: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> dict[str, Any]:
    """POST one case action, asserting the status code; the answer's JSON."""
    response = client.post(
        f"/api/v1/cases/{number}/actions/{action}",
        headers=headers,
        json=body if body is not None else {},
    )
    assert response.status_code == status, (action, response.get_json())
    answer: dict[str, Any] = response.get_json()
    return answer


def complaint_body(
    topic: str = "product_quality",
    severity: str = "normal",
    phone: str = "010-3000-0009",
    **extra: Any,
) -> dict[str, Any]:
    """A complaint as the hotline would enter it."""
    body: dict[str, Any] = {
        "kind": "complaint",
        "channel": "phone",
        "topic": topic,
        "severity": severity,
        "customer": {"name": "김영희", "phone": phone},
        "description": "불만 내용",
    }
    body.update(extra)
    return body


CUSTOMER_PHONE = "+821030009999"
CUSTOMER_ADDRESS = "서울 중구 세종대로 110"


def case_in_status(
    database: Database,
    *,
    kind: str,
    status: str,
    technician_id: int | None = None,
    department: str | None = None,
    reported_at: datetime | None = None,
) -> str:
    """A case put straight into the database in `status` (no intake, no dispatch): the matrix
    tests need every kind in every status, fast. The case number."""
    moment = reported_at or datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    with database.session() as session:
        customer = session.scalar(select(Customer).where(Customer.phone == CUSTOMER_PHONE))
        if customer is None:
            customer = Customer(name="홍길동", phone=CUSTOMER_PHONE, address=CUSTOMER_ADDRESS)
            session.add(customer)
        product = session.scalar(select(Product).order_by(Product.id))
        case = Case(
            number=next_case_number(session, 2026),
            kind=kind,
            status=status,
            channel="phone",
            customer=customer,
            product=product if kind in ("repair", "return") else None,
            description="찬바람이 안 나와요" if kind != "complaint" else "기사가 불친절했어요",
            zone="city",
            address=CUSTOMER_ADDRESS,
            reported_at=moment,
            sla_due_at=moment + timedelta(hours=6) if kind == "repair" else None,
            service_category="C" if kind == "repair" else None,
            assigned_technician_id=technician_id,
            assigned_at=moment if technician_id else None,
        )
        if kind == "complaint":
            case.topic = "staff_attitude" if department == "complaint_hotline" else "other"
            case.severity = "normal"
            case.department = department or "service"
            case.accountable_role = (
                "hotline_officer" if department == "complaint_hotline" else "service_director"
            )
        session.add(case)
        session.flush()
        session.add(
            CaseEvent(
                case=case,
                actor="system",
                action="intake",
                to_status=status,
                at=moment,
                note="said something private",
            )
        )
        return case.number


def consent_first(
    client: Any, headers: dict[str, str], number: str, body: dict[str, Any]
) -> dict[str, Any] | None:
    """R4.11: quote `body`'s parts and hours and record the customer's yes (by phone), so that
    chargeable work may be done; None when nothing in it is chargeable."""
    quote_body = {k: v for k, v in body.items() if k in ("parts", "hours", "fee", "reason")}
    response = client.post(
        f"/api/v1/cases/{number}/actions/quote", headers=headers, json=quote_body
    )
    if response.status_code == 409 and response.get_json()["error"]["field"] == "quote":
        return None
    assert response.status_code == 200, response.get_json()
    return act(client, headers, number, "accept_quote", {"channel": "phone", **quote_body})
