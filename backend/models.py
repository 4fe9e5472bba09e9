"""Every table, imported once so that metadata (and Alembic) sees them all."""

from __future__ import annotations

from backend.calls.models import PhoneCall
from backend.cases.models import Case, CaseEvent, CaseSequence
from backend.cases.notes import CaseNote, SavedView
from backend.catalog.fees import FeeScheduleVersion
from backend.catalog.models import Contract, Part, Product, Unit
from backend.catalog.promotions import WarrantyPromotion
from backend.db import Base
from backend.dialogues.models import Conversation
from backend.dispatch.models import DispatchPin, PlanRun, PlanStop
from backend.fieldwork.models import LinkCode, WorkReport, WorkReportEntry
from backend.inbox.models import InboundUpdate, MediaFile, TelegramChat
from backend.knowledge.models import Document
from backend.money.models import InvoiceSequence, Payment
from backend.outbox.models import OutboundMessage
from backend.partners.models import Partner, PartnerContract
from backend.people.models import (
    ApiToken,
    Certification,
    Customer,
    CustomerVisit,
    Department,
    Leave,
    LoginFailures,
    StaffSession,
    StaffUser,
    Technician,
)
from backend.places.models import DistrictSetting, PlaceLookup
from backend.reports.models import Branch, BranchMember, BranchSignOff, DailyReport
from backend.stock.models import ReorderPoint, StockBalance, StockMove
from backend.suggestions.models import Suggestion
from backend.surveys.models import Survey
from backend.tasks.models import Task
from backend.tools.models import PurchaseRequest, Tool, ToolHandover, ToolIncident
from backend.workshop.models import (
    GoodsReceipt,
    GoodsRegisterRow,
    Inspection,
    Loaner,
    LoanerLoan,
    ReceiptSequence,
    RepairWork,
)

__all__ = [
    "GoodsReceipt",
    "GoodsRegisterRow",
    "Inspection",
    "Loaner",
    "LoanerLoan",
    "ReceiptSequence",
    "RepairWork",
    "ApiToken",
    "Base",
    "Branch",
    "BranchMember",
    "BranchSignOff",
    "Case",
    "CaseEvent",
    "CaseNote",
    "CaseSequence",
    "Certification",
    "Contract",
    "Conversation",
    "Customer",
    "CustomerVisit",
    "DailyReport",
    "Department",
    "DispatchPin",
    "Document",
    "DistrictSetting",
    "FeeScheduleVersion",
    "InboundUpdate",
    "InvoiceSequence",
    "Leave",
    "LinkCode",
    "LoginFailures",
    "MediaFile",
    "OutboundMessage",
    "Partner",
    "PartnerContract",
    "Part",
    "Payment",
    "PhoneCall",
    "PlaceLookup",
    "PlanRun",
    "PlanStop",
    "Product",
    "ReorderPoint",
    "SavedView",
    "StaffSession",
    "StaffUser",
    "Suggestion",
    "StockBalance",
    "StockMove",
    "Survey",
    "PurchaseRequest",
    "Task",
    "Tool",
    "ToolHandover",
    "ToolIncident",
    "WarrantyPromotion",
    "Technician",
    "TelegramChat",
    "Unit",
    "WorkReport",
    "WorkReportEntry",
]
