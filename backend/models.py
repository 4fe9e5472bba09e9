"""Every table, imported once so that metadata (and Alembic) sees them all."""

from __future__ import annotations

from backend.calls.models import PhoneCall
from backend.cases.models import Case, CaseEvent, CaseSequence
from backend.cases.notes import CaseNote, SavedView
from backend.catalog.models import Contract, Part, Product, Unit
from backend.db import Base
from backend.dialogues.models import Conversation
from backend.dispatch.models import DispatchPin, PlanRun, PlanStop
from backend.fieldwork.models import LinkCode, WorkReport, WorkReportEntry
from backend.inbox.models import InboundUpdate, MediaFile, TelegramChat
from backend.outbox.models import OutboundMessage
from backend.people.models import (
    ApiToken,
    Certification,
    Customer,
    Department,
    Leave,
    LoginFailures,
    StaffSession,
    StaffUser,
    Technician,
)
from backend.surveys.models import Survey
from backend.tasks.models import Task

__all__ = [
    "ApiToken",
    "Base",
    "Case",
    "CaseEvent",
    "CaseNote",
    "CaseSequence",
    "Certification",
    "Contract",
    "Conversation",
    "Customer",
    "Department",
    "DispatchPin",
    "InboundUpdate",
    "Leave",
    "LinkCode",
    "LoginFailures",
    "MediaFile",
    "OutboundMessage",
    "Part",
    "PhoneCall",
    "PlanRun",
    "PlanStop",
    "Product",
    "SavedView",
    "StaffSession",
    "StaffUser",
    "Survey",
    "Task",
    "Technician",
    "TelegramChat",
    "Unit",
    "WorkReport",
    "WorkReportEntry",
]
