"""A technician's Telegram (R5.6, R6.3): `/tools` lists their tools, a handover is confirmed
with buttons by both technicians, and `/manual MODEL` sends the model's documents they may
read as Telegram documents through the outbox and the real client, to a fake Bot API."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.assets.conftest import PDF
from tests.assets.test_documents import upload
from tests.factories import Personas
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_jobs import TECHNICIAN, linked_technician

OTHER = 2002


def _register_tool(client: Any, people: Personas, holder: int, serial: str, name: str) -> int:
    body = {
        "serial_number": serial,
        "name": name,
        "value": 120_000,
        "purchased_on": "2025-02-01",
        "holder_id": holder,
    }
    answer = client.post("/api/v1/tools", json=body, headers=people.headers("warehouse_clerk"))
    assert answer.status_code == 201, answer.get_json()
    tool_id: int = answer.get_json()["id"]
    return tool_id


def _link(
    people: Personas, client: Any, telegram_user: Any, name: str, phone: str, chat: int
) -> Any:
    technician_id = people.technician(name, phone=phone)
    code = client.post(
        f"/api/v1/technicians/{technician_id}/link-code", headers=people.headers("repair_manager")
    ).get_json()["code"]
    user = telegram_user(chat, first_name=name)
    user.says(f"/link {code}")
    return technician_id, user


def test_r5_6_tools_lists_the_technicians_own_tools(
    people: Personas, tg_app: Flask, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    client = tg_app.test_client()
    kim_id, tech = _link(people, client, telegram_user, "김민수", "010-2000-0001", TECHNICIAN)
    other_id, _other = _link(people, client, telegram_user, "박지성", "010-2000-0002", OTHER)
    _register_tool(client, people, kim_id, "MM-1", "Digital multimeter")
    _register_tool(client, people, other_id, "CR-9", "Crimper")
    tech.says("/tools")
    text = tech.last_text()
    assert "Digital multimeter" in text and "MM-1" in text
    assert "Crimper" not in text  # a colleague's tool is not theirs
    customer = telegram_user(1001)
    customer.says("/tools")
    assert customer.last_text() == "연결된 기사 계정만 작업을 볼 수 있습니다."


def test_r5_6_a_handover_in_telegram_needs_both_technicians_buttons(
    people: Personas, tg_app: Flask, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    client = tg_app.test_client()
    kim_id, kim = _link(people, client, telegram_user, "김민수", "010-2000-0001", TECHNICIAN)
    park_id, park = _link(people, client, telegram_user, "박지성", "010-2000-0002", OTHER)
    tool_id = _register_tool(client, people, kim_id, "MM-1", "Digital multimeter")
    started = client.post(
        f"/api/v1/tools/{tool_id}/handovers",
        json={"to_technician_id": park_id},
        headers=people.headers("repair_manager"),
    )
    handover = started.get_json()["id"]
    kim.says("/tools")  # the messages the flow queued go out with the next delivery
    assert f"tool:give:{handover}" in [
        b["callback_data"]
        for row in bot_api.message_with_button(TECHNICIAN, f"tool:give:{handover}").params[
            "reply_markup"
        ]["inline_keyboard"]
        for b in row
    ]
    kim.presses(f"tool:give:{handover}")
    assert "다른 쪽" in kim.last_text() or "other side" in kim.last_text()
    tool = client.get(f"/api/v1/tools/{tool_id}", headers=people.headers("repair_manager"))
    assert tool.get_json()["holder"]["id"] == kim_id  # not moved on one confirmation
    park.presses(f"tool:take:{handover}")
    tool = client.get(f"/api/v1/tools/{tool_id}", headers=people.headers("repair_manager"))
    assert tool.get_json()["holder"]["id"] == park_id
    assert any("Digital multimeter" in t for t in bot_api.texts(TECHNICIAN)[-2:])


def test_r6_3_manual_sends_the_models_documents_through_the_bot_api(
    people: Personas, tg_app: Flask, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    client = tg_app.test_client()
    tech = linked_technician(people, client, telegram_user)
    people.product("AC-1")
    guide = upload(client, people, part_code="FAN").get_json()
    upload(client, people, level="confidential", kind="specification", title="Design secrets")
    tech.says("/manual ac-1")
    sent = bot_api.of("sendDocument", TECHNICIAN)
    assert len(sent) == 1  # the confidential specification is not a technician's (R6.5)
    assert sent[0].params["document"]["filename"] == guide["filename"]
    assert sent[0].params["document"]["size"] == len(PDF)
    assert sent[0].params["document"]["head"] == b"%PDF-"
    assert "Fan replacement" in sent[0].params["caption"]
    assert "AC-1" in tech.last_text()
    tech.says("/manual NOPE-9")
    assert "NOPE-9" in tech.last_text() and len(bot_api.of("sendDocument", TECHNICIAN)) == 1


def test_a_forged_handover_button_is_refused_politely(
    people: Personas, tg_app: Flask, telegram_user: Any, bot_api: FakeBotApi
) -> None:
    from datetime import UTC, datetime

    from telegram import CallbackQuery, Message, User

    from tests.telegram.fake_bot_api import BOT_USER

    client = tg_app.test_client()
    _kim, kim = _link(people, client, telegram_user, "김민수", "010-2000-0001", TECHNICIAN)
    shown = Message(
        message_id=1, date=datetime.now(UTC), chat=kim.chat, from_user=User(**BOT_USER), text="…"
    )
    for data in ("tool:give:99999999999999999999", "tool:steal:1", "tool:give:1"):
        query = CallbackQuery(
            id=f"forged-{data}", from_user=kim.user, chat_instance="ci", data=data, message=shown
        )
        assert kim.post(kim.update(callback_query=query)).status_code == 200
        assert kim.last_text() == "없는 인수인계입니다."
