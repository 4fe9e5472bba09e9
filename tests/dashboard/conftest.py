"""A signed-in browser for the dashboard: log in as a role, post forms with the CSRF token."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from backend.db import Database
from backend.people.models import StaffUser, Technician
from tests.factories import Personas

PASSWORD = "pw"  # what tests.factories.Personas gives every staff user


def csrf_from(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def text_of(page: str) -> str:
    """The visible text of a page, tags removed and spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


class Browser:
    """The staff dashboard as a signed-in user of one role sees it."""

    def __init__(self, client: FlaskClient, people: Personas, database: Database) -> None:
        self.client = client
        self.people = people
        self.database = database

    def user(self, role: str) -> StaffUser:
        self.people.token(role)  # creates `{role}@test.local` with password "pw"
        with self.database.session() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.role == role))
            assert user is not None
            return user

    def login(self, role: str, password: str = PASSWORD) -> TestResponse:
        email = self.user(role).email
        page = self.client.get("/login")
        return self.client.post(
            "/login",
            data={"csrf_token": csrf_from(page.text), "email": email, "password": password},
        )

    def link_technician(self, technician_id: int) -> None:
        """The technician role's login belongs to technician `technician_id`."""
        user_id = self.user("technician").id
        with self.database.session() as session:
            technician = session.get(Technician, technician_id)
            assert technician is not None
            technician.user_id = user_id

    def token(self) -> str:
        with self.client.session_transaction() as state:
            token = state.get("csrf_token")
        if not token:
            token = csrf_from(self.client.get("/login").text)
        return str(token)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None) -> TestResponse:
        return self.client.post(url, data={"csrf_token": self.token(), **(data or {})})


@pytest.fixture
def browser(client: FlaskClient, people: Personas, database: Database) -> Browser:
    return Browser(client, people, database)
