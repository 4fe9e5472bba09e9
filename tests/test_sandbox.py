"""The sandbox (issue 15): the app answers Telegram and Twilio itself, and the real clients and
webhooks run through it over real HTTP. No browser here; tests/browser plays the guided tour."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from backend.db import Database
from backend.sandbox.config import sandbox_settings
from backend.settings import Settings, SettingsError
from ivr.transport import make_client
from tests.conftest import Clock
from tests.factories import Personas
from tests.sandbox_site import SandboxSite, serve_sandbox

CUSTOMER_CHAT = 7_000_123


@pytest.fixture
def site(database: Database, settings: Settings, clock: Clock) -> Iterator[SandboxSite]:
    with serve_sandbox(database, settings, clock) as running:
        yield running


def feed(site: SandboxSite, after: int = 0) -> list[dict[str, Any]]:
    answer = httpx.get(site.address(f"/sandbox/feed?after={after}"))
    assert answer.status_code == 200
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def post_update(site: SandboxSite, update: dict[str, Any], secret: str | None) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return httpx.post(site.address("/telegram/webhook"), json=update, headers=headers)


def start_message(update_id: int, text: str = "/start") -> dict[str, Any]:
    user = {"id": CUSTOMER_CHAT, "is_bot": False, "first_name": "고객", "language_code": "ko"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_764_000_000,
            "chat": {"id": CUSTOMER_CHAT, "type": "private"},
            "from": user,
            "text": text,
        },
    }


def test_a_chat_message_reaches_the_real_webhook_and_the_reply_comes_back_through_the_bot_api(
    site: SandboxSite,
) -> None:
    answer = post_update(site, start_message(1), site.settings.telegram_webhook_secret)
    assert answer.status_code == 200 and answer.json()["ok"] is True
    delivered = site.deliver()  # python-telegram-bot's Bot → /sandbox/telegram/bot…/sendMessage
    assert delivered.get("sent", 0) >= 1
    replies = [e for e in feed(site) if e["kind"] == "telegram.message"]
    assert replies and replies[-1]["chat_id"] == CUSTOMER_CHAT
    buttons = [b["callback_data"] for row in replies[-1]["markup"]["inline_keyboard"] for b in row]
    assert buttons  # the language choice, as inline buttons


def test_the_webhook_still_checks_the_secret_in_the_sandbox(site: SandboxSite) -> None:
    assert post_update(site, start_message(2), secret=None).status_code == 403
    assert post_update(site, start_message(3), secret="guess").status_code == 403


def test_the_bot_api_refuses_a_wrong_token_and_an_unknown_method(site: SandboxSite) -> None:
    wrong = httpx.post(site.address("/sandbox/telegram/bot1:guess/getMe"))
    assert wrong.status_code == 401 and wrong.json()["ok"] is False
    token = site.settings.telegram_bot_token
    unknown = httpx.post(site.address(f"/sandbox/telegram/bot{token}/launchRocket"))
    assert unknown.status_code == 404 and unknown.json()["ok"] is False
    bad = httpx.post(site.address(f"/sandbox/telegram/bot{token}/sendMessage"), json={"text": "x"})
    assert bad.status_code == 400 and "chat_id" in bad.json()["description"]


def test_a_call_placed_with_the_twilio_library_rings_the_sandbox_phone(site: SandboxSite) -> None:
    client = make_client(site.settings)
    call = client.calls.create(
        to="+821012345678",
        from_=site.settings.twilio_phone_number,
        url=site.address("/ivr/survey/AS-2026-000001"),
        status_callback=site.address("/ivr/status?call_id=9"),
    )
    assert call.sid.startswith("CA")
    rings = [e for e in feed(site) if e["kind"] == "twilio.call"]
    assert rings[-1]["sid"] == call.sid
    assert rings[-1]["to"] == "+821012345678"
    assert rings[-1]["url"].endswith("/ivr/survey/AS-2026-000001")
    assert rings[-1]["status_callback"].endswith("/ivr/status?call_id=9")


def test_twilio_refuses_a_wrong_account_password(site: SandboxSite) -> None:
    impostor = Client(site.settings.twilio_account_sid, "not-the-token")
    impostor.api.base_url = site.settings.twilio_api_base_url
    with pytest.raises(TwilioRestException) as refused:
        impostor.messages.create(to="+821012345678", from_="+8215880000", body="hi")
    assert refused.value.status == 404
    assert not [e for e in feed(site) if e["kind"] == "twilio.sms"]


def test_the_phone_signs_as_twilio_does_and_the_ivr_accepts_it(site: SandboxSite) -> None:
    url = site.address("/ivr/voice")
    params = {"CallSid": "CA" + "1" * 32, "From": "+821012345678", "To": "+8215880000"}
    signed = httpx.post(site.address("/sandbox/twilio/sign"), json={"url": url, "params": params})
    signature = signed.json()["signature"]
    validator = RequestValidator(site.settings.twilio_auth_token or "")
    assert validator.validate(url, params, signature)
    answer = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200 and "<Gather" in answer.text
    forged = httpx.post(url, data=params, headers={"X-Twilio-Signature": "forged"})
    assert forged.status_code == 403


def test_the_signer_signs_only_addresses_of_this_desk(site: SandboxSite) -> None:
    elsewhere = httpx.post(
        site.address("/sandbox/twilio/sign"),
        json={"url": "https://evil.example/ivr/voice", "params": {}},
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["error"]["field"] == "url"


def test_advancing_the_clock_runs_the_duties_at_the_next_business_morning(
    site: SandboxSite,
) -> None:
    # The test clock is Wednesday 25 November 2026, 10:00 in Seoul: next is Thursday 10:00.
    answer = httpx.post(site.address("/sandbox/clock"))
    assert answer.status_code == 200
    assert datetime.fromisoformat(answer.json()["now"]) == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert "survey_calls" in answer.json()["tick"]
    assert site.clock() == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    again = httpx.post(site.address("/sandbox/clock")).json()
    assert datetime.fromisoformat(again["now"]) == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def test_the_technician_pane_speaks_for_every_active_technician(
    site: SandboxSite, people: Personas
) -> None:
    first = people.technician()
    second = people.technician("이영희", phone="010-2000-0002")
    linked = httpx.post(site.address("/sandbox/technicians/link")).json()
    assert linked["linked"] == 2
    assert [t["id"] for t in linked["technicians"]] == [first, second]
    assert httpx.post(site.address("/sandbox/technicians/link")).json()["linked"] == 0


def test_sandbox_mode_is_refused_beside_real_credentials(settings: Settings) -> None:
    real = settings.with_overrides(telegram_bot_token="123:REAL")
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        sandbox_settings(real)
    twilio = settings.with_overrides(twilio_account_sid="AC1", twilio_auth_token="t")
    with pytest.raises(SettingsError, match="TWILIO_ACCOUNT_SID"):
        sandbox_settings(twilio)


def test_outside_sandbox_mode_there_is_no_sandbox(client: Any) -> None:
    for path in ("/sandbox", "/sandbox/feed", "/sandbox/config"):
        assert client.get(path).status_code == 404
    assert client.post("/sandbox/telegram/bot1000001:sandbox/sendMessage").status_code == 404
    assert client.post("/sandbox/clock").status_code == 404


def test_the_sandbox_page_is_marked_and_speaks_one_language(site: SandboxSite) -> None:
    korean = httpx.get(site.address("/sandbox"), headers={"Accept-Language": "ko"}).text
    assert "샌드박스 모드" in korean and "SANDBOX MODE" not in korean
    english = httpx.get(site.address("/sandbox?lang=en")).text
    assert "SANDBOX MODE" in english and "샌드박스 모드" not in english
