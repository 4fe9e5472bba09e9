"""Analysis of the service log (R9.1): by product model, part and month — repairs, parts
replaced, repeat repairs of the same unit within 90 days, complaint topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cases.models import Case
from backend.cases.service import next_case_number
from backend.catalog.models import Product, Unit
from backend.db import Database
from backend.people.models import Customer
from tests.factories import Personas


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 2, 0, tzinfo=UTC)  # 11:00 in Seoul


class History:
    """Repairs and complaints on known days of 2026."""

    def __init__(self, database: Database, people: Personas) -> None:
        people.product("AC-1")
        people.product("WM-7", line="washing_machine", parts=[("DRUM", 60, 200_000)])
        with database.session() as session:
            self.customer = Customer(name="홍길동", phone="+821030009999")
            session.add(self.customer)
            ac = session.scalar(select(Product).where(Product.model == "AC-1"))
            wm = session.scalar(select(Product).where(Product.model == "WM-7"))
            assert ac is not None and wm is not None
            sn1, sn2, sn3 = (Unit(product=ac, serial_number=s) for s in ("SN-1", "SN-2", "SN-3"))
            drum = Unit(product=wm, serial_number="WM-1")
            session.add_all([sn1, sn2, sn3, drum])
            # SN-1: mended in September, broken again 71 days later: a repeat repair.
            self.repair(session, ac, sn1, _at(9, 10), parts={"FAN": 1})
            self.repair(session, ac, sn1, _at(11, 20), parts={"COMP": 1})
            # SN-2: once in November.
            self.repair(session, ac, sn2, _at(11, 2), parts={"FAN": 2})
            # SN-3: May and October, 153 days apart: not a repeat.
            self.repair(session, ac, sn3, _at(5, 1))
            self.repair(session, ac, sn3, _at(10, 1))
            # A washing machine in November whose drum was replaced.
            self.repair(session, wm, drum, _at(11, 5), parts={"DRUM": 1})
            self.complaint(session, ac, "product_quality", _at(11, 21))
            self.complaint(session, None, "packaging", _at(11, 22))

    def repair(
        self,
        session: object,
        product: Product,
        unit: Unit,
        reported: datetime,
        parts: dict[str, int] | None = None,
    ) -> None:
        resolved = reported + timedelta(hours=3)
        self._add(
            session,
            kind="repair",
            status="closed",
            product=product,
            unit=unit,
            reported_at=reported,
            resolved_at=resolved,
            charges={"parts": [{"code": c, "quantity": q} for c, q in (parts or {}).items()]},
        )

    def complaint(
        self, session: object, product: Product | None, topic: str, reported: datetime
    ) -> None:
        self._add(
            session,
            kind="complaint",
            status="routed",
            product=product,
            topic=topic,
            reported_at=reported,
        )

    def _add(self, session: object, **fields: object) -> None:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        reported = fields["reported_at"]
        assert isinstance(reported, datetime)
        session.add(
            Case(
                number=next_case_number(session, reported.year),
                channel="phone",
                customer=self.customer,
                zone="city",
                description="-",
                **fields,
            )
        )
        session.flush()


def test_r9_1_analysis_counts_repairs_parts_repeats_and_complaint_topics(
    client: FlaskClient, database: Database, people: Personas
) -> None:
    History(database, people)
    answer = client.get(
        "/api/v1/reports/analysis?from=2026-10&to=2026-11", headers=people.headers("vice_president")
    )
    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()
    rows = {(r["month"], r["model"]): r for r in result["by_model"]}
    november = rows[("2026-11", "AC-1")]
    assert (november["repairs"], november["repeat_repairs"]) == (2, 1)
    assert november["parts_replaced"] == 3  # COMP 1 + FAN 2
    assert november["complaints"] == 1
    october = rows[("2026-10", "AC-1")]
    assert (october["repairs"], october["repeat_repairs"]) == (1, 0)  # 153 days: not a repeat
    assert rows[("2026-11", "WM-7")]["parts_replaced"] == 1
    assert ("2026-09", "AC-1") not in rows  # before the months asked for
    parts = {(r["month"], r["model"], r["part"]): r["replaced"] for r in result["by_part"]}
    assert parts == {
        ("2026-11", "AC-1", "COMP"): 1,
        ("2026-11", "AC-1", "FAN"): 2,
        ("2026-11", "WM-7", "DRUM"): 1,
    }
    topics = {(r["model"], r["topic"]): r["complaints"] for r in result["complaint_topics"]}
    assert topics == {("AC-1", "product_quality"): 1, ("-", "packaging"): 1}


def test_r9_1_analysis_refuses_bad_months_and_roles_without_reports(
    client: FlaskClient, people: Personas
) -> None:
    headers = people.headers("service_director")
    assert client.get("/api/v1/reports/analysis?from=2026-13", headers=headers).status_code == 422
    backwards = client.get("/api/v1/reports/analysis?from=2026-11&to=2026-01", headers=headers)
    assert backwards.status_code == 422 and backwards.get_json()["error"]["field"] == "from"
    too_long = client.get("/api/v1/reports/analysis?from=2020-01&to=2026-01", headers=headers)
    assert too_long.status_code == 422
    receptionist = people.headers("receptionist")
    assert client.get("/api/v1/reports/analysis", headers=receptionist).status_code == 403
