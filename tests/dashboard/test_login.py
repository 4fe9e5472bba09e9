"""Signing in and out of the dashboard; CSRF on every form; throttled guessing."""

from __future__ import annotations

from sqlalchemy import select

from backend.db import Database
from backend.people.models import StaffUser
from tests.dashboard.conftest import Browser, csrf_from


def test_anonymous_visitor_is_sent_to_the_login_page(browser: Browser) -> None:
    response = browser.get("/cases?status=new")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_right_password_signs_in_and_opens_the_case_list(browser: Browser) -> None:
    response = browser.login("receptionist")
    assert response.status_code == 302 and response.location == "/home"
    assert browser.get("/cases").status_code == 200


def test_wrong_password_is_refused_with_a_message(browser: Browser) -> None:
    response = browser.login("receptionist", password="not-it")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text or "이메일 또는 비밀번호" in response.text
    assert browser.get("/cases").status_code == 302


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(browser: Browser) -> None:
    page = browser.get("/login")
    response = browser.client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "email": "nobody@test.local", "password": "x"},
    )
    wrong = browser.login("receptionist", password="not-it")
    assert response.status_code == wrong.status_code == 401
    assert "nobody@test.local" in response.text  # the e-mail is kept in the field
    assert response.text.replace("nobody@test.local", "") == wrong.text.replace(
        "receptionist@test.local", ""
    )


def test_sign_out_ends_the_session(browser: Browser) -> None:
    browser.login("receptionist")
    response = browser.post("/logout")
    assert response.status_code == 302 and response.location == "/login"
    assert browser.get("/cases").status_code == 302


def test_post_without_the_csrf_token_is_rejected(browser: Browser, database: Database) -> None:
    page = browser.get("/login")
    response = browser.client.post(
        "/login", data={"email": "receptionist@test.local", "password": "pw"}
    )
    assert response.status_code == 400
    browser.login("receptionist")
    for url in ("/logout", "/language", "/cases/new"):
        forged = browser.client.post(url, data={"csrf_token": "forged", "language": "en"})
        assert forged.status_code == 400, url
    assert browser.get("/cases").status_code == 200  # still signed in: logout was refused
    with database.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.role == "receptionist"))
        assert user is not None and user.language == "ko"  # language was not changed
    assert csrf_from(page.text)


def test_five_wrong_passwords_lock_the_account_for_a_while(browser: Browser, clock) -> None:
    for _ in range(5):
        assert browser.login("receptionist", password="guess").status_code == 401
    assert browser.login("receptionist").status_code == 429  # even the right one, for now
    clock.advance(minutes=16)
    assert browser.login("receptionist").status_code == 302


def test_next_never_leads_off_the_site(browser: Browser) -> None:
    browser.user("receptionist")
    page = browser.get("/login?next=//evil.example/x")
    response = browser.client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.text),
            "email": "receptionist@test.local",
            "password": "pw",
            "next": "//evil.example/x",
        },
    )
    assert response.location == "/home"


def test_a_deactivated_user_is_signed_out(browser: Browser, database: Database) -> None:
    browser.login("receptionist")
    with database.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.role == "receptionist"))
        assert user is not None
        user.active = False
    assert browser.get("/cases").status_code == 302
    assert browser.login("receptionist").status_code == 401
