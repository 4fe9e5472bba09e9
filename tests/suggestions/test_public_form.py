"""The public suggestion form (R9.8): without a login, in Korean and English, from a QR code and a
printable poster; a signed token, a honeypot and a per-address limit keep robots out (R2.10)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.suggestions.models import Suggestion
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas

TOKEN = re.compile(r'name="token" value="([^"]+)"')


def _token(client: FlaskClient, query: str = "") -> str:
    page = client.get(f"/suggest{query}")
    assert page.status_code == 200
    found = TOKEN.search(page.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def _send(client: FlaskClient, address: str = "198.51.100.7", **fields: str) -> object:
    body = {"token": _token(client), "lang": "ko", "text": "매장에 대기 의자를 더 놓아 주세요."}
    body.update(fields)
    return client.post("/suggest", data=body, environ_base={"REMOTE_ADDR": address})


def _suggestions(database: Database) -> list[Case]:
    with database.session() as session:
        return list(session.scalars(select(Case).where(Case.kind == "suggestion")).all())


def test_r9_8_the_public_form_creates_a_suggestion_without_a_login(
    client: FlaskClient, database: Database, people: Personas
) -> None:
    response = client.post(
        "/suggest",
        data={
            "token": _token(client, "?place=강남점"),
            "lang": "en",
            "place": "강남점",
            "text": "Please open the Gangnam shop on Saturdays.",
            "name": "Kim",
            "phone": "010-3000-0077",
        },
    )
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    [case] = _suggestions(database)
    assert case.number in page and "Thank you" in page
    assert case.channel == "web" and case.status == "received"
    with database.session() as session:
        suggestion = session.scalar(select(Suggestion).where(Suggestion.case_id == case.id))
        assert suggestion is not None and suggestion.place == "강남점"
        assert suggestion.contact_left and suggestion.language == "en"
        # R2.10: somebody must follow it up: the service director gets a task.
        task = session.scalar(select(Task).where(Task.case_id == case.id))
        assert task is not None and task.role == "service_director"
    listed = client.get("/api/v1/cases?kind=suggestion", headers=people.headers("service_director"))
    assert [item["number"] for item in listed.get_json()["items"]] == [case.number]
    assert listed.get_json()["items"][0]["suggestion"]["place"] == "강남점"


def test_r9_8_an_anonymous_suggestion_is_taken_and_nobody_is_messaged(
    client: FlaskClient, database: Database
) -> None:
    response = _send(client)
    assert response.status_code == 201  # type: ignore[attr-defined]
    [case] = _suggestions(database)
    with database.session() as session:
        assert session.scalars(select(OutboundMessage)).all() == []
        suggestion = session.scalar(select(Suggestion))
        assert suggestion is not None and not suggestion.contact_left
    assert case.description.startswith("매장에")


def test_r9_8_a_flood_from_one_address_is_refused_with_429(
    client: FlaskClient, database: Database, clock: Clock
) -> None:
    answers = [_send(client).status_code for _ in range(6)]  # type: ignore[attr-defined]
    assert answers == [201] * 5 + [429]
    assert len(_suggestions(database)) == 5
    # Another address is not held up by the first one's flood ...
    assert _send(client, address="203.0.113.9").status_code == 201  # type: ignore[attr-defined]
    # ... and the first may send again once its hour is over.
    clock.advance(hours=1, minutes=1)
    assert _send(client).status_code == 201  # type: ignore[attr-defined]


def test_r9_8_the_honeypot_and_a_forged_token_are_refused(
    client: FlaskClient, database: Database
) -> None:
    assert _send(client, website="http://spam.example").status_code == 400  # type: ignore[attr-defined]
    forged = client.post("/suggest", data={"token": "x.y", "text": "buy cheap watches now"})
    assert forged.status_code == 400
    assert _suggestions(database) == []


def test_r9_8_bad_input_is_asked_again_beside_its_field_in_the_chosen_language(
    client: FlaskClient, database: Database
) -> None:
    response = _send(client, text="hi", phone="12", lang="en")
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'data-field="text"' in page and 'data-field="phone"' in page
    assert "at least 5 characters" in page
    korean = _send(client, text="hi")
    assert "5자" in korean.get_data(as_text=True)  # type: ignore[attr-defined]
    assert _suggestions(database) == []


def test_r9_8_the_qr_code_and_the_poster_lead_to_the_form(client: FlaskClient) -> None:
    qr = client.get("/suggest/qr.svg?place=강남점&lang=ko")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).startswith("<svg")
    poster = client.get("/suggest/poster?place=강남점").get_data(as_text=True)
    assert "/suggest/qr.svg?" in poster and "/suggest?lang=ko&amp;place=" in poster
    english = client.get("/suggest?lang=en").get_data(as_text=True)
    assert "Your suggestion" in english and 'lang="en"' in english
