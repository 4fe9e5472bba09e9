"""The OpenAPI 3.1 document of /api/v1, built from the same pydantic models the routes parse."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from backend.api import openapi_parity, schemas
from backend.cases.machine import ALL_ACTIONS, ALL_STATUSES

blueprint = Blueprint("openapi", __name__, url_prefix="/api/v1")

REF = "#/components/schemas/{model}"
ERROR = {"$ref": "#/components/schemas/Error"}


class _NoNulStrings(GenerateJsonSchema):
    """Every body string refuses NUL (backend/web/bodies.py: PostgreSQL cannot store it): the
    document says so on each string that has no pattern of its own."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        result = super().str_schema(schema)
        result.setdefault("pattern", "^[^\\x00]*$")
        return result


def _schema_components() -> dict[str, Any]:
    components: dict[str, Any] = {}
    for model in (
        schemas.CaseCreate,
        schemas.ActionBody,
        schemas.ProductCreate,
        schemas.TechnicianCreate,
        schemas.ContractCreate,
        schemas.TokenCreate,
        schemas.UserCreate,
        schemas.UserUpdate,
        schemas.PasswordReset,
    ):
        schema = model.model_json_schema(ref_template=REF, schema_generator=_NoNulStrings)
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    components["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                    "allowed_actions": {"type": "array", "items": {"type": "string"}},
                },
            }
        },
    }
    components["Case"] = {
        "type": "object",
        "required": [
            "number",
            "kind",
            "status",
            "channel",
            "service_category",
            "customer",
            "product",
            "description",
            "reported_at",
            "sla_due_at",
            "assigned_technician",
            "department",
            "priority",
            "escalated_to",
            "survey",
            "charges",
            "events",
        ],
        "properties": {
            "redacted": {
                "type": "array",
                "items": {"type": "string", "enum": ["contact", "customer", "media", "text"]},
                "description": "parts of the case this reader may not see (README: Security); "
                "their keys stay, with null values",
            },
            "media": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["n", "kind", "status", "url"],
                    "properties": {
                        "n": {"type": "integer"},
                        "kind": {"type": ["string", "null"]},
                        "status": {
                            "type": ["string", "null"],
                            "enum": ["pending", "stored", "failed", None],
                        },
                        "url": {
                            "type": ["string", "null"],
                            "description": "GET it (bearer token) once the file is stored",
                        },
                        "content_type": {"type": ["string", "null"]},
                        "size": {"type": ["integer", "null"]},
                        "transcription": {"type": ["string", "null"]},
                    },
                },
            },
        },
        "additionalProperties": True,
    }
    components["Page"] = {
        "type": "object",
        "required": ["items", "page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": REF.format(model="Case")}},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "total": {"type": "integer"},
        },
    }
    return components


def _body(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    return {
        "required": required,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
    }


def _answers(ok: int, schema: dict[str, Any] | None = None, *errors: int) -> dict[str, Any]:
    answers: dict[str, Any] = {
        str(ok): {
            "description": "success",
            "content": {"application/json": {"schema": schema or {"type": "object"}}},
        }
    }
    for status in (400, 401, 403, 413, 422, 503, *errors):
        answers[str(status)] = {
            "description": "error",
            "content": {"application/json": {"schema": ERROR}},
        }
    return answers


# What a client can do next with the case an answer names (OpenAPI links): read it, take a step,
# see its calls. Schemathesis follows them in its stateful test.
CASE_LINKS = {
    "GetCase": {"operationId": "getCase"},
    "TakeAStep": {"operationId": "caseAction"},
    "ListCaseCalls": {"operationId": "listCaseCalls"},
}


def _with_case_links(answers: dict[str, Any], status: str) -> dict[str, Any]:
    answers[status]["links"] = {
        name: {**link, "parameters": {"number": "$response.body#/number"}}
        for name, link in CASE_LINKS.items()
    }
    return answers


def _path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


CASE_CALL_REQUEST = {
    "type": "object",
    "required": ["purpose"],
    "additionalProperties": False,
    "properties": {"purpose": {"type": "string", "enum": ["opinion", "mystery_check"]}},
}
CASE_CALL = {
    "type": "object",
    "required": ["id", "purpose", "status", "scheduled_for"],
    "properties": {
        "id": {"type": "integer"},
        "purpose": {"type": "string"},
        "status": {"type": "string"},
        "outcome": {"type": ["string", "null"]},
        "scheduled_for": {"type": "string", "format": "date-time"},
        "answers": {"type": "object"},
        "comment": {"type": ["string", "null"]},
        "recording_url": {"type": ["string", "null"]},
    },
}


OUTBOUND_MESSAGE = {
    "type": "object",
    "required": ["id", "channel", "purpose", "recipient", "status", "attempts", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "channel": {"type": "string", "enum": ["telegram", "sms", "voice"]},
        "purpose": {"type": "string"},
        "case_number": {"type": ["string", "null"]},
        "recipient": {"type": "string", "description": "masked: never a whole number or chat id"},
        "status": {"type": "string", "enum": ["pending", "sent", "failed", "deferred"]},
        "attempts": {"type": "integer", "description": "real failures; 429s are not counted"},
        "last_error": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "failed_at": {"type": ["string", "null"], "format": "date-time"},
        "next_attempt_at": {"type": "string", "format": "date-time"},
    },
}
TOKEN = {
    "type": "object",
    "required": ["id", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"],
    "properties": {
        "id": {"type": "integer"},
        "prefix": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": ["string", "null"], "format": "date-time"},
        "last_used_at": {"type": ["string", "null"], "format": "date-time"},
        "revoked_at": {"type": ["string", "null"], "format": "date-time"},
        "token": {"type": "string", "description": "only in the answer that creates it"},
    },
}
USER = {
    "type": "object",
    "required": ["id", "email", "role", "active"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "role": {"type": "string"},
        "active": {"type": "boolean"},
        "tokens_revoked": {"type": "integer"},
    },
}


def _user_paths() -> dict[str, Any]:
    """Admins: a staff account's API tokens, and deactivation (finding 16)."""
    user_id = _path_param("user_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    token_id = _path_param("token_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    return {
        "/users/{user_id}/tokens": {
            "get": {
                "summary": "The user's API tokens (prefix, expiry, last use, revocation)",
                "operationId": "listUserTokens",
                "parameters": [user_id],
                "responses": _answers(
                    200,
                    {"type": "object", "properties": {"items": {"type": "array", "items": TOKEN}}},
                    404,
                ),
            },
            "post": {
                "summary": "A new API token for the user, shown once; optional expiry in days",
                "operationId": "createUserToken",
                "parameters": [user_id],
                "requestBody": _body(schemas.TokenCreate, required=False),
                "responses": _answers(201, TOKEN, 404, 409),
            },
            "delete": {
                "summary": "Revoke every token of the user at once",
                "operationId": "revokeUserTokens",
                "parameters": [user_id],
                "responses": _answers(
                    200, {"type": "object", "properties": {"revoked": {"type": "integer"}}}, 404
                ),
            },
        },
        "/users/{user_id}/tokens/{token_id}": {
            "delete": {
                "summary": "Revoke one token",
                "operationId": "revokeUserToken",
                "parameters": [user_id, token_id],
                "responses": _answers(200, TOKEN, 404),
            }
        },
        "/users/{user_id}/deactivate": {
            "post": {
                "summary": "Deactivate the account: no sign-in, every token revoked at once",
                "operationId": "deactivateUser",
                "parameters": [user_id],
                "responses": _answers(200, USER, 404),
            }
        },
        "/users/{user_id}/reactivate": {
            "post": {
                "summary": "Let the account sign in again (it needs new tokens)",
                "operationId": "reactivateUser",
                "parameters": [user_id],
                "responses": _answers(200, USER, 404),
            }
        },
    }


def build_document() -> dict[str, Any]:
    case_ref = {"$ref": REF.format(model="Case")}
    number = _path_param("number", {"type": "string", "pattern": r"^AS-\d{4}-\d{6}$"})
    technician_id = _path_param(
        "technician_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    )
    month = openapi_parity.month_query()
    # Query numbers are read as at most 9 ASCII digits (backend/api/views.query_int).
    query_number = {"type": "integer", "minimum": 1, "maximum": 999_999_999}
    security: list[dict[str, list[str]]] = [{"bearer": []}]
    paths: dict[str, Any] = {
        "/cases": {
            "post": {
                "summary": "Register a contact as a case",
                "operationId": "createCase",
                "requestBody": _body(schemas.CaseCreate),
                "responses": _with_case_links(_answers(201, case_ref), "201"),
            },
            "get": {
                "summary": "A page of cases, newest first",
                "operationId": "listCases",
                "parameters": [
                    _query("status", {"type": "string", "enum": sorted(ALL_STATUSES)}),
                    _query(
                        "kind",
                        {"type": "string", "enum": ["repair", "complaint", "return", "inquiry"]},
                    ),
                    _query(
                        "channel",
                        {
                            "type": "string",
                            "enum": ["phone", "telegram", "email", "letter", "visit", "web"],
                        },
                    ),
                    _query("technician_id", query_number),
                    _query("page", query_number),
                ],
                "responses": _answers(200, {"$ref": REF.format(model="Page")}),
            },
        },
        "/cases/{number}": {
            "get": {
                "summary": "One case with its history",
                "operationId": "getCase",
                "parameters": [number],
                "responses": _answers(200, case_ref, 404),
            }
        },
        "/cases/{number}/media/{n}": {
            "get": {
                "summary": "A photo or voice note the customer sent (the case's media entry n)",
                "operationId": "getCaseMedia",
                "parameters": [number, _path_param("n", {"type": "integer", "minimum": 1})],
                "responses": {
                    **_answers(200, None, 404),
                    "200": {
                        "description": "the file",
                        "content": {
                            media_type: {"schema": {"type": "string", "format": "binary"}}
                            for media_type in (
                                "image/jpeg",
                                "image/png",
                                "image/webp",
                                "audio/ogg",
                                "audio/mpeg",
                                "audio/mp4",
                                "application/octet-stream",
                            )
                        },
                    },
                },
            }
        },
        "/cases/{number}/actions/{action}": {
            "post": {
                "summary": "One step of the case's life",
                "description": "Which fields a step needs depends on the action and on who "
                "takes it (README: Security): a missing one answers 422 naming it — `reason` "
                "for a cancel or a technician's step taken by a manager, `signed_by` for a "
                "sign-off on the technician's phone, `parts`/`hours` for a resolve, "
                "`technician_id` of an eligible technician for a manual assign. A step the "
                "case's status does not allow answers 409 naming the allowed ones.",
                "operationId": "caseAction",
                "parameters": [
                    number,
                    _path_param("action", {"type": "string", "enum": ALL_ACTIONS}),
                ],
                "requestBody": _body(schemas.ActionBody, required=False),
                "responses": _with_case_links(_answers(200, case_ref, 404, 409), "200"),
            }
        },
        "/cases/{number}/calls": {
            "post": {
                "summary": "Queue an opinion call (R9.5) or a mystery-customer check (R9.7) "
                "to the case's customer, inside calling hours",
                "operationId": "requestCaseCall",
                "parameters": [number],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": CASE_CALL_REQUEST}},
                },
                "responses": _answers(201, CASE_CALL, 404, 409),
            },
            "get": {
                "summary": "Every call about the case, with its answers and recording",
                "operationId": "listCaseCalls",
                "parameters": [number],
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "required": ["case_number", "items"],
                        "properties": {
                            "case_number": {"type": "string"},
                            "items": {"type": "array", "items": CASE_CALL},
                        },
                    },
                    404,
                ),
            },
        },
        "/products": {
            "post": {
                "summary": "Add a product with its parts",
                "operationId": "createProduct",
                "requestBody": _body(schemas.ProductCreate),
                "responses": _answers(201, None, 409),
            },
            "get": {
                "summary": "The catalogue",
                "operationId": "listProducts",
                "responses": _answers(200),
            },
        },
        "/technicians": {
            "post": {
                "summary": "Add a technician",
                "operationId": "createTechnician",
                "requestBody": _body(schemas.TechnicianCreate),
                "responses": _answers(201, None, 409),
            },
            "get": {
                "summary": "All technicians",
                "operationId": "listTechnicians",
                "responses": _answers(200),
            },
        },
        "/technicians/{technician_id}": {
            "get": {
                "summary": "One technician",
                "operationId": "getTechnician",
                "parameters": [technician_id],
                "responses": _answers(200, None, 404),
            }
        },
        "/technicians/{technician_id}/performance": {
            "get": {
                "summary": "A technician's month",
                "operationId": "technicianPerformance",
                "parameters": [technician_id, month],
                "responses": _answers(200, None, 404),
            }
        },
        "/technicians/{technician_id}/link-code": {
            "post": {
                "summary": "A one-time code linking the technician's Telegram account (R6.5)",
                "operationId": "createTechnicianLinkCode",
                "parameters": [technician_id],
                "responses": _answers(
                    201,
                    {
                        "type": "object",
                        "required": ["technician_id", "code", "expires_at"],
                        "properties": {
                            "technician_id": {"type": "integer"},
                            "code": {"type": "string"},
                            "expires_at": {"type": "string"},
                            "instructions": {"type": "string"},
                        },
                    },
                    404,
                ),
            }
        },
        "/reports/surveys": {
            "get": {
                "summary": "Survey coverage of a month: jobs surveyed / jobs closed (R8.3)",
                "operationId": "surveyCoverage",
                "parameters": [month],
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "required": ["month", "jobs_closed", "jobs_surveyed", "coverage"],
                        "properties": {
                            "month": {"type": "string"},
                            "jobs_closed": {"type": "integer"},
                            "jobs_surveyed": {"type": "integer"},
                            "coverage": {"type": ["number", "null"]},
                            "fully_answered": {"type": "integer"},
                            "partially_answered": {"type": "integer"},
                            "unreachable": {"type": "integer"},
                            "not_yet_surveyed": {"type": "integer"},
                            "without_survey": {"type": "integer"},
                            "call_attempts": {"type": "integer"},
                            "answered_by_channel": {"type": "object"},
                        },
                    },
                ),
            }
        },
        "/plans/{day}": {
            "get": {
                "summary": "The day's dispatch plan: each technician's stops and why (R4.6)",
                "operationId": "dayPlan",
                "parameters": [_path_param("day", {"type": "string", "format": "date"})],
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "required": ["date", "planned_at", "technicians", "late_arrivals"],
                    },
                ),
            }
        },
        "/outbox": {
            "get": {
                "summary": "Outbound messages in one status, newest first (default: failed for "
                "good); recipients masked, texts never shown (managers)",
                "operationId": "listOutbox",
                "parameters": [
                    _query(
                        "status",
                        {"type": "string", "enum": ["failed", "pending", "sent", "deferred"]},
                    ),
                    _query("page", {"type": "integer", "minimum": 1, "maximum": 999999}),
                ],
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "required": ["items", "page", "pages", "total"],
                        "properties": {
                            "items": {"type": "array", "items": OUTBOUND_MESSAGE},
                            "page": {"type": "integer"},
                            "pages": {"type": "integer"},
                            "total": {"type": "integer"},
                        },
                    },
                ),
            }
        },
        "/outbox/{message_id}/retry": {
            "post": {
                "summary": "Queue a failed message again, with a fresh deadline (managers)",
                "operationId": "retryOutboundMessage",
                "parameters": [
                    _path_param(
                        "message_id", {"type": "integer", "minimum": 1, "maximum": 2147483647}
                    )
                ],
                "responses": _answers(200, OUTBOUND_MESSAGE, 404, 409),
            }
        },
        **_user_paths(),
        **openapi_parity.user_paths(_answers, _body),
        **openapi_parity.task_paths(_answers),
        **openapi_parity.customer_paths(_answers),
        **openapi_parity.report_paths(_answers),
        "/contracts": {
            "post": {
                "summary": "Add a maintenance contract",
                "operationId": "createContract",
                "requestBody": _body(schemas.ContractCreate),
                "responses": _answers(201, None, 409),
            },
            "get": {
                "summary": "All contracts",
                "operationId": "listContracts",
                "responses": _answers(200),
            },
        },
    }
    for operations in paths.values():
        for operation in operations.values():
            operation["security"] = security
    return {
        "openapi": "3.1.0",
        "info": {"title": "After-sales service desk API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": _schema_components(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@blueprint.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    return jsonify(build_document())
