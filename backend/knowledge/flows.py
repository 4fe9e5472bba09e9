"""Documents reaching technicians in Telegram (R6.3: repair guides reach every node)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.actors import Actor
from backend.i18n import translate
from backend.knowledge.models import DocumentKind
from backend.knowledge.service import list_documents
from backend.outbox.service import enqueue
from backend.people.models import Technician

MAX_SENT = 5  # documents sent for one /manual; a model with more names them after that
KIND_ORDER = [
    DocumentKind.MANUAL,
    DocumentKind.REPAIR_GUIDE,
    DocumentKind.PARTS_LIST,
    DocumentKind.SPECIFICATION,
    DocumentKind.PRICE_LIST,
]


def send_manuals(
    session: Session, technician: Technician, model: str, *, chat_id: int, now: datetime
) -> str:
    """`/manual MODEL`: each document of the model the technician may read (R6.5) goes out as a
    Telegram document through the outbox; the answer says what was sent."""
    language = technician.language
    model = model.strip().upper()
    if not model:
        return translate(language, "Send /manual and the model, e.g. /manual AC-2400W.")
    actor = Actor("technician", id=technician.id, technician_id=technician.id)
    documents = sorted(
        list_documents(session, actor, model=model),
        key=lambda d: (KIND_ORDER.index(DocumentKind(d.kind)), d.part_code or "", d.id),
    )
    if not documents:
        return translate(language, "No documents for {model}.", model=model)
    for document in documents[:MAX_SENT]:
        caption = f"{model} · {document.title}" + (
            f" ({document.part_code})" if document.part_code else ""
        )
        enqueue(
            session,
            channel="telegram",
            recipient=chat_id,
            payload={
                "document": {"path": document.path, "filename": document.filename},
                "text": caption[:1000],
            },
            purpose="document",
            now=now,
        )
    return translate(
        language,
        "{sent} of {count} documents for {model} are on their way.",
        sent=min(len(documents), MAX_SENT),
        count=len(documents),
        model=model,
    )
