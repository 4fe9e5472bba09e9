"""/api/v1/cases/{number}/calls: managers ask for an opinion call (R9.5) or a mystery-customer
check (R9.7) on a case, and see every call about it with its answers and recording."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from backend.calls.proactive import call_json, case_calls, request_case_call
from backend.cases.service import get_case
from backend.web import db_session, now, settings
from backend.web.auth import MANAGERS, current_actor, require_roles
from backend.web.bodies import Body, parse_body

blueprint = Blueprint("calls", __name__, url_prefix="/api/v1")


class CaseCallRequest(Body):
    purpose: Literal["opinion", "mystery_check"]


@blueprint.post("/cases/<number>/calls")
@require_roles(*MANAGERS)
def request_call(number: str) -> ResponseReturnValue:
    """Queue the call at the next calling moment; 201 with the call as queued."""
    session = db_session()
    case = get_case(session, number)
    body = parse_body(CaseCallRequest)
    call = request_case_call(
        session, settings(), case, purpose=body.purpose, actor=current_actor(), now=now()
    )
    session.commit()
    return jsonify({"case_number": case.number, **call_json(call)}), 201


@blueprint.get("/cases/<number>/calls")
@require_roles(*MANAGERS)
def list_calls(number: str) -> ResponseReturnValue:
    session = db_session()
    case = get_case(session, number)
    return jsonify(
        {
            "case_number": case.number,
            "items": [call_json(call) for call in case_calls(session, case)],
        }
    )
