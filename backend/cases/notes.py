"""Internal notes on a case (staff only, never sent to the customer) and saved list views."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.cases.models import Case
from backend.db import Base
from backend.errors import ValidationError

NOTE_LIMIT = 5000
VIEW_NAME_LIMIT = 60
VIEW_QUERY_LIMIT = 1000
VIEWS_PER_USER = 30


class CaseNote(Base):
    """A staff member's note on a case: who wrote it and when; the customer never sees it."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


class SavedView(Base):
    """A user's named case-list query (filters, sort, page size), kept as its query string."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_views_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(VIEW_NAME_LIMIT))
    query: Mapped[str] = mapped_column(String(VIEW_QUERY_LIMIT))


def add_note(
    session: Session, case: Case, *, author_id: int, author_name: str, text: str, now: datetime
) -> CaseNote:
    """Keep a staff note on `case`; blank or over-long text is refused naming the field."""
    text = text.replace("\x00", "").strip()
    if not text:
        raise ValidationError("write the note first", field="text")
    if len(text) > NOTE_LIMIT:
        raise ValidationError(f"at most {NOTE_LIMIT} characters", field="text")
    note = CaseNote(
        case_id=case.id, author_id=author_id, author_name=author_name[:200], at=now, text=text
    )
    session.add(note)
    session.flush()
    return note


def case_notes(session: Session, case: Case) -> list[CaseNote]:
    """The notes on `case`, oldest first."""
    return list(
        session.scalars(
            select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.at, CaseNote.id)
        )
    )


def saved_views(session: Session, user_id: int) -> list[SavedView]:
    """A user's saved list views by name."""
    return list(
        session.scalars(
            select(SavedView).where(SavedView.user_id == user_id).order_by(SavedView.name)
        )
    )


def save_view(session: Session, *, user_id: int, name: str, query: str) -> SavedView:
    """Save (or replace, by name) a list view for `user_id`."""
    name = name.replace("\x00", "").strip()
    if not name:
        raise ValidationError("name the view", field="name")
    if len(name) > VIEW_NAME_LIMIT:
        raise ValidationError(f"at most {VIEW_NAME_LIMIT} characters", field="name")
    if len(query) > VIEW_QUERY_LIMIT:
        raise ValidationError("too many filters to save", field="query")
    view = session.scalar(
        select(SavedView).where(SavedView.user_id == user_id, SavedView.name == name)
    )
    if view is None:
        if len(saved_views(session, user_id)) >= VIEWS_PER_USER:
            raise ValidationError(f"at most {VIEWS_PER_USER} saved views", field="name")
        view = SavedView(user_id=user_id, name=name, query=query)
        session.add(view)
    view.query = query
    session.flush()
    return view


def delete_view(session: Session, *, user_id: int, view_id: int) -> None:
    """Forget one of the user's saved views (someone else's is left alone)."""
    view = session.get(SavedView, view_id)
    if view is not None and view.user_id == user_id:
        session.delete(view)
        session.flush()
