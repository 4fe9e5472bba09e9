"""A quote to a customer without a text channel is read out by phone (R4.11): 1 accepts, 2
declines, recorded as the customer's answer from the phone; played here as Twilio plays it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask.testing import FlaskClient

from backend.db import Database
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body
from tests.ivr.fake_twilio import PUBLIC_BASE_URL, Call, FakeTwilio, spoken

FAN_ONLY = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1}


def _quoted_by_phone(
    client: FlaskClient, people: Personas, fake: FakeTwilio, deliver: Callable[[], dict[str, int]]
) -> tuple[str, Call]:
    """A paid job for a landline customer, quoted on site; the quote call answered by a person."""
    people.product()
    people.technician()
    body = repair_body(purchased_on=date(2024, 6, 1), phone="02-3000-0001")
    number = create_case(client, people.headers(), body)["number"]
    manager = people.headers("repair_manager")
    for action, extra in [("accept", {}), ("arrive", {}), ("quote", FAN_ONLY)]:
        act(client, manager, number, action, {**FOR_THE_TECHNICIAN, **extra})
    assert deliver().get("sent", 0) >= 1
    request = fake.calls()[-1]
    assert request.form["Url"].startswith(f"{PUBLIC_BASE_URL}/ivr/quote/{number}?call_id=")
    call = Call(client, request.sid, "+8215880000", direction="outbound-api")
    call.start(request.form["Url"], AnsweredBy="human")
    return number, call


def test_r4_11_the_customer_accepts_the_quote_by_pressing_1(
    client: FlaskClient,
    database: Database,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Callable[[], dict[str, int]],
) -> None:
    number, call = _quoted_by_phone(client, people, fake_twilio, deliver)
    said = spoken(call.last)  # type: ignore[arg-type]
    assert "130,000" in said and "1번" in said
    call.press("1")
    assert "동의하셨습니다" in spoken(call.last)  # type: ignore[arg-type]
    case = client.get(f"/api/v1/cases/{number}", headers=people.headers()).get_json()
    assert (case["quote"]["status"], case["quote"]["channel"]) == ("accepted", "phone")
    assert case["events"][-1]["action"] == "accept_quote"
    assert case["events"][-1]["channel"] == "phone"
    resolved = act(
        client,
        people.headers("repair_manager"),
        number,
        "resolve",
        {**FOR_THE_TECHNICIAN, **FAN_ONLY},
    )
    assert resolved["status"] == "resolved"


def test_r4_11_pressing_2_declines_and_ends_the_visit_with_the_call_out(
    client: FlaskClient,
    database: Database,
    people: Personas,
    fake_twilio: FakeTwilio,
    deliver: Callable[[], dict[str, int]],
) -> None:
    number, call = _quoted_by_phone(client, people, fake_twilio, deliver)
    call.press("2")
    case = client.get(f"/api/v1/cases/{number}", headers=people.headers()).get_json()
    assert case["quote"]["status"] == "declined" and case["status"] == "resolved"
    assert case["charges"]["total"] == 20_000
