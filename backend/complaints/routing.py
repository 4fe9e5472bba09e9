"""Complaint topic → department, severity → priority and escalation (R2.5–R2.9, R8.5, R8.7)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from backend.cases.models import Priority
from backend.people.models import Role


class Topic(enum.StrEnum):
    PRODUCT_QUALITY = "product_quality"
    PACKAGING = "packaging"
    STAFF_ATTITUDE = "staff_attitude"
    DEALER = "dealer"
    OTHER = "other"


class Severity(enum.StrEnum):
    NORMAL = "normal"
    SERIOUS = "serious"
    MAJOR = "major"


class DepartmentCode(enum.StrEnum):
    RND_PRODUCTION = "rnd_production"
    WAREHOUSE_TRANSPORT = "warehouse_transport"
    MARKETING = "marketing"
    DEALER_RELATIONS = "dealer_relations"
    COMPLAINT_HOTLINE = "complaint_hotline"
    SERVICE = "service"


DEPARTMENT_NAMES: dict[str, tuple[str, str]] = {
    DepartmentCode.RND_PRODUCTION: ("R&D, design and production", "연구개발·생산기술부"),
    DepartmentCode.WAREHOUSE_TRANSPORT: ("Warehouse and transport", "창고·운송부"),
    DepartmentCode.MARKETING: ("Marketing", "마케팅부"),
    DepartmentCode.DEALER_RELATIONS: ("Dealer relations", "대리점 관리"),
    DepartmentCode.COMPLAINT_HOTLINE: ("Independent complaint hotline", "독립 불만 핫라인"),
    DepartmentCode.SERVICE: ("After-sales service", "애프터서비스부"),
}

TOPIC_DEPARTMENT: dict[Topic, DepartmentCode] = {
    Topic.PRODUCT_QUALITY: DepartmentCode.RND_PRODUCTION,  # R2.5
    Topic.PACKAGING: DepartmentCode.WAREHOUSE_TRANSPORT,  # R2.6
    Topic.STAFF_ATTITUDE: DepartmentCode.MARKETING,  # R2.7
    Topic.DEALER: DepartmentCode.DEALER_RELATIONS,  # R2.8
    Topic.OTHER: DepartmentCode.SERVICE,
}


def accountable_for(department: str) -> str:
    """Who owns a complaint: the service director (R8.7) — except one about after-sales staff,
    which the independent hotline owns (R9.4: the director heads the department complained of)."""
    if department == DepartmentCode.COMPLAINT_HOTLINE:
        return Role.HOTLINE_OFFICER
    return Role.SERVICE_DIRECTOR


@dataclass(frozen=True)
class Routing:
    department: DepartmentCode
    priority: Priority
    escalated_to: str | None

    @property
    def accountable_role(self) -> str:
        return accountable_for(self.department)


def route_complaint(
    topic: Topic, severity: Severity, *, about_after_sales: bool = False
) -> Routing:
    """Where a complaint goes and how urgently."""
    department = TOPIC_DEPARTMENT[topic]
    if topic is Topic.STAFF_ATTITUDE and about_after_sales:
        # R9.4: complaints about after-sales staff go to the hotline, independent of after-sales.
        department = DepartmentCode.COMPLAINT_HOTLINE
    if severity is Severity.MAJOR:
        # R2.9 priority item (reputation, media, lawsuits): urgent, and to the VP at once (R8.5).
        return Routing(department, Priority.URGENT, Role.VICE_PRESIDENT)
    if severity is Severity.SERIOUS:
        return Routing(department, Priority.HIGH, Role.VICE_PRESIDENT)  # R8.5 at once to the VP
    return Routing(department, Priority.NORMAL, None)
