"""The OpenAPI operations of the workshop (R4.10, R7.6–R7.9), loaners (R5.4) and the unit
history (R6.1); `backend/api/openapi.py` merges them, passing its builders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.workshop.schemas import LoanerIn, LoanerReturnIn

Builder = Callable[..., dict[str, Any]]

DAY = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "YYYY-MM-DD"}
STRING = {"type": "string"}
NULLABLE = {"type": ["string", "null"]}
RECEIPT = {
    "type": "object",
    "required": ["number", "case_number", "status", "promised_return_on", "late", "transport"],
    "properties": {
        "number": STRING,
        "case_number": STRING,
        "status": STRING,
        "product": NULLABLE,
        "serial_number": NULLABLE,
        "issued_at": STRING,
        "promised_return_on": STRING,
        "late": {"type": "boolean"},
        "escalated": {"type": "boolean"},
        "transport": {"type": "boolean"},
        "returned_at": NULLABLE,
        "transport_fee": {"type": "integer"},
        "signed_by": NULLABLE,
        "repair_card": {"type": "array", "items": {"type": "object"}},
        "inspections": {"type": "array", "items": {"type": "object"}},
        "loaner": {"type": ["object", "null"]},
    },
}
REGISTER_ROW = {
    "type": "object",
    "required": ["receipt_number", "case_number", "direction", "at"],
    "properties": {
        "receipt_number": STRING,
        "case_number": STRING,
        "direction": {"type": "string", "enum": ["in", "out"]},
        "at": STRING,
        "actor": STRING,
        "product": NULLABLE,
        "serial_number": NULLABLE,
    },
}
LOANER = {
    "type": "object",
    "required": ["serial_number", "model", "status", "condition"],
    "properties": {
        "serial_number": STRING,
        "model": STRING,
        "status": {"type": "string", "enum": ["available", "lent", "retired"]},
        "condition": {"type": "string", "enum": ["good", "worn", "damaged"]},
        "note": NULLABLE,
        "loan": {"type": ["object", "null"]},
    },
}
HISTORY = {
    "type": "object",
    "required": ["serial_number", "cases"],
    "properties": {
        "serial_number": STRING,
        "cases": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["number", "kind", "status", "parts", "technicians"],
                "properties": {
                    "number": STRING,
                    "kind": STRING,
                    "status": STRING,
                    "reported_at": NULLABLE,
                    "closed_at": NULLABLE,
                    "model": NULLABLE,
                    "parts": {"type": "array", "items": {"type": "object"}},
                    "charges_total": {"type": ["integer", "null"]},
                    "technicians": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}
PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}


def _items(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": schema}},
    }


def _path(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": 64},
    }


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def workshop_paths(answers: Builder, body: Builder) -> dict[str, Any]:
    """The workshop board, goods register, receipts, loaners and unit history."""
    pdf_answers = answers(200, None, 404)
    pdf_answers["200"] = {"description": "the goods receipt as PDF", **PDF}
    return {
        "/workshop/board": {
            "get": {
                "summary": "Items in the workshop, soonest promised return first, late ones "
                "marked (warehouse, managers; R4.12)",
                "operationId": "workshopBoard",
                "responses": answers(200, _items(RECEIPT)),
            }
        },
        "/workshop/register": {
            "get": {
                "summary": "The customer goods in/out register between two days (default "
                "today; a date that does not exist answers 422 naming it)",
                "operationId": "goodsRegister",
                "parameters": [_query("from", DAY), _query("to", DAY)],
                "responses": answers(200, _items(REGISTER_ROW)),
            }
        },
        "/workshop/receipts/{number}": {
            "get": {
                "summary": "A goods receipt with its repair card, inspections, signature, loaner",
                "operationId": "showGoodsReceipt",
                "parameters": [_path("number")],
                "responses": answers(200, RECEIPT, 404),
            }
        },
        "/workshop/receipts/{number}/pdf": {
            "get": {
                "summary": "The goods receipt as a PDF",
                "operationId": "goodsReceiptPdf",
                "parameters": [_path("number")],
                "responses": pdf_answers,
            }
        },
        "/loaners": {
            "get": {
                "summary": "Loaner units with their open loans (R5.4)",
                "operationId": "listLoaners",
                "responses": answers(200, _items(LOANER)),
            },
            "post": {
                "summary": "Register a loaner unit (warehouse clerk, admin); 409 when the "
                "serial number is registered already",
                "operationId": "createLoaner",
                "requestBody": body(LoanerIn),
                "responses": answers(201, LOANER, 409),
            },
        },
        "/loaners/{serial_number}/return": {
            "post": {
                "summary": "A lent loaner comes back with its condition (damaged: retired); "
                "409 when it is not lent",
                "operationId": "returnLoaner",
                "parameters": [_path("serial_number")],
                "requestBody": body(LoanerReturnIn),
                "responses": answers(200, LOANER, 404, 409),
            }
        },
        "/units/{serial_number}/history": {
            "get": {
                "summary": "Every case of the unit with this serial number: parts, charges, "
                "technicians (R6.1); a technician only for a unit of their own job",
                "operationId": "unitHistory",
                "parameters": [_path("serial_number")],
                "responses": answers(200, HISTORY, 404),
            }
        },
    }
