"""Partner tests share the Telegram fixtures (the fake Bot API, linked chats) and add partners."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient

from tests.dashboard.conftest import browser  # noqa: F401 - a fixture, used by name
from tests.factories import Personas
from tests.telegram.conftest import (  # noqa: F401 - fixtures, used by name
    bot_api,
    telegram_user,
    tg_app,
    tg_settings,
    transport,
)

NEAR = (37.5700, 126.9800)  # a few hundred metres from Seoul City Hall
CHEONAN = (36.8151, 127.1139)  # over an hour from Seoul by any road


def add_partner(
    client: FlaskClient,
    people: Personas,
    name: str = "한빛서비스",
    *,
    zones: tuple[str, ...] = ("city",),
    lines: tuple[str, ...] = ("air_conditioner",),
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2027, 12, 31),
    call_out_rate: int = 25_000,
    hourly_rate: int = 18_000,
    staff_phone: str = "010-4000-0001",
    home: tuple[float, float] = NEAR,
    **staff: Any,
) -> tuple[int, int]:
    """A partner shop with a contract and one member of staff; (partner id, technician id)."""
    manager = people.headers("repair_manager")
    answer = client.post("/api/v1/partners", headers=manager, json={"name": name})
    assert answer.status_code == 201, answer.get_json()
    partner_id = answer.get_json()["id"]
    contract = {
        "zones": list(zones),
        "product_lines": list(lines),
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "call_out_rate": call_out_rate,
        "hourly_rate": hourly_rate,
    }
    answer = client.post(f"/api/v1/partners/{partner_id}/contracts", headers=manager, json=contract)
    assert answer.status_code == 201, answer.get_json()
    member = {
        "name": f"{name} 기사",
        "phone": staff_phone,
        "zone": "city",
        "home": {"lat": home[0], "lon": home[1]},
        **staff,
    }
    answer = client.post(f"/api/v1/partners/{partner_id}/technicians", headers=manager, json=member)
    assert answer.status_code == 201, answer.get_json()
    return partner_id, answer.get_json()["id"]
