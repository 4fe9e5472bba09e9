"""/api/v1/outbox: managers see the messages that could not be delivered and send them again."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from backend.errors import ValidationError
from backend.outbox.models import OutboxStatus
from backend.outbox.service import (
    DELIVERY_SUPERVISORS,
    case_number_of,
    list_messages,
    message_summary,
    requeue,
)
from backend.web import db_session, now
from backend.web.auth import current_user, require_roles

blueprint = Blueprint("outbox", __name__, url_prefix="/api/v1")

MESSAGE_ID = "<int(max=2147483647):message_id>"


def _page() -> int:
    raw = request.args.get("page") or "1"
    # isdecimal alone lets "²" and other non-ASCII digits through to int().
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 6 or int(raw) < 1:
        raise ValidationError("page must be a whole number from 1", field="page")
    return int(raw)


@blueprint.get("/outbox")
@require_roles(*DELIVERY_SUPERVISORS)
def list_outbox() -> ResponseReturnValue:
    """A page of outbound messages in one status (default: failed), newest first."""
    status = request.args.get("status") or OutboxStatus.FAILED
    if status not in set(OutboxStatus):
        choices = ", ".join(sorted(OutboxStatus))
        raise ValidationError(f"status must be one of {choices}", field="status")
    result = list_messages(db_session(), status=status, page=_page())
    return jsonify(
        {
            "items": [message_summary(row, number) for row, number in result.items],
            "page": result.page,
            "pages": result.pages,
            "total": result.total,
        }
    )


@blueprint.post(f"/outbox/{MESSAGE_ID}/retry")
@require_roles(*DELIVERY_SUPERVISORS)
def retry_message(message_id: int) -> ResponseReturnValue:
    """Queue a failed message again: 200 with it, 404 unknown, 409 when it has not failed."""
    session = db_session()
    message = requeue(session, message_id, user_id=current_user().id, now=now())
    session.commit()
    return jsonify(message_summary(message, case_number_of(session, message)))
