"""Photos sent in Telegram are fetched by the worker (getFile, then the file), never while the
webhook answers, kept under var/media/<case number>/, and shown to the staff who may see the case
(R2.3: the whole contact on record; R6.5: only those who handle it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from telegram import PhotoSize

from backend.cases.models import Case
from backend.composition import tick
from backend.db import Database
from backend.inbox.models import MediaFile
from backend.people.models import StaffUser, Technician
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_report import catalogue, report_until_confirm

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 40


def media_of(client: Any, people: Personas, number: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/cases/{number}", headers=people.headers())
    assert answer.status_code == 200
    media: list[dict[str, Any]] = answer.get_json()["media"]
    return media


def test_a_photo_is_fetched_after_the_answer_and_shown_to_the_staff(
    database: Database,
    people: Personas,
    tg_app: Any,
    telegram_user: Any,
    bot_api: FakeBotApi,
    tg_settings: Settings,
    clock: Clock,
) -> None:
    catalogue(people)
    bot_api.files["big-id"] = JPEG  # the largest size of the photo the customer sends
    user = telegram_user(1401, language_code="en")
    report_until_confirm(user)
    user.presses("dlg:confirm:yes")
    client = tg_app.test_client()
    with database.session() as session:
        number = session.scalars(select(Case.number)).one()
    assert bot_api.of("getFile") == []  # nothing fetched while the webhook answered
    assert media_of(client, people, number) == [
        {
            "n": 1,
            "kind": "photo",
            "status": "pending",
            "url": None,
            "content_type": None,
            "size": None,
            "transcription": None,
        }
    ]
    waiting = client.get(f"/api/v1/cases/{number}/media/1", headers=people.headers())
    assert (
        waiting.status_code == 404
        and "not downloaded yet" in waiting.get_json()["error"]["message"]
    )

    assert tick(database, tg_settings, clock())["media_downloads"] == 1
    assert [c.params["file_id"] for c in bot_api.of("getFile")] == ["big-id"]
    stored = tg_settings.var_dir / "media" / number / "1.jpg"
    assert stored.read_bytes() == JPEG
    entry = media_of(client, people, number)[0]
    assert entry["status"] == "stored" and entry["url"] == f"/api/v1/cases/{number}/media/1"
    assert (entry["content_type"], entry["size"]) == ("image/jpeg", len(JPEG))
    photo = client.get(entry["url"], headers=people.headers("repair_manager"))
    assert photo.status_code == 200 and photo.data == JPEG
    assert photo.mimetype == "image/jpeg" and "no-store" in photo.headers["Cache-Control"]
    assert tick(database, tg_settings, clock.advance(minutes=1))["media_downloads"] == 0


def test_only_staff_handling_the_case_see_its_photos(
    database: Database,
    people: Personas,
    tg_app: Any,
    telegram_user: Any,
    bot_api: FakeBotApi,
    tg_settings: Settings,
    clock: Clock,
) -> None:
    catalogue(people)
    bot_api.files["big-id"] = JPEG
    user = telegram_user(1402, language_code="en")
    report_until_confirm(user)
    user.presses("dlg:confirm:yes")
    tick(database, tg_settings, clock())
    client = tg_app.test_client()
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        number, assigned_id = case.number, case.assigned_technician_id
    url = f"/api/v1/cases/{number}/media/1"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get(url, headers=people.headers("warehouse_clerk")).status_code == 403
    other = people.technician(name="이영호", phone="010-2000-0002")
    technician_headers = people.headers("technician")
    with database.session() as session:  # the technician's staff account is the other's
        technician = session.get(Technician, other)
        assert technician is not None
        technician.user_id = session.scalar(
            select(StaffUser.id).where(StaffUser.role == "technician")
        )
    assert client.get(url, headers=technician_headers).status_code == 404  # not their job
    with database.session() as session:  # … and now the assigned one's
        technician = session.get(Technician, other)
        assigned = session.get(Technician, assigned_id)
        assert technician is not None and assigned is not None
        technician.user_id = None
        session.flush()
        assigned.user_id = session.scalar(
            select(StaffUser.id).where(StaffUser.role == "technician")
        )
    assert client.get(url, headers=technician_headers).data == JPEG  # their own job
    for bad in ("0", "-1", "2", "99999999999999999999", "x"):
        answer = client.get(f"/api/v1/cases/{number}/media/{bad}", headers=people.headers())
        assert answer.status_code == 404 and answer.is_json, bad
    assert (
        client.get("/api/v1/cases/AS-2026-999999/media/1", headers=people.headers()).status_code
        == 404
    )


def test_a_photo_sent_about_an_open_case_joins_it_and_a_refused_file_is_given_up(
    database: Database,
    people: Personas,
    tg_app: Any,
    telegram_user: Any,
    bot_api: FakeBotApi,
    tg_settings: Settings,
    clock: Clock,
) -> None:
    catalogue(people)
    bot_api.files["big-id"] = JPEG
    user = telegram_user(1403, language_code="en")
    report_until_confirm(user)
    user.presses("dlg:confirm:yes")
    bot_api.files["later-id"] = b"\x89PNG-not-really"
    later = (PhotoSize("later-id", "l1", 800, 600),)
    user.post(user.update(message=user.message(photo=later, caption="It got worse")))
    assert "added to case" in user.last_text()
    gone = (PhotoSize("gone-id", "g1", 800, 600),)
    user.post(user.update(message=user.message(photo=gone, caption="And now this")))
    assert "added to case" in user.last_text()  # the note before did not leave a dialogue open
    assert tick(database, tg_settings, clock())["media_downloads"] == 2
    client = tg_app.test_client()
    with database.session() as session:
        number = session.scalars(select(Case.number)).one()
        gone_row = session.scalars(select(MediaFile).where(MediaFile.file_id == "gone-id")).one()
        assert gone_row.status == "failed"
        assert "invalid file_id" in (gone_row.last_error or "").lower()
    media = media_of(client, people, number)
    assert [(m["n"], m["status"]) for m in media] == [(1, "stored"), (2, "stored"), (3, "failed")]
    assert client.get(media[1]["url"], headers=people.headers()).data == b"\x89PNG-not-really"
    assert (
        client.get(f"/api/v1/cases/{number}/media/3", headers=people.headers()).status_code == 404
    )
    # A refused file is not asked for again.
    calls = len(bot_api.of("getFile"))
    tick(database, tg_settings, clock.advance(hours=2))
    assert len(bot_api.of("getFile")) == calls
