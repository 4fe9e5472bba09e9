"""Korean by default, English on request, remembered on the user."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from backend.dashboard.i18n import LABELS
from backend.db import Database
from backend.i18n import missing_translations
from backend.people.models import StaffUser
from tests.dashboard.conftest import Browser, text_of

TEMPLATES = Path(__file__).parents[2] / "backend" / "dashboard"


def test_pages_speak_korean_by_default(browser: Browser) -> None:
    login_page = text_of(browser.get("/login").text)
    assert "직원 로그인" in login_page and "Staff sign-in" not in login_page
    browser.login("receptionist")
    page = text_of(browser.get("/cases").text)
    assert "접수 목록" in page and "로그아웃" in page and "Sign out" not in page


def test_english_switch_is_remembered_on_the_user(browser: Browser, database: Database) -> None:
    browser.login("receptionist")
    response = browser.post("/language", {"language": "en", "next": "/tasks"})
    assert response.status_code == 302 and response.location == "/tasks"
    page = text_of(browser.get("/cases").text)
    assert "Sign out" in page and "로그아웃" not in page
    with database.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.role == "receptionist"))
        assert user is not None and user.language == "en"
    browser.post("/logout")
    browser.client = browser.client.application.test_client()  # a new browser, no cookies
    browser.login("receptionist")
    assert "Sign out" in text_of(browser.get("/cases").text)
    browser.post("/language", {"language": "ko"})
    assert "로그아웃" in text_of(browser.get("/cases").text)


def test_unknown_language_is_refused(browser: Browser) -> None:
    browser.login("receptionist")
    assert browser.post("/language", {"language": "xx"}).status_code == 400


def test_every_dashboard_text_has_a_korean_translation() -> None:
    pattern = re.compile(r"""(?<![\w.])(?:_|gettext)\(\s*(["'])((?:(?!\1).)+)\1""")
    messages = {
        match.group(2)
        for path in TEMPLATES.rglob("*")
        if path.suffix in (".html", ".py")
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    }
    messages |= set(LABELS.values())
    assert len(messages) > 150
    assert missing_translations("ko", sorted(messages)) == []
