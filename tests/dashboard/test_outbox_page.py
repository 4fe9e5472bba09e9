"""The Delivery page (finding 9): managers see failed messages, masked, and send one again with
a CSRF-protected form; other roles get 403."""

from __future__ import annotations

from datetime import datetime

import pytest

from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.outbox.service import enqueue
from backend.outbox.transport import TransportError
from backend.outbox.worker import deliver_due
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, text_of
from tests.test_outbox_worker import ScriptedTransport

PHONE = "+821030000001"
TEXT = "홍길동 님, 접수번호 안내"


def _failed_sms(database: Database, at: datetime) -> int:
    with database.session() as session:
        row = enqueue(
            session,
            channel="sms",
            recipient=PHONE,
            payload={"body": TEXT},
            purpose="case_confirmation",
            now=at,
        )
        session.flush()
        assert row is not None
        message_id = row.id
    error = f"twilio 400 21211: The 'To' number {PHONE} is not valid."
    refused = ScriptedTransport("sms", TransportError(error, permanent=True))
    assert deliver_due(database, {"sms": refused}, clock=lambda: at) == {"failed": 1}
    return message_id


def _status(database: Database, message_id: int) -> str:
    with database.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert row is not None
        return row.status


def test_a_manager_sees_failed_messages_masked_in_korean(
    browser: Browser, database: Database, clock: Clock
) -> None:
    _failed_sms(database, clock())
    browser.login("repair_manager")
    page = browser.get("/outbox")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "보내지 못한 메시지" in text and "실패한 메시지 1건" in text and "다시 보내기" in text
    assert "+821…01" in text and "Case confirmation" in text and "2026-11-25 10:00" in text
    assert "twilio 400 21211: The 'To' number …01 is not valid." in text
    assert PHONE not in page.text and "1030000001" not in page.text and TEXT not in page.text
    assert 'href="/outbox"' in browser.get("/cases").text  # in the menu


def test_send_again_needs_the_csrf_token_and_queues_the_message(
    browser: Browser, database: Database, clock: Clock
) -> None:
    message_id = _failed_sms(database, clock())
    browser.login("service_director")
    forged = browser.client.post(f"/outbox/{message_id}/retry", data={})
    assert forged.status_code == 400 and _status(database, message_id) == "failed"
    response = browser.post(f"/outbox/{message_id}/retry")
    assert response.status_code == 302 and response.location == "/outbox"
    assert _status(database, message_id) == "pending"
    page = text_of(browser.get("/outbox").text)
    assert (
        "메시지를 다시 발송 대기열에 넣었습니다." in page
        and "모든 메시지가 전달되었습니다." in page
    )
    browser.post(f"/outbox/{message_id}/retry")  # a second click: already queued
    assert "이 메시지는 이미 실패 상태가 아닙니다." in text_of(browser.get("/outbox").text)
    assert browser.post("/outbox/999999/retry").status_code == 404


@pytest.mark.parametrize(
    "role", ["receptionist", "vice_president", "hotline_officer", "warehouse_clerk", "technician"]
)
def test_other_roles_get_403(browser: Browser, database: Database, clock: Clock, role: str) -> None:
    message_id = _failed_sms(database, clock())
    browser.login(role)
    assert browser.get("/outbox").status_code == 403
    assert browser.post(f"/outbox/{message_id}/retry").status_code == 403
    assert _status(database, message_id) == "failed"
    assert 'href="/outbox"' not in browser.get("/cases").text  # not in their menu
