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

    def text(self, user: StaffUser) -> str:
        if user.role == Role.TECHNICIAN and self.technician_label:
            return self.technician_label
        return self.label


# Add a page here (after its blueprint is registered in backend/composition.py).
NAV: tuple[NavLink, ...] = (
    NavLink("dashboard.home_page", "Home"),
    NavLink("dashboard.cases", "Cases", technician_label="My jobs"),
    NavLink("dashboard.new_case", "New case", roles_for("intake")),
    NavLink("dashboard.tasks", "Tasks", OFFICE),
    NavLink("dashboard.technicians", "Technicians", technician_label="My profile"),
    NavLink("dashboard.reports", "Reports", roles_for("reports")),
    NavLink("dashboard.outbox", "Delivery", frozenset(DELIVERY_SUPERVISORS)),
)


def nav_for(user: StaffUser | None) -> list[tuple[str, str]]:
    """(endpoint, English label) of the links `user` sees, in order."""
    if user is None:
        return []
    return [(link.endpoint, link.text(user)) for link in NAV if user.role in link.roles]
