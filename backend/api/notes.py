"""/api/v1/cases/<number>/notes: the internal notes the dashboard's case page keeps (staff only;
never sent to the customer). Who may read and write them is `keeps_notes` in the access rules."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from backend.api import schemas
from backend.cases.access import keeps_notes, visible_case
from backend.cases.models import Case
from backend.cases.notes import CaseNote, add_note, case_notes
from backend.errors import Forbidden
from backend.web import db_session, now, settings
from backend.web.auth import current_actor, current_user, require_roles
from backend.web.bodies import parse_body

blueprint = Blueprint("notes", __name__, url_prefix="/api/v1")


def note_json(note: CaseNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "author": note.author_name,
        "at": note.at.astimezone(settings().tz).isoformat(),
        "text": note.text,
    }


def _case_with_notes(session: Session, number: str) -> Case:
    case = visible_case(session, current_actor(), number)
    if not keeps_notes(current_actor(), case):
        raise Forbidden(
            "internal notes are for office staff who may read this case", field="number"
        )
    return case


@blueprint.get("/cases/<number>/notes")
@require_roles()
def list_notes(number: str) -> ResponseReturnValue:
    """The case's internal notes, oldest first."""
    session = db_session()
    case = _case_with_notes(session, number)
    return jsonify({"items": [note_json(n) for n in case_notes(session, case)]})


@blueprint.post("/cases/<number>/notes")
@require_roles()
def create_note(number: str) -> ResponseReturnValue:
    """Keep a note on the case, with its author and time."""
    session = db_session()
    case = _case_with_notes(session, number)
    body = parse_body(schemas.NoteCreate)
    user = current_user()
    note = add_note(
        session,
        case,
        author_id=user.id,
        author_name=user.name or user.email,
        text=body.text,
        now=now(),
    )
    session.commit()
    return jsonify(note_json(note)), 201
