"""No query string or form value, however odd, makes a dashboard page answer 500."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import Browser
from tests.factories import create_case, repair_body

JUNK = [
    "",
    "-1",
    "0",
    "abc",
    "9" * 40,
    "%00",
    "\x00",
    "' OR 1=1 --",
    "<script>x</script>",
    "2026-13",
    "2026-00",
    "9999-99",
    "1e9",
    "한글",
    "%",
    "_",
    "\\",
    "a" * 5000,
]
PAGES = ["/cases", "/tasks", "/technicians", "/reports", "/cases/new"]
PARAMS = ["page", "status", "kind", "channel", "technician_id", "q", "month"]


@pytest.mark.parametrize("role", ["admin", "technician"])
def test_junk_query_parameters_never_answer_500(browser: Browser, role: str) -> None:
    browser.people.product()
    browser.people.technician()
    number = create_case(browser.client, browser.people.headers(), repair_body())["number"]
    browser.login(role)
    for path in [*PAGES, f"/cases/{number}", "/technicians/1", "/technicians/999999999"]:
        for value in JUNK:
            query = {name: value for name in PARAMS}
            response = browser.get(path, query_string=query)
            assert response.status_code < 500, (path, value, response.status_code)


def test_junk_paths_and_forms_never_answer_500(browser: Browser) -> None:
    browser.people.product()
    browser.people.technician()
    number = create_case(browser.client, browser.people.headers(), repair_body())["number"]
    browser.login("admin")
    for path in [
        "/cases/" + "9" * 300,
        "/cases/%00",
        "/technicians/99999999999999999999",
        "/tasks/99999999999999999999/done",
    ]:
        assert browser.get(path).status_code < 500, path
    for action in ("assign", "accept", "resolve", "escalate", "sign_off", "route", "inspect"):
        for value in JUNK:
            data = {
                name: value
                for name in (
                    "technician_id",
                    "hours",
                    "fee",
                    "note",
                    "reason",
                    "to",
                    "department",
                    "answer",
                    "signed_by",
                    "part:COMP",
                    "cause_department",
                )
            }
            response = browser.post(f"/cases/{number}/actions/{action}", data)
            assert response.status_code < 500, (action, value, response.status_code)
    for value in JUNK:
        fields = (
            "kind",
            "channel",
            "customer.name",
            "customer.phone",
            "customer.zone",
            "product.model",
            "product.purchased_on",
            "reported_at",
            "topic",
            "severity",
            "description",
        )
        response = browser.post("/cases/new", {name: value for name in fields})
        assert response.status_code < 500, (value, response.status_code)
    assert browser.post("/language", {"language": "\x00"}).status_code == 400
