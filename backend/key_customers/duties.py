"""`key_customer_visits`: a visit task for each key customer whose visit is due (R9.6) — once per
due visit (the task's dedupe key names the customer and the due date)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.calendar import calendar_for
from backend.i18n import message
from backend.key_customers.service import key_customers
from backend.people.models import Role
from backend.settings import Settings
from backend.tasks.service import open_task

# R9.6: the service department's head sends someone; the task is on their list.
VISIT_ROLE = Role.SERVICE_DIRECTOR


def key_customer_visits(session: Session, settings: Settings, now: datetime) -> int:
    """Open one visit task per key customer due a visit today or earlier."""
    today = calendar_for(settings).local_date(now)
    opened = 0
    for row in key_customers(session, default_interval=settings.key_customer_visit_days):
        if row.next_visit_due_on > today:
            break  # sorted by due date: the rest are later
        due = row.next_visit_due_on.isoformat()
        task = open_task(
            session,
            kind="key_customer_visit",
            role=VISIT_ROLE,
            title=message("Visit key customer {name} (due {due})", name=row.customer.name, due=due),
            customer_id=row.customer.id,
            data={"due_on": due},
            dedupe_key=f"key_visit:{row.customer.id}:{due}",
        )
        opened += task is not None
    return opened
