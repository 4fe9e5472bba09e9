"""The OpenAPI document matches the routes, and schemathesis, generating valid and invalid requests
from it, finds no input that makes the API answer 500 (contract: no input may produce a 500), and
no request valid by the document that the API refuses as bad (the document states every
constraint the server enforces)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from backend.api.openapi import build_document
from tests.factories import Personas, create_case, repair_body

DOCUMENT = build_document()
OPERATIONS = [(path, method) for path, methods in DOCUMENT["paths"].items() for method in methods]
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
# Invalid requests can only be made for operations that take some input.
RUNS = [
    (path, method, mode)
    for path, method in OPERATIONS
    for mode in (POSITIVE, NEGATIVE)
    if mode == POSITIVE or {"parameters", "requestBody"} & set(DOCUMENT["paths"][path][method])
]
EXAMPLES = 30
ADMIN_PATHS = ("/users", "/products", "/technicians", "/contracts", "/fee-schedule")
# A request valid by the document may still be refused for the state it meets: no such row
# (404), a conflict (409), or a role's refusal (401, 403) — never as a bad request (400, 422).
STATE_DEPENDENT = {401, 403, 404, 409}
# 422s whose field's validity is data, not shape — each stated in the operation's text: a model
# must be in the catalogue, a certification's line too; codes and lines unique in a list; a step
# needs the fields of its action; a contract ends after it starts, a purchase precedes its report.
DATA_DEPENDENT_422 = {
    # not after reported_at; a return within its window (R3.1); a repair's address on record or
    # given, and its fault described (R4.5)
    ("/cases", "post"): (
        "product.model",
        "product.purchased_on",
        "customer.address",
        "description",
        "about_technician_id",
        "about_staff_id",
    ),
    ("/cases/{number}/actions/{action}", "post"): (
        "reason",
        "signed_by",
        "parts",
        "hours",
        "fee",
        "technician_id",
        "to",
        "department",
        "answer",
        "cause_department",
        "cause_technician_id",
        "cause_user_id",
        "findings",
        "decision",
        "rule",
        "reward_amount",
        "channel",
        "method",
        "quote",
        "note",
        # the workshop (R4.10, R5.4): a promised date from today on, a loaner that exists, the
        # number on the customer's goods receipt
        "promised_return_on",
        "loaner_serial",
        "receipt_number",
    ),
    ("/workshop/register", "get"): ("from", "to"),  # a day that exists (2026-02-31 does not)
    ("/technicians", "post"): ("certifications",),
    ("/products", "post"): ("parts",),
    ("/contracts", "post"): ("ends_on", "product.model"),
    # a van of a technician who exists; a part of the catalogue
    ("/stock", "get"): ("location",),
    ("/stock/reorder-points", "put"): ("part_code", "location"),
    # labour rates for product lines of the catalogue
    ("/fee-schedule", "put"): ("labour_per_hour",),
    # a span of at most 36 months, "from" not after "to"
    ("/reports/analysis", "get"): ("from", "to"),
    ("/partners/{partner_id}/contracts", "post"): ("ends_on", "product_lines"),
    ("/partners/{partner_id}/technicians", "post"): ("certifications",),
    # R5.7, R6.2: a technician must be an active one; a document names a catalogued model and
    # part, and its file is a PDF (its first bytes, which no schema states).
    ("/purchase-requests", "post"): ("for_technician_id",),
    ("/tools/{tool_id}/handovers", "post"): ("to_technician_id",),
    ("/documents", "post"): ("model", "part_code", "file", "title"),
}


def _rule_as_openapi(rule: str) -> str:
    """`/api/v1/cases/<number>` → `/cases/{number}` (converters dropped)."""
    path = rule.removeprefix("/api/v1")
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        name = path[start + 1 : end].split(":")[-1]
        path = f"{path[:start]}{{{name}}}{path[end + 1 :]}"
    return path


def test_every_documented_operation_is_a_route_and_every_api_route_is_documented(
    app: Flask,
) -> None:
    routes = {
        (_rule_as_openapi(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    routes.discard(("/openapi.json", "get"))
    assert set(OPERATIONS) == routes


def test_the_document_is_openapi_3_with_bearer_security(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, method in OPERATIONS:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"bearer": []}], (path, method)
        assert "401" in operation["responses"], (path, method)
        assert {"200", "201"} & set(operation["responses"]), (path, method)


def json_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every answer of the API is JSON; every error is `{"error": {"code", "message"}}`."""
    if response.status_code == 204:
        return None
    documented = case.operation.definition.raw["responses"].get(str(response.status_code), {})
    if response.status_code < 400 and "application/json" not in documented.get("content", {}):
        return None  # a file the document names (a PDF, a CSV)
    headers = {name.lower(): values for name, values in response.headers.items()}
    content_type = (headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered {content_type!r}"
    )
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
    return None


def conforms(path: str, method: str) -> Any:
    """The check: a request generated valid by the document is not refused as a bad request."""

    def check(ctx: Any, response: Any, case: Any) -> bool | None:
        status = response.status_code
        if status < 400 or status >= 500 or status in STATE_DEPENDENT:
            return None
        field = str(response.json()["error"].get("field") or "")
        allowed = DATA_DEPENDENT_422.get((path, method), ())
        assert status == 422 and field.startswith(allowed) and allowed, (
            f"{method.upper()} {path}: a request valid by the document answered {status} "
            f"{response.json()['error']} (query {case.query}, body {case.body!r})"
        )
        return None

    return check


@pytest.mark.parametrize(
    ("path", "method", "mode"), RUNS, ids=[f"{m.upper()} {p} {mode.value}" for p, m, mode in RUNS]
)
def test_no_generated_request_makes_a_server_error(
    app: Flask, people: Personas, path: str, method: str, mode: Any
) -> None:
    people.product()
    technician = people.technician()
    client = app.test_client()
    number = create_case(client, people.headers(), repair_body())["number"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method.upper()]
    fixed: dict[str, Any] = {}
    if "{number}" in path and mode == POSITIVE:
        fixed["path_parameters"] = {"number": number}  # an existing case, random actions
    if "{technician_id}" in path and mode == POSITIVE:
        fixed["path_parameters"] = {"technician_id": technician}
    # The role whose duty the operation is (the permission matrix): the administrator keeps
    # accounts, catalogue, technicians and contracts; a repair manager works the cases.
    role = "admin" if path.startswith(ADMIN_PATHS) else "repair_manager"
    strategy = operation.as_strategy(
        generation_mode=mode, headers={"Authorization": f"Bearer {people.token(role)}"}, **fixed
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        checks: list[Any] = [not_a_server_error, json_errors]
        if mode == POSITIVE:
            checks.append(conforms(path, method))
        case.call_and_validate(checks=checks)

    run()


def test_a_wrong_method_answers_405_naming_the_allowed_ones(app: Flask) -> None:
    answer = app.test_client().put("/api/v1/cases")
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert answer.get_json()["error"]["code"] == "method_not_allowed"


def test_the_case_answers_link_to_what_can_be_done_next() -> None:
    created = DOCUMENT["paths"]["/cases"]["post"]["responses"]["201"]["links"]
    stepped = DOCUMENT["paths"]["/cases/{number}/actions/{action}"]["post"]["responses"]["200"]
    operation_ids = {
        operation["operationId"]
        for methods in DOCUMENT["paths"].values()
        for operation in methods.values()
    }
    assert {link["operationId"] for link in created.values()} <= operation_ids
    assert created == stepped["links"]


def test_no_sequence_of_linked_requests_makes_a_server_error(app: Flask, people: Personas) -> None:
    """Stateful: schemathesis registers cases and follows the links from each answer (read the
    case, take any step with any body, list its calls) as a repair manager — the role that may
    register cases and take every repair step (with a reason when it is a technician's)."""
    people.product()
    people.technician()
    headers = {"Authorization": f"Bearer {people.token('repair_manager')}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).include(
        path_regex=r"^/cases"
    )

    followed: Counter[str] = Counter()

    class Journeys(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: schemathesis.Case) -> None:
            operation_id = case.operation.definition.raw["operationId"]
            if operation_id == "createCase":
                # Random bodies name no product in the catalogue (422; the test above covers
                # them): journeys start from a registrable contact, then follow the links.
                case.body = repair_body(phone=f"010-5{len(followed):03d}-{followed.total():04d}")
            case.headers = {**dict(case.headers or {}), **headers}  # type: ignore[assignment]
            followed[operation_id] += 1

        def validate_response(
            self,
            response: Any,
            case: schemathesis.Case,
            additional_checks: Any = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(response, checks=[not_a_server_error, json_errors])

    Journeys.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=6,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The links were followed: steps and reads of the cases registered in the same journey.
    assert followed["createCase"] and followed["caseAction"] and followed["getCase"], followed
