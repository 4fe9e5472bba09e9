"""The OpenAPI 3.1 document of /api/v1, built from the same pydantic models the routes parse."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from backend.api import openapi_assets, openapi_parity, openapi_workshop, schemas
from backend.api.partners import PartnerContractCreate, PartnerCreate, PartnerDispute
from backend.cases.machine import ALL_ACTIONS, ALL_STATUSES
from backend.cases.models import CaseKind
from backend.dispatch.place_views import DistrictIn, PlaceIn
from backend.key_customers.views import KeyCustomerFlag, VisitIn
from backend.money.views import FeeScheduleBody
from backend.reports.views import BranchCreate, SignOffBody
from backend.stock.schemas import ReorderPointIn, StockMoveIn
from backend.workshop.schemas import LoanerIn, LoanerReturnIn

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
    models: tuple[type[BaseModel], ...] = (
        schemas.CaseCreate,
        schemas.ActionBody,
        schemas.ProductCreate,
        schemas.TechnicianCreate,
        schemas.ContractCreate,
        schemas.TokenCreate,
        KeyCustomerFlag,
        VisitIn,
        SignOffBody,
        BranchCreate,
        FeeScheduleBody,
        StockMoveIn,
        ReorderPointIn,
        PartnerCreate,
        PartnerContractCreate,
        PartnerDispute,
        LoanerIn,
        LoanerReturnIn,
        PlaceIn,
        DistrictIn,
        schemas.UserCreate,
        schemas.UserUpdate,
        schemas.PasswordReset,
        schemas.NoteCreate,
        *openapi_assets.MODELS,
    )
    for model in models:
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
            "location": {
                "type": ["object", "null"],
                "description": "where the visit is planned: a shared location or geocoded "
                "address (exact), the district's centre, or the zone's centre; null where the "
                "reader may not see the customer's contact",
                "required": ["lat", "lon", "precision"],
                "properties": {
                    "lat": {"type": "number"},
                    "lon": {"type": "number"},
                    "precision": {"type": "string", "enum": ["exact", "district", "zone"]},
                },
            },
            "cause_department": {
                "type": ["string", "null"],
                "description": "returns: the department the cause is attributed to (R3.5)",
            },
            "cause_person": {
                "type": ["object", "null"],
                "required": ["kind", "id", "name"],
                "properties": {
                    "kind": {"type": "string", "enum": ["technician", "staff_user"]},
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                },
            },
            "return_decision": {
                "type": ["object", "null"],
                "required": ["decision", "rule"],
                "properties": {
                    "decision": {
                        "type": "string",
                        "enum": ["refund", "exchange", "repair", "rejected"],
                    },
                    "rule": {"type": ["string", "null"]},
                },
            },
            "pre_assessment": {
                "type": ["object", "null"],
                "description": "R4.6: from the model's past repair cards, the likely parts "
                "(code, name, frequency 0–1) and minutes on site; null without history",
                "properties": {
                    "basis": {"type": "integer"},
                    "by_symptoms": {"type": "boolean"},
                    "parts": {"type": "array", "items": {"type": "object"}},
                    "minutes": {"type": ["integer", "null"]},
                },
            },
            "workshop": {
                "type": ["object", "null"],
                "description": "repairs taken to the workshop (R4.10, R5.4): the goods receipt's "
                "number, the promised return date, transport, return, signature, the loaner lent",
                "properties": {
                    "receipt_number": {"type": "string"},
                    "promised_return_on": {"type": "string", "format": "date"},
                    "transport": {"type": "boolean"},
                    "returned_at": {"type": ["string", "null"], "format": "date-time"},
                    "signed_by": {"type": ["string", "null"]},
                    "loaner_serial": {"type": ["string", "null"]},
                },
            },
            "redacted": {
                "type": "array",
                "items": {"type": "string", "enum": ["contact", "customer", "media", "text"]},
                "description": "parts of the case this reader may not see (README: Security); "
                "their keys stay, with null values",
            },
            "reply_due_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "complaints: the answer is due (working hours by severity)",
            },
            "answered_at": {"type": ["string", "null"], "format": "date-time"},
            "answered_by": {"type": ["integer", "null"], "description": "the staff user"},
            "satisfied": {"type": ["boolean", "null"]},
            "about": {
                "type": ["object", "null"],
                "description": "R2.4: the person a complaint is about (never shown to them)",
                "properties": {
                    "technician_id": {"type": ["integer", "null"]},
                    "staff_id": {"type": ["integer", "null"]},
                },
            },
            "dealer": {"type": ["string", "null"]},
            "formal_case": {
                "type": ["string", "null"],
                "description": "R2.9: the formal escalated case this complaint is linked to",
            },
            "formal_key": {"type": ["string", "null"], "description": "on a formal case"},
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
            "suggestion": {
                "type": ["object", "null"],
                "description": "suggestions (R9.3): where it was left, the evaluation and the "
                "reward (0: none); null for other kinds",
                "properties": {
                    "place": {"type": ["string", "null"]},
                    "contact_left": {"type": "boolean"},
                    "decision": {
                        "type": ["string", "null"],
                        "enum": ["accepted", "rejected", None],
                    },
                    "evaluation_note": {"type": ["string", "null"]},
                    "evaluated_at": {"type": ["string", "null"], "format": "date-time"},
                    "reward_amount": {"type": ["integer", "null"]},
                    "reward_decided_at": {"type": ["string", "null"], "format": "date-time"},
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


LOCATION = {"type": "string", "pattern": "^(central|workshop|van:[1-9][0-9]{0,8})$"}
STOCK_MOVE = {
    "type": "object",
    "required": ["id", "part_code", "from", "to", "quantity", "kind", "reason", "actor", "at"],
    "properties": {
        "id": {"type": "integer"},
        "part_code": {"type": "string"},
        "from": {"type": ["string", "null"]},
        "to": {"type": ["string", "null"]},
        "quantity": {"type": "integer"},
        "kind": {"type": "string"},
        "reason": {"type": "string"},
        "actor": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
    },
}
REORDER_LINE = {
    "type": "object",
    "required": ["part_code", "location", "reorder_point", "on_hand", "order_quantity", "due"],
    "properties": {
        "part_code": {"type": "string"},
        "location": {"type": "string"},
        "reorder_point": {"type": "integer"},
        "reorder_quantity": {"type": "integer"},
        "on_hand": {"type": "integer"},
        "abc_class": {"type": ["string", "null"], "enum": ["A", "B", "C", None]},
        "order_quantity": {"type": "integer", "description": "the base lot scaled by ABC class"},
        "due": {"type": "boolean"},
    },
}


def _items(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": schema}},
    }


def _stock_paths() -> dict[str, Any]:
    """R5.1–R5.3: quantities on hand, the movement ledger, reorder points."""
    holding = {
        "type": "object",
        "required": ["part_code", "location", "quantity"],
        "properties": {
            "part_code": {"type": "string"},
            "location": {"type": "string"},
            "quantity": {"type": "integer", "minimum": 0},
        },
    }
    return {
        "/stock": {
            "get": {
                "summary": "Spare parts on hand per location (warehouse, managers; a "
                "technician: their own van); a van must be a known technician's (422)",
                "operationId": "listStock",
                "parameters": [_query("location", LOCATION)],
                "responses": _answers(200, _items(holding)),
            }
        },
        "/stock/moves": {
            "post": {
                "summary": "Record a movement (warehouse clerk): from null or supplier is a "
                "purchase receipt, to null a write-off; 409 when the source has too few",
                "operationId": "createStockMove",
                "requestBody": _body(StockMoveIn),
                "responses": _answers(201, STOCK_MOVE, 409),
            },
            "get": {
                "summary": "The newest movements of the ledger",
                "operationId": "listStockMoves",
                "parameters": [_query("limit", {"type": "integer", "minimum": 1, "maximum": 200})],
                "responses": _answers(200, _items(STOCK_MOVE)),
            },
        },
        "/stock/reorder-points": {
            "get": {
                "summary": "Reorder points with what is on hand, those due first",
                "operationId": "listReorderPoints",
                "responses": _answers(200, _items(REORDER_LINE)),
            },
            "put": {
                "summary": "Set a part's reorder point at a location; the part must be in the "
                "catalogue and a van a known technician's (422)",
                "operationId": "setReorderPoint",
                "requestBody": _body(ReorderPointIn),
                "responses": _answers(200, REORDER_LINE),
            },
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


KEY_CUSTOMER = {
    "type": "object",
    "required": ["id", "name", "key_customer"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "phone": {"type": "string"},
        "address": {"type": ["string", "null"]},
        "key_customer": {"type": "boolean"},
        "key_since": {"type": ["string", "null"], "format": "date"},
        "visit_interval_days": {"type": "integer"},
        "last_visit_on": {"type": ["string", "null"], "format": "date"},
        "next_visit_due_on": {"type": "string", "format": "date"},
    },
}
VISIT = {
    "type": "object",
    "required": ["id", "visited_on", "visited_by", "notes"],
    "properties": {
        "id": {"type": "integer"},
        "visited_on": {"type": "string", "format": "date"},
        "visited_by": {"type": "string"},
        "notes": {"type": "string"},
    },
}


def _key_customer_paths() -> dict[str, Any]:
    """R9.6: key customers, their visit interval and visits (managers)."""
    customer_id = _path_param(
        "customer_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    )
    return {
        "/key-customers": {
            "get": {
                "summary": "Key customers with their last and next visit, the next due first",
                "operationId": "listKeyCustomers",
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": KEY_CUSTOMER}},
                    },
                ),
            }
        },
        "/customers/{customer_id}/key-customer": {
            "put": {
                "summary": "Mark the customer as key, visited every visit_interval_days "
                "(default AFTERSALES_KEY_CUSTOMER_VISIT_DAYS)",
                "operationId": "markKeyCustomer",
                "parameters": [customer_id],
                "requestBody": _body(KeyCustomerFlag, required=False),
                "responses": _answers(200, KEY_CUSTOMER, 404),
            },
            "delete": {
                "summary": "The customer is no longer a key customer",
                "operationId": "unmarkKeyCustomer",
                "parameters": [customer_id],
                "responses": _answers(200, KEY_CUSTOMER, 404),
            },
        },
        "/customers/{customer_id}/visits": {
            "get": {
                "summary": "The visits made to the customer, latest first",
                "operationId": "listCustomerVisits",
                "parameters": [customer_id],
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "required": ["customer_id", "items"],
                        "properties": {
                            "customer_id": {"type": "integer"},
                            "items": {"type": "array", "items": VISIT},
                        },
                    },
                    404,
                ),
            },
            "post": {
                "summary": "Record a visit (who, when, notes); visited_on not in the future",
                "operationId": "recordCustomerVisit",
                "parameters": [customer_id],
                "requestBody": _body(VisitIn),
                "responses": _answers(201, VISIT, 404),
            },
        },
    }


WORK_FIGURES = {
    "type": "object",
    "required": ["hours", "jobs_done", "jobs_late"],
    "properties": {
        "hours": {
            "type": "object",
            "description": "hours per service category A/B/C/D from the technicians' daily "
            "work reports (R7.10, R7.11)",
        },
        "technicians_reporting": {"type": "integer"},
        "jobs_done": {"type": "integer"},
        "jobs_late": {"type": "integer"},
    },
}
DAILY_REPORT = {
    "type": "object",
    "required": ["day", "total", "complaints", "branches", "made_at"],
    "properties": {
        "day": {"type": "string", "format": "date"},
        "made_at": {"type": "string", "format": "date-time"},
        "total": WORK_FIGURES,
        "complaints": {
            "type": "object",
            "properties": {
                "opened": {"type": "integer"},
                "answered": {"type": "integer"},
                "overdue": {"type": "integer"},
            },
        },
        "branches": {
            "type": "array",
            "items": {
                "type": "object",
                "description": "the branch's part (R7.12), signed_off null until its manager signs",
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "signed_off": {"type": ["object", "null"]},
                },
            },
        },
    },
}
BRANCH = {
    "type": "object",
    "required": ["id", "name", "manager_user_id", "technician_ids"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "manager_user_id": {"type": ["integer", "null"]},
        "technician_ids": {"type": "array", "items": {"type": "integer"}},
    },
}
# Months and days as the servers read them: years 2000–9000 (the document states 2000–2999),
# months 01–12, days 01–28 (valid in every month; the server takes any valid date).
MONTH = {"type": "string", "pattern": r"^2[0-9]{3}-(0[1-9]|1[0-2])$"}
DATE_PATTERN = r"^2[0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"


def _report_paths() -> dict[str, Any]:
    """The director's daily reports and branch sign-off (R7.11, R7.12); analysis (R9.1)."""
    day = _path_param("day", {"type": "string", "format": "date", "pattern": DATE_PATTERN})
    branch_id = _path_param("branch_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    return {
        "/reports/daily": {
            "get": {
                "summary": "The director's daily reports, newest first, 31 a page (R7.11)",
                "operationId": "listDailyReports",
                "parameters": [
                    _query("page", {"type": "integer", "minimum": 1, "maximum": 999999})
                ],
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": DAILY_REPORT}},
                    },
                ),
            }
        },
        "/reports/daily/{day}": {
            "get": {
                "summary": "One day's report with each branch's sign-off",
                "operationId": "getDailyReport",
                "parameters": [day],
                "responses": _answers(200, DAILY_REPORT, 404),
            }
        },
        "/reports/daily/{day}/branches/{branch_id}/sign-off": {
            "post": {
                "summary": "The branch's manager signs its part of the day's report off (R7.12)",
                "operationId": "signOffBranchReport",
                "parameters": [day, branch_id],
                "requestBody": _body(SignOffBody, required=False),
                "responses": _answers(201, DAILY_REPORT, 404, 409),
            }
        },
        "/branches": {
            "get": {
                "summary": "Branches: a manager and technicians each (R7.12)",
                "operationId": "listBranches",
                "responses": _answers(
                    200,
                    {"type": "object", "properties": {"items": {"type": "array", "items": BRANCH}}},
                ),
            },
            "post": {
                "summary": "Add a branch; its technicians leave any other branch",
                "operationId": "createBranch",
                "requestBody": _body(BranchCreate),
                "responses": _answers(201, BRANCH, 404, 409),
            },
        },
        "/reports/analysis": {
            "get": {
                "summary": "By product model, part and month: repairs, parts replaced, repeat "
                "repairs of a unit within 90 days, complaint topics (R9.1); at most 36 months",
                "operationId": "serviceAnalysis",
                "parameters": [_query("from", MONTH), _query("to", MONTH)],
                "responses": _answers(200, {"type": "object"}),
            }
        },
    }


def _file(media_type: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
    }


FEE_SCHEDULE = {
    "type": "object",
    "required": ["version", "labour_per_hour", "default_labour_per_hour", "call_out", "transport"],
    "properties": {
        "version": {"type": "integer"},
        "labour_per_hour": {"type": "object", "additionalProperties": {"type": "integer"}},
        "default_labour_per_hour": {"type": "integer"},
        "call_out": {"type": "object", "additionalProperties": {"type": "integer"}},
        "transport": {"type": "integer"},
    },
}
INVOICE = {
    "type": "object",
    "required": ["invoice_number", "case_number", "method", "amount", "issued_at", "paid_at"],
    "properties": {
        "invoice_number": {"type": "string"},
        "case_number": {"type": "string"},
        "method": {"type": "string", "enum": ["cash", "card", "invoice"]},
        "amount": {"type": "integer"},
        "issued_at": {"type": "string", "format": "date-time"},
        "paid_at": {"type": ["string", "null"], "format": "date-time"},
        "customer": {"type": "string"},
        "pdf": {"type": "string"},
    },
}
DAY = _query("date", {"type": "string", "pattern": DATE_PATTERN})


def _money_paths() -> dict[str, Any]:
    """The fee schedule (R4.11; admins publish versions) and accounting (R7.5)."""
    invoice_number = _path_param("invoice_number", {"type": "string", "maxLength": 24})
    return {
        "/fee-schedule": {
            "get": {
                "summary": "The fee schedule in force, with every published version",
                "operationId": "getFeeSchedule",
                "responses": _answers(200, FEE_SCHEDULE),
            },
            "put": {
                "summary": "Publish the next version of the fee schedule (admins); quotes keep "
                "the version they were made with; labour rates for the catalogue's product "
                "lines only (422)",
                "operationId": "publishFeeSchedule",
                "requestBody": _body(FeeScheduleBody),
                "responses": _answers(201, FEE_SCHEDULE, 409),
            },
        },
        "/invoices": {
            "get": {
                "summary": "Receipts and invoices issued on a business day (default today)",
                "operationId": "listInvoices",
                "parameters": [DAY],
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "required": ["date", "items", "total"],
                        "properties": {
                            "date": {"type": "string"},
                            "items": {"type": "array", "items": INVOICE},
                            "total": {"type": "integer"},
                        },
                    },
                ),
            }
        },
        "/invoices/{invoice_number}/pdf": {
            "get": {
                "summary": "The numbered receipt or invoice as a PDF (Korean text)",
                "operationId": "getInvoicePdf",
                "parameters": [invoice_number],
                "responses": {
                    **_answers(200, None, 404),
                    "200": _file("application/pdf", "the PDF"),
                },
            }
        },
        "/accounting/daily.csv": {
            "get": {
                "summary": "The day's receipts and invoices as CSV for accounting (UTF-8, BOM)",
                "operationId": "getDailyPaymentsCsv",
                "parameters": [DAY],
                "responses": {**_answers(200), "200": _file("text/csv", "the CSV")},
            }
        },
    }


PARTNER_CONTRACT = {
    "type": "object",
    "required": ["id", "zones", "product_lines", "starts_on", "ends_on"],
    "properties": {
        "id": {"type": "integer"},
        "zones": {"type": "array", "items": {"type": "string"}},
        "product_lines": {"type": "array", "items": {"type": "string"}},
        "starts_on": {"type": "string"},
        "ends_on": {"type": "string"},
        "call_out_rate": {"type": "integer"},
        "hourly_rate": {"type": "integer"},
        "signed_on": {"type": ["string", "null"]},
    },
}
PARTNER = {
    "type": "object",
    "required": ["id", "name", "disputed", "contracts", "staff"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "phone": {"type": ["string", "null"]},
        "active": {"type": "boolean"},
        "disputed": {"type": "boolean"},
        "dispute_note": {"type": ["string", "null"]},
        "contracts": {"type": "array", "items": PARTNER_CONTRACT},
        "staff": {"type": "array", "items": {"type": "object"}},
    },
}
PARTNER_STATEMENT = {
    "type": "object",
    "required": ["month", "items", "partners", "total"],
    "properties": {
        "month": {"type": "string"},
        "items": {"type": "array", "items": {"type": "object"}},
        "partners": {"type": "array", "items": {"type": "object"}},
        "total": {"type": "integer"},
    },
}
PLACE = {
    "type": "object",
    "required": ["lat", "lon", "precision"],
    "properties": {
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "precision": {"type": "string", "enum": ["exact", "district", "zone"]},
    },
}
DISTRICT = {
    "type": "object",
    "required": ["code", "province", "name", "lat", "lon", "bounds", "zone"],
    "properties": {
        "code": {"type": "string"},
        "province": {"type": "string"},
        "name": {"type": "string"},
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "bounds": {
            "type": "array",
            "items": {"type": "number"},
            "description": "south, west, north, east",
        },
        "zone": {"type": "string", "enum": ["city", "suburb"]},
    },
}


def _partner_paths() -> dict[str, Any]:
    """R1.4: partner repair shops, their contracts and staff, disputes, the monthly statement."""
    partner_id = _path_param("partner_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    month = _query("month", {"type": "string", "pattern": "^[12][0-9]{3}-(0[1-9]|1[0-2])$"})
    return {
        "/partners": {
            "post": {
                "summary": "Add a partner repair shop (R1.4)",
                "operationId": "createPartner",
                "requestBody": _body(PartnerCreate),
                "responses": _answers(201, PARTNER, 409),
            },
            "get": {
                "summary": "Partner repair shops with their contracts and staff",
                "operationId": "listPartners",
                "responses": _answers(200, _items(PARTNER)),
            },
        },
        "/partners/{partner_id}": {
            "get": {
                "summary": "One partner repair shop",
                "operationId": "getPartner",
                "parameters": [partner_id],
                "responses": _answers(200, PARTNER, 404),
            }
        },
        "/partners/{partner_id}/contracts": {
            "post": {
                "summary": "Record a signed contract: zones, product lines (in the catalogue), "
                "validity (ends_on not before starts_on), rates",
                "operationId": "createPartnerContract",
                "parameters": [partner_id],
                "requestBody": _body(PartnerContractCreate),
                "responses": _answers(201, PARTNER_CONTRACT, 404),
            }
        },
        "/partners/{partner_id}/technicians": {
            "post": {
                "summary": "Add a member of the partner's staff (a technician with the "
                "partner's id; certifications name lines in the catalogue)",
                "operationId": "createPartnerTechnician",
                "parameters": [partner_id],
                "requestBody": _body(schemas.TechnicianCreate),
                "responses": _answers(201, None, 404, 409),
            }
        },
        "/partners/{partner_id}/dispute": {
            "put": {
                "summary": "Flag or clear a dispute: a disputed partner is offered no job and "
                "its jobs not yet reached move on",
                "operationId": "setPartnerDispute",
                "parameters": [partner_id],
                "requestBody": _body(PartnerDispute),
                "responses": _answers(200, PARTNER, 404),
            }
        },
        "/partners/statement": {
            "get": {
                "summary": "A month's partner jobs and amounts owed (default this month)",
                "operationId": "getPartnerStatement",
                "parameters": [month],
                "responses": _answers(200, PARTNER_STATEMENT),
            }
        },
        "/partners/statement.csv": {
            "get": {
                "summary": "A month's partner jobs and amounts owed as CSV (UTF-8, BOM)",
                "operationId": "getPartnerStatementCsv",
                "parameters": [month],
                "responses": {**_answers(200), "200": _file("text/csv", "the CSV")},
            }
        },
    }


def _place_paths(number: dict[str, Any]) -> dict[str, Any]:
    """Issue 17: a case's place corrected by staff; the district table (zone and centre)."""
    code = _path_param("code", {"type": "string", "pattern": r"^[0-9]{5}$"})
    return {
        "/cases/{number}/location": {
            "put": {
                "summary": "Put the case where it really is (staff); its day is re-planned",
                "operationId": "correctCaseLocation",
                "parameters": [number],
                "requestBody": _body(PlaceIn),
                "responses": _answers(200, PLACE, 404),
            }
        },
        "/districts": {
            "get": {
                "summary": "Every 시/군/구 with its centre, bounds and the zone it proposes",
                "operationId": "listDistricts",
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": DISTRICT}},
                    },
                ),
            }
        },
        "/districts/{code}": {
            "put": {
                "summary": "Set a district's zone and, optionally, its centre",
                "operationId": "updateDistrict",
                "parameters": [code],
                "requestBody": _body(DistrictIn),
                "responses": _answers(200, DISTRICT, 404),
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
                        {"type": "string", "enum": [kind.value for kind in CaseKind]},
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
        "/complaints/board": {
            "get": {
                "summary": "Open complaints by department and age, as the reader may see them",
                "operationId": "complaintsBoard",
                "responses": _answers(
                    200,
                    {
                        "type": "object",
                        "required": ["departments"],
                        "properties": {
                            "departments": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["department", "complaints"],
                                    "properties": {
                                        "department": {"type": "string"},
                                        "complaints": {
                                            "type": "array",
                                            "items": {"type": "object"},
                                        },
                                    },
                                },
                            }
                        },
                    },
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
                            "by_channel": {
                                "type": "object",
                                "description": "per channel the survey was asked on: asked, "
                                "responded, completed, response_rate, completion_rate",
                            },
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
        **_key_customer_paths(),
        **_report_paths(),
        **_money_paths(),
        **_stock_paths(),
        **_partner_paths(),
        **openapi_workshop.workshop_paths(_answers, _body),
        **openapi_assets.asset_paths(_answers, _body),
        **_place_paths(number),
        **openapi_parity.user_paths(_answers, _body),
        **openapi_parity.task_paths(_answers),
        **openapi_parity.customer_paths(_answers),
        **openapi_parity.note_paths(_answers, _body),
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
