"""/api/v1/documents: manuals, parts lists, repair guides (R6.2–R6.5): list, upload, download."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, send_file
from flask.typing import ResponseReturnValue

from backend.cases.permissions import roles_for
from backend.errors import NotFound, ValidationError
from backend.knowledge.models import Level
from backend.knowledge.service import (
    Upload,
    document_file,
    document_json,
    list_documents,
    readable_document,
    store_document,
)
from backend.settings import Settings
from backend.web import db_session, now, settings
from backend.web.auth import current_actor, require_roles

blueprint = Blueprint("knowledge", __name__, url_prefix="/api/v1")

READERS = tuple(sorted(set().union(*(roles_for(f"documents_{level}") for level in Level))))
FORM_SLACK = 64 * 1024  # the multipart envelope and the other fields around the PDF


def _short(name: str, limit: int, *, required: bool = True) -> str:
    value = (request.form.get(name) or "").strip()
    if required and not value:
        raise ValidationError(f"{name} is required", field=name)
    if len(value) > limit or "\x00" in value:
        raise ValidationError(f"{name} is at most {limit} characters", field=name)
    return value


def read_upload(config: Settings) -> Upload:
    """The multipart form of an upload (the API's and the dashboard's), 4xx naming the field."""
    request.max_content_length = config.document_max_bytes + FORM_SLACK
    if request.mimetype != "multipart/form-data":
        raise ValidationError("send multipart/form-data with the PDF as `file`", field="file")
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("file is required", field="file")
    return Upload(
        model=_short("model", 64),
        part_code=_short("part_code", 64, required=False) or None,
        kind=_short("kind", 20),
        level=_short("level", 16),
        title=_short("title", 200),
        filename=upload.filename or "document.pdf",
        content=upload.read(config.document_max_bytes + 1),
    )


def _query(name: str, limit: int) -> str | None:
    value = request.args.get(name) or None
    if value is not None and len(value) > limit:
        raise ValidationError(f"{name} is at most {limit} characters", field=name)
    return value


@blueprint.get("/documents")
@require_roles(*READERS)
def list_documents_route() -> ResponseReturnValue:
    """The documents the reader may read (R6.5), of a model and part or all."""
    documents = list_documents(
        db_session(),
        current_actor(),
        model=_query("model", 64),
        part_code=_query("part_code", 64),
    )
    return jsonify({"items": [document_json(d) for d in documents]})


@blueprint.post("/documents")
@require_roles(*roles_for("documents_upload"))
def upload_document_route() -> ResponseReturnValue:
    """Upload a PDF for a product or one of its parts: 201; 422 naming what is wrong."""
    config = settings()
    session = db_session()
    document = store_document(
        session, config, read_upload(config), actor=current_actor(), now=now()
    )
    session.commit()
    return jsonify(document_json(document)), 201


def _document_id(value: int) -> int:
    if value > 2**31 - 1:
        raise NotFound("no such document", field="document_id")
    return value


@blueprint.get("/documents/<int:document_id>")
@require_roles(*READERS)
def get_document_route(document_id: int) -> ResponseReturnValue:
    """One document's description; 404 for one the reader may not read (R6.5)."""
    document = readable_document(db_session(), current_actor(), _document_id(document_id))
    return jsonify(document_json(document))


@blueprint.get("/documents/<int:document_id>/file")
@require_roles(*READERS)
def download_document_route(document_id: int) -> ResponseReturnValue:
    """The PDF itself, to those who may read it (R6.5)."""
    document = readable_document(db_session(), current_actor(), _document_id(document_id))
    return send_file(
        document_file(settings(), document),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=document.filename,
    )
