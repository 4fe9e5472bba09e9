"""The OpenAPI operations that give every dashboard capability its API twin: staff accounts,
tasks, and the report tables (monthly, a technician's month, coverage per day, SLA per week).

`backend/api/openapi.py` merges these paths into the document, passing its own builders for
answers and bodies so every operation answers errors the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.api import schemas

Answers = Callable[..., dict[str, Any]]
BodyOf = Callable[..., dict[str, Any]]

ROW_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
# parse_month: years 1900–9000, months 01–12 (backend/surveys/performance.py).
MONTH = {
    "type": "string",
    "pattern": r"^(19[0-9]{2}|[2-8][0-9]{3}|9000)-(0[1-9]|1[0-2])$",
    "description": "YYYY-MM (default: this month in the business zone)",
}
RATIO = {"type": ["number", "null"]}
SLA_FIGURES: dict[str, Any] = {
    "met": {"type": "integer"},
    "missed": {"type": "integer"},
    "pending": {"type": "integer"},
    "ratio": RATIO,
}
SLA = {
    "type": "object",
    "required": ["met", "missed", "pending", "ratio"],
    "properties": SLA_FIGURES,
}
USER = {
    "type": "object",
    "required": ["id", "email", "name", "role", "department", "active"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "name": {"type": "string"},
        "role": {"type": "string"},
        "department": {"type": ["string", "null"]},
        "active": {"type": "boolean"},
        "password": {"type": "string", "description": "only in a password reset's answer"},
    },
}
TASK = {
    "type": "object",
    "required": ["id", "kind", "role", "title", "status", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "role": {"type": "string"},
        "title": {"type": "string"},
        "detail": {"type": ["string", "null"]},
        "case_number": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["open", "done"]},
        "created_at": {"type": "string", "format": "date-time"},
        "done_at": {"type": ["string", "null"], "format": "date-time"},
    },
}


def month_query() -> dict[str, Any]:
    return {"name": "month", "in": "query", "required": False, "schema": MONTH}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ROW_ID}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": sorted(properties), "properties": properties}


def user_paths(answers: Answers, body: BodyOf) -> dict[str, Any]:
    """Admins: accounts with a role and department, and password resets."""
    user_id = _path("user_id")
    return {
        "/users": {
            "get": {
                "summary": "Every staff account (admin)",
                "operationId": "listUsers",
                "responses": answers(200, _object(items={"type": "array", "items": USER})),
            },
            "post": {
                "summary": "A staff account with a role and department; without a password it "
                "signs in nowhere but the API (admin)",
                "operationId": "createUser",
                "requestBody": body(schemas.UserCreate),
                "responses": answers(201, USER, 409),
            },
        },
        "/users/{user_id}": {
            "get": {
                "summary": "One staff account (admin)",
                "operationId": "getUser",
                "parameters": [user_id],
                "responses": answers(200, USER, 404),
            },
            "patch": {
                "summary": 'Change the role, the department ("": none) or the name (admin)',
                "operationId": "updateUser",
                "parameters": [user_id],
                "requestBody": body(schemas.UserUpdate),
                "responses": answers(200, USER, 404),
            },
        },
        "/users/{user_id}/password": {
            "post": {
                "summary": "A new password, generated unless given, shown once in the answer; "
                "the account's dashboard sessions end (admin)",
                "operationId": "resetUserPassword",
                "parameters": [user_id],
                "requestBody": body(schemas.PasswordReset, required=False),
                "responses": answers(200, USER, 404),
            }
        },
    }


def task_paths(answers: Answers) -> dict[str, Any]:
    """Each role's work list (the dashboard's Tasks), and closing a task."""
    page = {
        "type": "object",
        "required": ["items", "page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": TASK},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "total": {"type": "integer"},
        },
    }
    query = [
        {
            "name": "status",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["open", "done"]},
        },
        {
            "name": "kind",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": "^[a-z_]{1,40}$"},
        },
        {
            "name": "page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999},
        },
    ]
    return {
        "/tasks": {
            "get": {
                "summary": "The caller's role's tasks, newest first (an admin sees all)",
                "operationId": "listTasks",
                "parameters": query,
                "responses": answers(200, page),
            }
        },
        "/tasks/{task_id}/close": {
            "post": {
                "summary": "Mark one of the caller's tasks done",
                "operationId": "closeTask",
                "parameters": [_path("task_id")],
                "responses": answers(200, TASK, 404),
            }
        },
    }


CUSTOMER_FIELDS: dict[str, Any] = {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "phone": {"type": "string"},
    "address": {"type": ["string", "null"]},
    "zone": {"type": "string"},
}
CUSTOMER = {"type": "object", "required": sorted(CUSTOMER_FIELDS), "properties": CUSTOMER_FIELDS}


def customer_paths(answers: Answers) -> dict[str, Any]:
    """Finding a customer and their page (cases the caller may see, units, contracts)."""
    search = {
        "name": "q",
        "in": "query",
        "required": True,
        "description": "a phone number in any format, or a part of the name",
        "schema": {
            "type": "string",
            "minLength": 2,
            "maxLength": 100,
            # The server trims spaces (Python's, more than a regex's \\s) before counting: two
            # letters or digits at least.
            "pattern": "[0-9A-Za-z\uac00-\ud7a3][\\s\\S]*[0-9A-Za-z\uac00-\ud7a3]",
        },
    }
    page = {
        **CUSTOMER,
        "properties": {
            **CUSTOMER_FIELDS,
            "cases": {"type": "array", "items": {"type": "object"}},
            "units": {"type": "array", "items": {"type": "object"}},
            "contracts": {"type": "array", "items": {"type": "object"}},
            "calls": {"type": "array", "items": {"type": "object"}},
            "surveys": {"type": "array", "items": {"type": "object"}},
        },
    }
    return {
        "/customers": {
            "get": {
                "summary": "At most 50 customers whose phone is q or whose name contains it",
                "operationId": "findCustomers",
                "parameters": [search],
                "responses": answers(200, _object(items={"type": "array", "items": CUSTOMER})),
            }
        },
        "/customers/{customer_id}": {
            "get": {
                "summary": "A customer's page: contact, the cases the caller may see, units, "
                "contracts",
                "operationId": "getCustomer",
                "parameters": [_path("customer_id")],
                "responses": answers(200, page, 404),
            }
        },
    }


NOTE = {
    "type": "object",
    "required": ["id", "author", "at", "text"],
    "properties": {
        "id": {"type": "integer"},
        "author": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
        "text": {"type": "string"},
    },
}


def note_paths(answers: Answers, body: BodyOf) -> dict[str, Any]:
    """The case page's internal notes (office staff who may read the case; 403 for others)."""
    number = {
        "name": "number",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": r"^AS-\d{4}-\d{6}$"},
    }
    return {
        "/cases/{number}/notes": {
            "get": {
                "summary": "A case's internal notes, oldest first (never shown to the customer)",
                "operationId": "listCaseNotes",
                "parameters": [number],
                "responses": answers(200, _object(items={"type": "array", "items": NOTE}), 404),
            },
            "post": {
                "summary": "Keep an internal note on a case, with its author and time",
                "operationId": "createCaseNote",
                "parameters": [number],
                "requestBody": body(schemas.NoteCreate),
                "responses": answers(201, NOTE, 404),
            },
        },
    }


def report_paths(answers: Answers) -> dict[str, Any]:
    """The dashboard's report tables (managers; a technician reads their own month)."""
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    dimension = _object(
        mean=RATIO, counts={"type": "object", "additionalProperties": {"type": "integer"}}
    )
    return {
        "/reports/monthly": {
            "get": {
                "summary": "The month: cases by kind, channel, status; SLA per zone (R7.14); "
                "complaints; hours per category (R7.11); survey coverage; ratings",
                "operationId": "monthlyReport",
                "parameters": [month_query()],
                "responses": answers(
                    200,
                    {
                        "type": "object",
                        "required": ["month", "by_kind", "by_channel", "by_status", "sla"],
                        "properties": {
                            "month": {"type": "string"},
                            "by_kind": counts,
                            "by_channel": counts,
                            "by_status": counts,
                            "sla": {"type": "object", "additionalProperties": SLA},
                        },
                    },
                ),
            }
        },
        "/reports/technicians/{technician_id}": {
            "get": {
                "summary": "A technician's month (R8.2): jobs, arrivals within the deadline, "
                "hours, complaints, the four ratings as means and distributions",
                "operationId": "technicianMonthReport",
                "parameters": [_path("technician_id"), month_query()],
                "responses": answers(
                    200,
                    _object(
                        technician_id={"type": "integer"},
                        month={"type": "string"},
                        jobs={"type": "integer"},
                        arrivals_on_time={"type": "integer"},
                        on_time_ratio=RATIO,
                        hours={"type": "number"},
                        complaints={"type": "integer"},
                        ratings={"type": "object", "additionalProperties": dimension},
                    ),
                    404,
                ),
            }
        },
        "/reports/coverage": {
            "get": {
                "summary": "Survey coverage per day of the month (R8.3)",
                "operationId": "coveragePerDay",
                "parameters": [month_query()],
                "responses": answers(
                    200,
                    _object(
                        month={"type": "string"},
                        days={
                            "type": "array",
                            "items": _object(
                                day={"type": "string", "format": "date"},
                                jobs={"type": "integer"},
                                answered={"type": "integer"},
                                ratio=RATIO,
                            ),
                        },
                    ),
                ),
            }
        },
        "/reports/sla": {
            "get": {
                "summary": "Arrivals within the deadline per zone and ISO week (R7.14)",
                "operationId": "slaPerZoneAndWeek",
                "parameters": [month_query()],
                "responses": answers(
                    200,
                    _object(
                        month={"type": "string"},
                        weeks={
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["week", "zone", "met", "missed", "pending"],
                                "properties": {
                                    "week": {"type": "string"},
                                    "zone": {"type": "string"},
                                    **SLA_FIGURES,
                                },
                            },
                        },
                    ),
                ),
            }
        },
    }
