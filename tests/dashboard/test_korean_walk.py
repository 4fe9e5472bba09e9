"""Every page of every role, in Korean: no English word on screen outside a short allow-list of
codes and names (issue 13: one language per screen). The test client walks each role's own
navigation and the pages it leads to (a case of each kind, the customer, the technician)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, url_for
from flask.testing import FlaskClient

from backend.composition import tick
from backend.dashboard.nav import nav_for
from backend.db import Database
from backend.people.models import Role
from backend.settings import Settings
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, text_of
from tests.factories import Personas, complaint_body, create_case, repair_body

# Latin words a Korean screen may show: codes and units, product and channel names, the language
# switch, and the test data's own names (e-mail addresses, the test product's model).
ALLOWED = {
    "AS", "AC", "SN", "INV", "KRW", "SLA", "SMS", "CSV", "PDF", "QR", "API", "English",
    "Telegram", "Twilio", "test", "local", "COMP", "FAN", "van", "ko", "en",
    "receptionist", "repair", "manager", "service", "director", "vice", "president", "hotline",
    "officer", "warehouse", "clerk", "technician", "admin", "department", "staff", "finance",
    "unit", "stock",  # the test product's name ("AC-1 unit"), the test stock's reason
}  # fmt: skip


def _english_words(text: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z]{2,}", text))
    return {w for w in words if w not in ALLOWED and not w.isupper()}


def _in_context(text: str, word: str) -> str:
    """The word with a few characters either side, to find it on the page."""
    at = re.search(rf"\b{word}\b", text) or re.search(word, text)
    start = at.start() if at else 0
    return text[max(0, start - 20) : start + len(word) + 20]


def test_every_page_of_every_role_speaks_only_korean(
    app: Flask,
    client: FlaskClient,
    browser: Browser,
    people: Personas,
    database: Database,
    settings: Settings,
    clock: Clock,
) -> None:
    people.product()
    technician = people.technician("김민수")
    desk = people.headers("receptionist")
    repair = create_case(client, desk, repair_body())["number"]
    complaint = create_case(client, people.headers("hotline_officer"), complaint_body())["number"]
    clock.advance(hours=8)  # the repair is late: breach tasks for the managers
    tick(database, settings, clock())
    browser.link_technician(technician)
    found: dict[str, set[str]] = {}  # page → each English word in its context
    for role in Role:
        browser.client = app.test_client()
        assert browser.login(role).status_code == 302
        with app.test_request_context():
            links = nav_for(browser.user(role))
            urls = [url_for(endpoint, **dict[str, Any](args)) for endpoint, _, args in links]
        urls += [f"/cases/{repair}", f"/cases/{complaint}", f"/technicians/{technician}"]
        for url in dict.fromkeys(urls):
            response = browser.get(url, follow_redirects=True)
            if response.status_code in (403, 404):
                continue
            assert response.status_code == 200, (role, url, response.status_code)
            text = text_of(response.text)
            if words := _english_words(text):
                found[f"{role} {url}"] = {_in_context(text, word) for word in words}
    assert found == {}, "\n".join(f"{page}: {sorted(words)}" for page, words in found.items())
