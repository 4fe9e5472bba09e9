"""The OpenAPI operations of tools (R5.5–R5.7), warranty promotions (R4.2) and documents
(R6.2–R6.5); `backend/api/openapi.py` merges them, passing its builders of answers and bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from backend.api.promotions import PromotionIn
from backend.knowledge.models import DocumentKind, Level
from backend.tools.schemas import (
    CompensationIn,
    HandoverConfirmIn,
    HandoverIn,
    IncidentIn,
    PurchaseDecisionIn,
    PurchaseIn,
    PurchaseRequestIn,
    ToolIn,
)

Answers = Callable[..., dict[str, Any]]
BodyOf = Callable[..., dict[str, Any]]

MODELS: tuple[type[BaseModel], ...] = (
    ToolIn,
    HandoverIn,
    HandoverConfirmIn,
    IncidentIn,
    CompensationIn,
    PurchaseRequestIn,
    PurchaseDecisionIn,
    PurchaseIn,
    PromotionIn,
)
ROW_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
MOMENT = {"type": ["string", "null"], "format": "date-time"}
TOOL = {
    "type": "object",
    "required": ["id", "serial_number", "name", "kind", "value", "purchased_on", "status"],
    "properties": {
        "id": {"type": "integer"},
        "serial_number": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["tool", "test_equipment"]},
        "value": {"type": "integer"},
        "purchased_on": {"type": "string", "format": "date"},
        "holder": {"type": ["object", "null"]},
        "status": {"type": "string", "enum": ["in_service", "lost", "damaged", "retired"]},
    },
}
HANDOVER = {
    "type": "object",
    "required": ["id", "tool_id", "status"],
    "properties": {
        "id": {"type": "integer"},
        "tool_id": {"type": "integer"},
        "from_technician_id": {"type": ["integer", "null"]},
        "to_technician_id": {"type": ["integer", "null"]},
        "status": {"type": "string", "enum": ["pending", "done", "cancelled"]},
        "given_at": MOMENT,
        "received_at": MOMENT,
        "done_at": MOMENT,
    },
}
INCIDENT = {
    "type": "object",
    "required": ["id", "tool_id", "kind", "decision", "amount"],
    "properties": {
        "id": {"type": "integer"},
        "tool_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["lost", "damaged"]},
        "decision": {"type": ["string", "null"]},
        "amount": {"type": "integer"},
        "decided_at": MOMENT,
    },
}
PURCHASE_REQUEST = {
    "type": "object",
    "required": ["id", "item", "status", "estimated_cost"],
    "properties": {
        "id": {"type": "integer"},
        "item": {"type": "string"},
        "status": {"type": "string", "enum": ["requested", "approved", "rejected", "purchased"]},
        "estimated_cost": {"type": "integer"},
        "tool_id": {"type": ["integer", "null"]},
    },
}
PROMOTION = {
    "type": "object",
    "required": ["id", "name", "models", "purchased_from", "purchased_until", "extra_months"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "models": {"type": "array", "items": {"type": "string"}},
        "purchased_from": {"type": "string", "format": "date"},
        "purchased_until": {"type": "string", "format": "date"},
        "extra_months": {"type": "integer"},
        "part_months": {"type": "object"},
    },
}
DOCUMENT = {
    "type": "object",
    "required": ["id", "model", "kind", "level", "title", "filename", "size", "url"],
    "properties": {
        "id": {"type": "integer"},
        "model": {"type": "string"},
        "part_code": {"type": ["string", "null"]},
        "kind": {"type": "string", "enum": list(DocumentKind)},
        "level": {"type": "string", "enum": list(Level)},
        "title": {"type": "string"},
        "filename": {"type": "string"},
        "size": {"type": "integer"},
        "url": {"type": "string"},
    },
}
UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["model", "kind", "level", "title", "file"],
                "properties": {
                    "model": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 64,
                        "description": "a model in the catalogue",
                    },
                    "part_code": {
                        "type": "string",
                        "maxLength": 64,
                        "description": "a part of that model",
                    },
                    "kind": {"type": "string", "enum": list(DocumentKind)},
                    "level": {
                        "type": "string",
                        "enum": list(Level),
                        "description": "who reads it (R6.5): general, service, confidential",
                    },
                    "title": {"type": "string", "minLength": 1, "maxLength": 200},
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "a PDF (it starts with %PDF-), at most "
                        "AFTERSALES_DOCUMENT_MAX_BYTES",
                    },
                },
            }
        }
    },
}


def _items(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": schema}},
    }


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ROW_ID}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def asset_paths(answers: Answers, body: BodyOf) -> dict[str, Any]:
    """Tools, handovers, incidents, purchase requests, promotions and documents."""
    return {
        "/tools": {
            "get": {
                "summary": "The tools register (a technician: the tools they hold)",
                "operationId": "listTools",
                "parameters": [_query("holder_id", ROW_ID)],
                "responses": answers(200, _items(TOOL)),
            },
            "post": {
                "summary": "Register a tool or test equipment (R5.5); 409 for a known serial",
                "operationId": "registerTool",
                "requestBody": body(ToolIn),
                "responses": answers(201, TOOL, 409),
            },
        },
        "/tools/{tool_id}": {
            "get": {
                "summary": "One tool",
                "operationId": "getTool",
                "parameters": [_id("tool_id")],
                "responses": answers(200, TOOL, 404),
            }
        },
        "/tools/{tool_id}/handovers": {
            "post": {
                "summary": "Transfer a tool (R5.6): done when both sides confirmed",
                "operationId": "startToolHandover",
                "parameters": [_id("tool_id")],
                "requestBody": body(HandoverIn),
                "responses": answers(201, HANDOVER, 404, 409),
            }
        },
        "/tool-handovers": {
            "get": {
                "summary": "Handovers waiting for a confirmation",
                "operationId": "listToolHandovers",
                "responses": answers(200, _items(HANDOVER)),
            }
        },
        "/tool-handovers/{handover_id}/confirm": {
            "post": {
                "summary": "One side confirms: the technician on it, or the store's staff",
                "operationId": "confirmToolHandover",
                "parameters": [_id("handover_id")],
                "requestBody": body(HandoverConfirmIn),
                "responses": answers(200, HANDOVER, 404, 409),
            }
        },
        "/tool-handovers/{handover_id}/cancel": {
            "post": {
                "summary": "Call off a handover still waiting; the tool stays where it is",
                "operationId": "cancelToolHandover",
                "parameters": [_id("handover_id")],
                "responses": answers(200, HANDOVER, 404, 409),
            }
        },
        "/tools/{tool_id}/incidents": {
            "post": {
                "summary": "Report a tool lost or damaged",
                "operationId": "reportToolIncident",
                "parameters": [_id("tool_id")],
                "requestBody": body(IncidentIn),
                "responses": answers(201, INCIDENT, 404, 409),
            }
        },
        "/tool-incidents": {
            "get": {
                "summary": "Loss and damage reports, undecided first",
                "operationId": "listToolIncidents",
                "responses": answers(200, _items(INCIDENT)),
            }
        },
        "/tool-incidents/{incident_id}/decision": {
            "post": {
                "summary": "Decide compensation (R5.7): charged up to the tool's value, "
                "normal wear (a damaged tool), or waived with a note",
                "operationId": "decideToolCompensation",
                "parameters": [_id("incident_id")],
                "requestBody": body(CompensationIn),
                "responses": answers(200, INCIDENT, 404, 409),
            }
        },
        "/purchase-requests": {
            "get": {
                "summary": "Tool purchase requests, newest first",
                "operationId": "listPurchaseRequests",
                "responses": answers(200, _items(PURCHASE_REQUEST)),
            },
            "post": {
                "summary": "Ask for a tool to be bought; finance approves first (R5.7)",
                "operationId": "requestToolPurchase",
                "requestBody": body(PurchaseRequestIn),
                "responses": answers(201, PURCHASE_REQUEST),
            },
        },
        "/purchase-requests/{request_id}/decision": {
            "post": {
                "summary": "Finance approves or rejects a purchase request",
                "operationId": "decideToolPurchase",
                "parameters": [_id("request_id")],
                "requestBody": body(PurchaseDecisionIn),
                "responses": answers(200, PURCHASE_REQUEST, 404, 409),
            }
        },
        "/purchase-requests/{request_id}/purchase": {
            "post": {
                "summary": "Purchasing records the approved purchase: the tool is registered; "
                "409 before finance approved",
                "operationId": "recordToolPurchase",
                "parameters": [_id("request_id")],
                "requestBody": body(PurchaseIn),
                "responses": answers(201, TOOL, 404, 409),
            }
        },
        "/promotions": {
            "get": {
                "summary": "Warranty promotions (R4.2)",
                "operationId": "listPromotions",
                "responses": answers(200, _items(PROMOTION)),
            },
            "post": {
                "summary": "Record a warranty promotion (admins)",
                "operationId": "createPromotion",
                "requestBody": body(PromotionIn),
                "responses": answers(201, PROMOTION),
            },
        },
        "/documents": {
            "get": {
                "summary": "Documents the reader may read (R6.5)",
                "operationId": "listDocuments",
                "parameters": [
                    _query("model", {"type": "string", "maxLength": 64}),
                    _query("part_code", {"type": "string", "maxLength": 64}),
                ],
                "responses": answers(200, _items(DOCUMENT)),
            },
            "post": {
                "summary": "Upload a PDF for a product or one of its parts",
                "operationId": "uploadDocument",
                "requestBody": UPLOAD,
                "responses": answers(201, DOCUMENT),
            },
        },
        "/documents/{document_id}": {
            "get": {
                "summary": "One document (404 for one the reader may not read)",
                "operationId": "getDocument",
                "parameters": [_id("document_id")],
                "responses": answers(200, DOCUMENT, 404),
            }
        },
        "/documents/{document_id}/file": {
            "get": {
                "summary": "The PDF (404 for one the reader may not read)",
                "operationId": "downloadDocument",
                "parameters": [_id("document_id")],
                "responses": {
                    **answers(200, None, 404),
                    "200": {
                        "description": "the PDF",
                        "content": {
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                },
            }
        },
    }
