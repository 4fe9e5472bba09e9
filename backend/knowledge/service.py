"""Storing, listing and reading documents; who may read which (R6.5)."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.cases.permissions import roles_for
from backend.catalog.models import Product
from backend.errors import NotFound, ValidationError
from backend.knowledge.models import Document, DocumentKind, Level
from backend.settings import Settings

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"


def documents_root(settings: Settings) -> Path:
    return Path(settings.var_dir) / "documents"


def readable_levels(actor: Actor) -> list[str]:
    """The levels `actor` reads (R6.5): a technician in Telegram reads as the technician role."""
    role = actor.role if actor.kind == "user" else "technician" if actor.technician_id else None
    if actor.kind == "system":
        return list(Level)
    return [level for level in Level if role in roles_for(f"documents_{level}")]


def may_read(actor: Actor, document: Document) -> bool:
    return document.level in readable_levels(actor)


@dataclass(frozen=True)
class Upload:
    """What an upload names: the product (by model), optionally a part, the kind, the level."""

    model: str
    part_code: str | None
    kind: str
    level: str
    title: str
    filename: str
    content: bytes


def _safe_filename(name: str) -> str:
    stem = re.sub(r"[^\w.\-]+", "_", Path(name or "document.pdf").name)[:150].strip("._")
    stem = stem or "document"
    return stem if stem.lower().endswith(".pdf") else f"{stem}.pdf"


def store_document(
    session: Session, settings: Settings, upload: Upload, *, actor: Actor, now: datetime
) -> Document:
    """Check and keep a PDF (422 naming the field), written whole before the row points at it."""
    product = session.scalar(select(Product).where(Product.model == upload.model))
    if product is None:
        raise ValidationError(f"no product model {upload.model!r}", field="model")
    if upload.part_code and upload.part_code not in {part.code for part in product.parts}:
        raise ValidationError(f"no part {upload.part_code!r} in {upload.model}", field="part_code")
    if upload.kind not in set(DocumentKind):
        raise ValidationError("unknown kind", field="kind")
    if upload.level not in set(Level):
        raise ValidationError("unknown level", field="level")
    if not upload.content.startswith(PDF_MAGIC):
        raise ValidationError("the file is not a PDF", field="file")
    if len(upload.content) > settings.document_max_bytes:
        raise ValidationError(
            f"the file is larger than {settings.document_max_bytes} bytes", field="file"
        )
    relative = f"{product.id}/{uuid.uuid4().hex}.pdf"
    target = documents_root(settings) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(upload.content)
    partial.replace(target)
    document = Document(
        product_id=product.id,
        part_code=upload.part_code or None,
        kind=upload.kind,
        level=upload.level,
        title=upload.title,
        filename=_safe_filename(upload.filename),
        path=relative,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        uploaded_by=actor.label,
        uploaded_at=now,
    )
    session.add(document)
    session.flush()
    logger.info(
        "document %s stored for product %s (%s bytes)", document.id, product.id, document.size
    )
    return document


def list_documents(
    session: Session, actor: Actor, *, model: str | None = None, part_code: str | None = None
) -> list[Document]:
    """The documents `actor` may read, of one model (and part) or all, newest first."""
    query = (
        select(Document)
        .where(Document.level.in_(readable_levels(actor)))
        .order_by(Document.uploaded_at.desc(), Document.id.desc())
    )
    if model is not None:
        query = query.join(Product, Product.id == Document.product_id).where(
            func.upper(Product.model) == model.upper()
        )
    if part_code is not None:
        query = query.where(Document.part_code == part_code)
    return list(session.scalars(query))


def readable_document(session: Session, actor: Actor, document_id: int) -> Document:
    """The document, or 404 — one the actor may not read does not exist for them (R6.5)."""
    document = session.get(Document, document_id)
    if document is None or not may_read(actor, document):
        raise NotFound(f"no document {document_id}", field="document_id")
    return document


def document_file(settings: Settings, document: Document) -> Path:
    path = documents_root(settings) / document.path
    if not path.is_file():
        raise NotFound("the document's file is missing", field="document_id")
    return path


def document_json(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "model": document.product.model,
        "part_code": document.part_code,
        "kind": document.kind,
        "level": document.level,
        "title": document.title,
        "filename": document.filename,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_at": document.uploaded_at.isoformat(),
        "url": f"/api/v1/documents/{document.id}/file",
    }
