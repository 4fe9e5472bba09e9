"""The case list (filters, sorts, search, page size, saved views, live rows) and the home page
whose counters open it already filtered."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, or_, select
from werkzeug.datastructures import MultiDict

from backend.actors import Actor
from backend.calendar import calendar_for
from backend.cases.access import count_visible, hidden_parts, visible_cases
from backend.cases.machine import ALL_STATUSES
from backend.cases.models import Case, CaseEvent, CaseKind, Channel, ServiceCategory
from backend.cases.notes import delete_view, save_view, saved_views
from backend.cases.service import SORTS, CaseFilter
from backend.dashboard import auth, forms
from backend.dashboard.i18n import gettext
from backend.dashboard.present import sla_view
from backend.errors import ValidationError
from backend.people.models import Role, StaffUser, Technician
from backend.tasks.models import Task
from backend.web import db_session, now, settings

PAGE_SIZES = (10, 20, 50, 100)
FLAGS = ("late", "at_risk", "unassigned", "awaiting", "overdue", "mine")
ZONES = ("city", "suburb")
# The query keys the list understands (a saved view keeps only these).
KEYS = (
    "q",
    "status",
    "kind",
    "channel",
    "technician_id",
    "zone",
    "category",
    "from",
    "to",
    "sort",
    "per_page",
    *FLAGS,
)


@dataclass(frozen=True)
class ListQuery:
    """The list's query string, read: the filter, the sort, the page size, the echo for links."""

    case_filter: CaseFilter
    sort: str
    per_page: int
    echo: dict[str, str]


def _technician_scope(user: StaffUser) -> int | None:
    """A technician's login lists only their own jobs (the matrix hides the rest)."""
    if user.role != Role.TECHNICIAN:
        return None
    technician = auth.own_technician()
    return technician.id if technician else -1


def mine_clause(user: StaffUser) -> Any:
    """Cases they acted on, or escalated or accountable to their role."""
    touched = select(CaseEvent.case_id).where(CaseEvent.actor == f"user:{user.id}")
    return or_(
        Case.id.in_(touched), Case.escalated_to == user.role, Case.accountable_role == user.role
    )


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(forms.query_text(value, 10))
    except ValueError:
        return None


def _start_of(day: date | None, offset: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=offset), datetime.min.time(), settings().tz)


def _choice(args: MultiDict[str, str], name: str, choices: Any) -> str | None:
    value = args.get(name)
    return value if value in set(choices) else None


def read_query(args: MultiDict[str, str], user: StaffUser) -> ListQuery:
    """The filters from the query string; a value that means nothing is ignored."""
    scope = _technician_scope(user)
    flags = {flag: args.get(flag) == "1" for flag in FLAGS}
    first, last = _day(args.get("from")), _day(args.get("to"))
    case_filter = CaseFilter(
        status=_choice(args, "status", ALL_STATUSES),
        kind=_choice(args, "kind", CaseKind),
        channel=_choice(args, "channel", Channel),
        technician_id=scope if scope is not None else forms.query_number(args.get("technician_id")),
        zone=_choice(args, "zone", ZONES),
        category=_choice(args, "category", ServiceCategory),
        search=forms.query_text(args.get("q")) or None,
        late=flags["late"],
        at_risk=flags["at_risk"],
        unassigned=flags["unassigned"],
        awaiting_acceptance=flags["awaiting"],
        overdue_complaint=flags["overdue"],
        mine=mine_clause(user) if flags["mine"] and scope is None else None,
        reported_from=_start_of(first),
        reported_before=_start_of(last, 1),
        now=now(),
    )
    per_page = forms.query_number(args.get("per_page"), maximum=100)
    sort = args.get("sort") or "newest"
    sort = sort if sort in SORTS else "newest"
    echo = {key: forms.query_text(args.get(key)) for key in KEYS if args.get(key)}
    echo = {key: value for key, value in echo.items() if value}
    if scope is not None:
        echo.pop("technician_id", None)
    return ListQuery(case_filter, sort, per_page if per_page in PAGE_SIZES else PAGE_SIZES[1], echo)


def _rows(actor: Actor, query: ListQuery, page_number: int) -> tuple[Any, list[Any]]:
    session = db_session()
    page = visible_cases(
        session,
        actor,
        query.case_filter,
        page=page_number,
        per_page=query.per_page,
        sort=query.sort,
    )
    if page.page > page.pages:
        page = visible_cases(
            session,
            actor,
            query.case_filter,
            page=page.pages,
            per_page=query.per_page,
            sort=query.sort,
        )
    calendar, moment = calendar_for(settings()), now()
    rows = [
        (case, sla_view(case, moment, calendar), hidden_parts(actor, case)) for case in page.items
    ]
    return page, rows


def _url(endpoint: str, query: dict[str, str]) -> str:
    return url_for(endpoint) + ("?" + urlencode(query) if query else "")


def _page_number() -> int:
    return forms.query_number(request.args.get("page"), maximum=100_000) or 1


@auth.login_required()
def cases() -> ResponseReturnValue:
    user = auth.signed_in_user()
    query = read_query(request.args, user)
    page, rows = _rows(auth.current_actor(), query, _page_number())
    technicians = db_session().scalars(select(Technician).order_by(Technician.name)).all()
    return render_template(
        "dashboard/cases.html",
        rows=rows,
        page=page,
        q=query,
        query=query.echo,
        statuses=sorted(ALL_STATUSES),
        kinds=list(CaseKind),
        channels=list(Channel),
        zones=ZONES,
        categories=list(ServiceCategory),
        sorts=SORTS,
        page_sizes=PAGE_SIZES,
        technicians=technicians,
        technician_scope=_technician_scope(user),
        views=saved_views(db_session(), user.id),
        rows_url=_url("dashboard.case_rows", {**query.echo, "page": str(page.page)}),
    )


@auth.login_required()
def case_rows() -> ResponseReturnValue:
    """The list's rows alone: the page fetches them again to show changes without a reload."""
    query = read_query(request.args, auth.signed_in_user())
    page, rows = _rows(auth.current_actor(), query, _page_number())
    return render_template("dashboard/case_rows.html", rows=rows, page=page)


@auth.login_required()
def create_view() -> ResponseReturnValue:
    """Save the list's current filters under a name, for this user only."""
    user = auth.signed_in_user()
    args = MultiDict(request.form)
    echo = read_query(args, user).echo
    try:
        save_view(
            db_session(),
            user_id=user.id,
            name=request.form.get("name", "")[:200],
            query=urlencode(echo),
        )
        db_session().commit()
    except ValidationError as error:
        db_session().rollback()
        flash(gettext(error.message), "error")
        return redirect(_url("dashboard.cases", echo))
    flash(gettext("View saved."), "success")
    return redirect(_url("dashboard.cases", echo))


@auth.login_required()
def remove_view(view_id: int) -> ResponseReturnValue:
    delete_view(db_session(), user_id=auth.signed_in_user().id, view_id=view_id)
    db_session().commit()
    return redirect(url_for("dashboard.cases"))


@dataclass(frozen=True)
class Counter:
    """One number on the home page and the list it opens."""

    key: str
    label: str
    count: int
    query: dict[str, str]
    alarm: bool


COUNTERS: tuple[tuple[str, str, dict[str, str], bool], ...] = (
    ("late", "Late", {"late": "1", "sort": "deadline"}, True),
    ("at_risk", "Due soon or at risk", {"at_risk": "1", "sort": "deadline"}, True),
    ("unassigned", "Unassigned", {"unassigned": "1", "sort": "deadline"}, True),
    ("awaiting", "Awaiting acceptance", {"awaiting": "1", "sort": "deadline"}, False),
    ("overdue", "Overdue complaints", {"overdue": "1", "kind": "complaint", "sort": "age"}, True),
    ("mine", "Mine", {"mine": "1", "sort": "deadline"}, False),
)


def home_counters(user: StaffUser, actor: Actor) -> list[Counter]:
    """The counters this role sees; each counts exactly what its link lists."""
    counters = []
    for key, text, args, alarm in COUNTERS:
        case_filter = read_query(MultiDict(args), user).case_filter
        count = count_visible(db_session(), actor, case_filter)
        counters.append(Counter(key, gettext(text), count, args, alarm and count > 0))
    return counters


@auth.login_required()
def home() -> ResponseReturnValue:
    user = auth.signed_in_user()
    actor = auth.current_actor()
    counters = home_counters(user, actor)
    if user.role == Role.TECHNICIAN:
        counters = [c for c in counters if c.key in ("late", "at_risk", "awaiting", "mine")]
    worst = _late_rows(actor, user)
    return render_template(
        "dashboard/home.html", counters=counters, late_rows=worst, open_tasks=_open_tasks(user)
    )


def _open_tasks(user: StaffUser) -> int | None:
    """The open tasks addressed to the user's role (a technician's work is their jobs)."""
    if user.role == Role.TECHNICIAN:
        return None
    scope = [] if user.role == Role.ADMIN else [Task.role == user.role]
    total = db_session().scalar(select(func.count(Task.id)).where(Task.status == "open", *scope))
    return total or 0


def _late_rows(actor: Actor, user: StaffUser) -> list[Any]:
    """The late and at-risk jobs, soonest deadline first (the repair manager's morning list)."""
    query = read_query(MultiDict({"sort": "deadline"}), user)
    late = replace(query.case_filter, late=True)
    risky = replace(query.case_filter, at_risk=True)
    rows: list[Any] = []
    for case_filter in (late, risky):
        _, found = _rows(actor, replace(query, case_filter=case_filter, per_page=10), 1)
        rows += found
    return rows


def add_routes(blueprint: Blueprint) -> None:
    """Home, the case list, its live rows and the saved views."""
    blueprint.add_url_rule("/home", "home_page", view_func=home, methods=["GET"])
    blueprint.add_url_rule("/cases", view_func=cases, methods=["GET"])
    blueprint.add_url_rule("/cases/rows", view_func=case_rows, methods=["GET"])
    blueprint.add_url_rule("/cases/views", view_func=create_view, methods=["POST"])
    blueprint.add_url_rule(
        "/cases/views/<int:view_id>/delete", view_func=remove_view, methods=["POST"]
    )
