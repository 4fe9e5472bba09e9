"""GET /api/v1/cases/{number}/media/{n}: a photo or voice note the customer sent, for the staff."""

from __future__ import annotations

from flask import Blueprint, Response, send_file
from flask.typing import ResponseReturnValue

from backend.cases.access import hidden_parts, visible_case
from backend.cases.models import Case
from backend.cases.permissions import Hide
from backend.errors import NotFound
from backend.inbox.media import stored_media
from backend.people.models import Role
from backend.web import db_session, settings
from backend.web.auth import current_actor, require_roles

blueprint = Blueprint("media", __name__, url_prefix="/api/v1")

# Whoever handles cases; the warehouse has no business with the customers' photos (R6.5).
MEDIA_ROLES = tuple(role for role in Role if role != Role.WAREHOUSE_CLERK)
MAX_POSITION = 10_000


@blueprint.get("/cases/<number>/media/<int:n>")
@require_roles(*MEDIA_ROLES)
def case_media(number: str, n: int) -> ResponseReturnValue:
    """The n-th file of the case (1-based, as listed in the case's `media`)."""
    actor = current_actor()
    case = visible_case(db_session(), actor, number)  # technicians: own jobs only (R6.5)
    if hidden_parts(actor, case) & {Hide.MEDIA, Hide.TEXT}:  # the matrix's redaction
        raise NotFound(f"no media {n}", field="n")
    return send_case_media(case, n)


def send_case_media(case: Case, n: int) -> Response:
    """The stored n-th file of a case as a private download (also the dashboard's photos)."""
    if not 1 <= n <= MAX_POSITION:
        raise NotFound(f"no media {n}", field="n")
    path, content_type = stored_media(db_session(), settings(), case, n)
    response = send_file(
        path, mimetype=content_type, max_age=0, download_name=f"{case.number}-{n}{path.suffix}"
    )
    response.headers["Cache-Control"] = "private, no-store"  # customers' photos: no shared caches
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
