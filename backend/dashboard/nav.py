"""The dashboard's navigation: one list, in order. A page joins it with one `NavLink` line."""

from __future__ import annotations

from dataclasses import dataclass

from backend.cases.permissions import roles_for
from backend.outbox.service import DELIVERY_SUPERVISORS
from backend.people.models import Role, StaffUser

EVERYONE: frozenset[str] = frozenset(Role)
OFFICE: frozenset[str] = EVERYONE - {Role.TECHNICIAN}


@dataclass(frozen=True)
class NavLink:
    """A link in the top bar: the endpoint, its English label (a message id), who sees it; a
    technician may see another label (their own jobs, their own profile)."""

    endpoint: str
    label: str
    roles: frozenset[str] = EVERYONE
    technician_label: str | None = None
    args: tuple[tuple[str, str], ...] = ()  # query arguments of the link (a filtered list)

    def text(self, user: StaffUser) -> str:
        if user.role == Role.TECHNICIAN and self.technician_label:
            return self.technician_label
        return self.label


# Add a page here (after its blueprint is registered in backend/composition.py).
MANAGERS: frozenset[str] = frozenset(roles_for("reports"))
READS_COMPLAINTS: frozenset[str] = OFFICE - {Role.WAREHOUSE_CLERK}
ACCOUNTS: frozenset[str] = frozenset(roles_for("accounts"))
ADMINISTERS: frozenset[str] = (
    frozenset(roles_for("technicians")) | frozenset(roles_for("catalogue"))
) - ACCOUNTS
PLANNERS: frozenset[str] = frozenset({Role.REPAIR_MANAGER, Role.SERVICE_DIRECTOR})  # R4.6
MONEY: frozenset[str] = frozenset(roles_for("accounting"))
STOCK: frozenset[str] = frozenset(roles_for("stock"))
PARTNERS: frozenset[str] = frozenset(roles_for("partners")) | MONEY  # R1.4
TOOLS: frozenset[str] = frozenset(roles_for("tools")) | {Role.TECHNICIAN}  # R5.5–R5.7
DOCUMENTS: frozenset[str] = frozenset().union(
    *(roles_for(f"documents_{level}") for level in ("general", "service", "confidential"))
)

NAV: tuple[NavLink, ...] = (
    NavLink("dashboard.home_page", "Home"),
    NavLink("dashboard.cases", "Cases", technician_label="My jobs"),
    NavLink("dashboard.new_case", "New case", roles_for("intake")),
    NavLink("dashboard.tasks", "Tasks", OFFICE),
    NavLink("dashboard.customers", "Customers", frozenset(roles_for("customers"))),
    NavLink("dashboard.technicians", "Technicians", technician_label="My profile"),
    NavLink("dashboard.complaints_board", "Complaints board", READS_COMPLAINTS),
    NavLink("dashboard.returns", "Returns", OFFICE - {Role.DEPARTMENT_STAFF}),
    NavLink("dashboard.cases", "Suggestions", READS_COMPLAINTS, args=(("kind", "suggestion"),)),
    NavLink("dashboard.reports", "Reports", MANAGERS),
    NavLink("dashboard.daily_reports", "Daily reports", MANAGERS),
    NavLink("dashboard.analysis_page", "Analysis", MANAGERS),
    NavLink("dashboard.technician_day", "Technicians' day", PLANNERS),
    NavLink("dashboard.outbox", "Delivery", frozenset(DELIVERY_SUPERVISORS)),
    NavLink("dashboard.accounting", "Accounting", MONEY),
    NavLink("dashboard.fees", "Fees", MONEY),
    NavLink("dashboard.stock", "Stock", STOCK),
    NavLink("dashboard.partners", "Partners", PARTNERS),
    NavLink("dashboard.workshop", "Workshop", frozenset(roles_for("workshop"))),  # R4.10, R5.4
    NavLink("dashboard.tools_page", "Tools", TOOLS),
    NavLink(
        "dashboard.purchase_requests_page", "Purchase requests", roles_for("purchase_requests")
    ),
    NavLink("dashboard.promotions_page", "Promotions", roles_for("promotions_read")),
    NavLink("dashboard.documents_page", "Documents", DOCUMENTS),
    NavLink("dashboard.districts", "Districts", frozenset(roles_for("places"))),
    NavLink("dashboard.admin_users", "Administration", ACCOUNTS),
    NavLink("dashboard.admin_technicians", "Administration", ADMINISTERS),
)


def nav_for(user: StaffUser | None) -> list[tuple[str, str, dict[str, str]]]:
    """(endpoint, English label, query arguments) of the links `user` sees, in order."""
    if user is None:
        return []
    return [
        (link.endpoint, link.text(user), dict(link.args)) for link in NAV if user.role in link.roles
    ]
