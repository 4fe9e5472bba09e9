"""Documents kept for the service network (R6.2–R6.4), each with who may read it (R6.5)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.catalog.models import Product
from backend.db import Base, utcnow


class DocumentKind(enum.StrEnum):
    MANUAL = "manual"
    PARTS_LIST = "parts_list"
    PRICE_LIST = "price_list"  # R6.2: parts price lists
    SPECIFICATION = "specification"
    REPAIR_GUIDE = "repair_guide"


class Level(enum.StrEnum):
    """Who reads a document (R6.5): the roles of the duty `documents_<level>` in the matrix."""

    GENERAL = "general"  # every staff member
    SERVICE = "service"  # technicians, the warehouse and the managers
    CONFIDENTIAL = "confidential"  # technical secrets: the managers only


class Document(Base):
    """A PDF attached to a product model, or to one part of it (`part_code`); the file lives
    under `<var_dir>/documents/` as `path`."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    part_code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(300))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship()
