"""The case page shows the customer's Telegram photos to those who handle the case (R6.5), and
lets a manager queue an opinion call (R9.5) or a mystery-customer check (R9.7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from backend.calls.models import CallPurpose, PhoneCall
from backend.cases.models import Case, CaseEvent
from backend.db import Database
from backend.inbox.models import MediaFile, MediaStatus
from backend.settings import Settings, load_settings
from tests.dashboard.conftest import Browser, text_of
from tests.factories import create_case, repair_body
from tests.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 8


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Voice on, as tests/ivr sets it; no call is delivered here, so nothing is contacted."""
    environ = {
        "DATABASE_URL": database_url,
        "AFTERSALES_SECRET_KEY": "test-secret",
        "AFTERSALES_VAR_DIR": str(tmp_path / "var"),
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": "+8215880000",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
    }
    return load_settings(environ, read_dotenv=False)


def _case(browser: Browser) -> str:
    browser.people.product()
    browser.people.technician()
    number: str = create_case(browser.client, browser.people.headers(), repair_body())["number"]
    return number


def _with_photo(database: Database, settings: Settings, number: str) -> None:
    """The case as it is once the worker has downloaded the photo the customer sent."""
    target = settings.var_dir / "media" / number / "1.jpg"
    target.parent.mkdir(parents=True)
    target.write_bytes(JPEG)
    with database.session() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        case.media = [{"kind": "photo", "file_id": "big-id"}]
        session.add(
            MediaFile(
                case_id=case.id,
                position=1,
                channel="telegram",
                kind="photo",
                file_id="big-id",
                status=MediaStatus.STORED,
                path=f"{number}/1.jpg",
                content_type="image/jpeg",
                size=len(JPEG),
            )
        )


def _english(browser: Browser, role: str) -> None:
    browser.login(role)
    browser.post("/language", {"language": "en"})


def test_manager_sees_the_customers_photo_on_the_case_page(
    browser: Browser, database: Database, settings: Settings
) -> None:
    number = _case(browser)
    _with_photo(database, settings, number)
    browser.login("repair_manager")
    page = browser.get(f"/cases/{number}").text
    assert f'<img src="/cases/{number}/media/1"' in page
    photo = browser.get(f"/cases/{number}/media/1")
    assert photo.status_code == 200 and photo.data == JPEG
    assert photo.mimetype == "image/jpeg" and "no-store" in photo.headers["Cache-Control"]
    assert browser.get(f"/cases/{number}/media/2").status_code == 404
    assert browser.get(f"/cases/{number}/media/0").status_code == 404


def test_warehouse_clerk_is_refused_the_photo(
    browser: Browser, database: Database, settings: Settings
) -> None:
    number = _case(browser)
    _with_photo(database, settings, number)
    browser.login("warehouse_clerk")
    # A field job is not the warehouse's: the case does not exist for them (README "Security").
    assert browser.get(f"/cases/{number}").status_code == 404
    assert browser.get(f"/cases/{number}/media/1").status_code == 403


def test_technician_sees_photos_of_their_own_jobs_only(
    browser: Browser, database: Database, settings: Settings
) -> None:
    number = _case(browser)
    _with_photo(database, settings, number)
    other = browser.people.technician(name="이영호", phone="010-2000-0002")
    browser.link_technician(other)  # R6.5: someone else's job does not exist for them
    browser.login("technician")
    assert browser.get(f"/cases/{number}/media/1").status_code == 404


def test_manager_queues_an_opinion_call_and_a_second_one_that_day_is_refused(
    browser: Browser, database: Database
) -> None:
    number = _case(browser)
    _english(browser, "repair_manager")
    page = browser.get(f"/cases/{number}").text
    assert f'action="/cases/{number}/calls"' in page and 'value="mystery_check"' in page
    answer = browser.post(f"/cases/{number}/calls", {"purpose": "opinion"})
    assert answer.status_code == 302
    with database.session() as session:
        call = session.scalars(select(PhoneCall)).one()
        assert call.purpose == CallPurpose.PROACTIVE and call.data["requested"] == "opinion"
        when = call.placed_at.astimezone(
            browser.client.application.extensions["aftersales"]["settings"].tz
        ).strftime("%Y-%m-%d %H:%M")
        assert (
            session.scalar(select(CaseEvent.action).where(CaseEvent.action == "call_requested"))
            == "call_requested"
        )
    assert f"Opinion call queued for {when}." in text_of(browser.get(f"/cases/{number}").text)

    again = browser.post(f"/cases/{number}/calls", {"purpose": "opinion"})
    assert again.status_code == 302
    assert "already queued" in text_of(browser.get(f"/cases/{number}").text)
    assert browser.post(f"/cases/{number}/calls", {"purpose": "mystery_check"}).status_code == 302
    assert "Mystery-customer check queued" in text_of(browser.get(f"/cases/{number}").text)
    assert browser.post(f"/cases/{number}/calls", {"purpose": "gossip"}).status_code == 302
    assert "purpose must be one of" in text_of(browser.get(f"/cases/{number}").text)
    with database.session() as session:
        assert len(session.scalars(select(PhoneCall)).all()) == 2


def test_call_form_needs_the_csrf_token(browser: Browser, database: Database) -> None:
    number = _case(browser)
    browser.login("repair_manager")
    answer = browser.client.post(f"/cases/{number}/calls", data={"purpose": "opinion"})
    assert answer.status_code == 400
    with database.session() as session:
        assert session.scalars(select(PhoneCall)).all() == []


def test_receptionist_is_not_offered_the_call_form(browser: Browser, database: Database) -> None:
    number = _case(browser)
    browser.login("receptionist")
    page = browser.get(f"/cases/{number}")
    assert page.status_code == 200 and number in page.text
    assert f"/cases/{number}/calls" not in page.text
    assert browser.post(f"/cases/{number}/calls", {"purpose": "opinion"}).status_code == 403
    with database.session() as session:
        assert session.scalars(select(PhoneCall)).all() == []


def test_voice_disabled_shows_the_error_instead_of_queuing(
    browser: Browser, database: Database, settings: Settings
) -> None:
    browser.client.application.extensions["aftersales"]["settings"] = settings.with_overrides(
        twilio_auth_token=None
    )
    number = _case(browser)
    _english(browser, "service_director")
    answer = browser.post(f"/cases/{number}/calls", {"purpose": "mystery_check"})
    assert answer.status_code == 302
    page = text_of(browser.get(f"/cases/{number}").text)
    assert "Calls cannot be placed: voice is not configured." in page
    with database.session() as session:
        assert session.scalars(select(PhoneCall)).all() == []
