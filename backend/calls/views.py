"""/api/v1/cases/{number}/calls: managers ask for an opinion call (R9.5) or a mystery-customer
check (R9.7) on a case, and see every call about it with its answers and recording."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from backend.calls.proactive import call_json, case_calls, request_case_call
from backend.cases.access import hidden_parts, visible_case
from backend.cases.models import Case
from backend.cases.permissions import Hide, roles_for
from backend.errors import Forbidden
from backend.web import db_session, now, settings
from backend.web.auth import current_actor, require_roles
from backend.web.bodies import Body, parse_body

blueprint = Blueprint("calls", __name__, url_prefix="/api/v1")


class CaseCallRequest(Body):
    purpose: Literal["opinion", "mystery_check"]


def _callable_case(number: str) -> Case:
    """The case, when the reader may see its customer (R9.4: not a complaint about after-sales
    staff for the after-sales managers; the matrix's redaction)."""
    actor = current_actor()
    case = visible_case(db_session(), actor, number)
    if hidden_parts(actor, case) & {Hide.CUSTOMER, Hide.CONTACT}:
        raise Forbidden("this case's customer is not yours to call", field="number")
    return case


@blueprint.post("/cases/<number>/calls")
@require_roles(*roles_for("customer_calls"))
def request_call(number: str) -> ResponseReturnValue:
    """Queue the call at the next calling moment; 201 with the call as queued."""
    session = db_session()
    case = _callable_case(number)
    body = parse_body(CaseCallRequest)
    call = request_case_call(
        session, settings(), case, purpose=body.purpose, actor=current_actor(), now=now()
    )
    session.commit()
    return jsonify({"case_number": case.number, **call_json(call)}), 201


@blueprint.get("/cases/<number>/calls")
@require_roles(*roles_for("customer_calls"))
def list_calls(number: str) -> ResponseReturnValue:
    session = db_session()
    case = _callable_case(number)
    return jsonify(
        {
            "case_number": case.number,
            "items": [call_json(call) for call in case_calls(session, case)],
        }
    )
