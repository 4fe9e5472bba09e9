"""Every /ivr/ route refuses what Twilio did not sign: 403 and no side effect."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.app import create_app
from backend.calls.models import PhoneCall
from backend.db import Database
from backend.dialogues.models import Conversation
from backend.settings import Settings, load_settings
from tests.conftest import Clock
from tests.ivr.fake_twilio import PUBLIC_BASE_URL, Call, sign

ROUTES = [
    "/ivr/voice",
    "/ivr/menu",
    "/ivr/complaint",
    "/ivr/dialogue",
    "/ivr/status",
    "/ivr/person/done",
    "/ivr/survey/AS-2026-000001?call_id=1",
    "/ivr/notice?call_id=1",
    "/ivr/notice/reply",
    "/ivr/transcription",
]


def _rows(database: Database) -> tuple[int, int]:
    with database.session() as session:
        return (
            session.scalar(select(func.count(PhoneCall.id))) or 0,
            session.scalar(select(func.count(Conversation.id))) or 0,
        )


@pytest.mark.parametrize("route", ROUTES)
def test_a_bad_signature_gets_403_and_changes_nothing(
    client: FlaskClient, database: Database, route: str
) -> None:
    call = Call(client, "CA" + "a" * 32, "+821030000001")
    response = call.post(
        route,
        {"Digits": "1", "CallStatus": "completed"},
        signature=sign(PUBLIC_BASE_URL + route, {"Digits": "2"}),
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "bad_signature"
    assert _rows(database) == (0, 0)


def test_a_missing_signature_gets_403(client: FlaskClient, database: Database) -> None:
    response = client.post("/ivr/voice", data={"CallSid": "CA1", "From": "+821030000001"})
    assert response.status_code == 403
    assert _rows(database) == (0, 0)


def test_a_signature_for_another_host_is_refused(client: FlaskClient) -> None:
    """The URL signed must be PUBLIC_BASE_URL + path + query (it holds behind a proxy)."""
    params = {"CallSid": "CA1", "From": "+821030000001"}
    response = client.post(
        "/ivr/voice",
        data=params,
        headers={"X-Twilio-Signature": sign("http://localhost/ivr/voice", params)},
    )
    assert response.status_code == 403


def test_a_signed_request_is_accepted(client: FlaskClient) -> None:
    response = Call(client, "CA1", "+821030000001").post("/ivr/voice")
    assert response.status_code == 200


def test_without_voice_configured_ivr_answers_503_and_accepts_nothing(
    database: Database, tmp_path: Path, database_url: str, clock: Clock
) -> None:
    plain: Settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "AFTERSALES_SECRET_KEY": "x",
            "AFTERSALES_VAR_DIR": str(tmp_path / "v"),
        },
        read_dotenv=False,
    )
    app = create_app({"settings": plain, "database": database, "clock": clock})
    response = Call(app.test_client(), "CA1", "+821030000001").post("/ivr/voice")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "voice_disabled"
    assert _rows(database) == (0, 0)
