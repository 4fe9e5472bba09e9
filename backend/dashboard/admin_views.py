"""Administration: staff accounts (create, role, department, password, deactivation) and
technicians (certifications with their expiry, Telegram link codes).

Each page is gated by a duty of the permission matrix (backend/cases/permissions.py); a bad value
comes back on the same page as a message naming the field, never as an error page.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.catalog import service as catalog
from backend.complaints.routing import DepartmentCode
from backend.dashboard import admin_catalogue_views, auth
from backend.dashboard.admin_forms import field, form_date, refused, required
from backend.dashboard.day_views import PLANNERS
from backend.dashboard.i18n import gettext
from backend.errors import DomainError, ValidationError
from backend.fieldwork.links import create_link_code
from backend.people import service as people
from backend.people.models import Role, Technician
from backend.web import db_session, now, settings

ACCOUNTS = tuple(roles_for("accounts"))
TECHNICIANS = tuple(roles_for("technicians"))
LINK_CODES = tuple(roles_for("link_codes"))
DEPARTMENTS = tuple(DepartmentCode)
EXPIRY_WARNING = timedelta(days=30)  # R4.4: a certification ending within a month is flagged


def _today() -> date:
    return calendar_for(settings()).local_date(now())


# Accounts ----------------------------------------------------------------------------------
def _users_page(**extra: object) -> ResponseReturnValue:
    return render_template(
        "dashboard/admin_users.html",
        users=people.list_users(db_session()),
        roles=list(Role),
        departments=DEPARTMENTS,
        **extra,
    )


@auth.login_required(*ACCOUNTS)
def users() -> ResponseReturnValue:
    return _users_page()


@auth.login_required(*ACCOUNTS)
def create_user() -> ResponseReturnValue:
    """A new account; the password is the one typed, or a generated one shown once."""
    session = db_session()
    try:
        user = people.create_user(
            session, email=field("email", 254), role=field("role", 32), name=field("name")
        )
        people.update_user(
            session, user, departments=DEPARTMENTS, department=field("department", 32)
        )
        password = people.reset_password(
            session, user, now=now(), password=field("password") or None
        )
    except DomainError as error:
        session.rollback()
        refused(error)
        return redirect(url_for("dashboard.admin_users"))
    session.commit()
    return _users_page(created=user, password=password)


@auth.login_required(*ACCOUNTS)
def user_page(user_id: int) -> ResponseReturnValue:
    user = people.get_user(db_session(), user_id)
    return render_template(
        "dashboard/admin_user.html",
        account=user,
        roles=list(Role),
        departments=DEPARTMENTS,
        tokens=people.list_tokens(db_session(), user),
        password=None,
    )


@auth.login_required(*ACCOUNTS)
def update_user(user_id: int) -> ResponseReturnValue:
    session = db_session()
    user = people.get_user(session, user_id)
    try:
        people.update_user(
            session,
            user,
            departments=DEPARTMENTS,
            role=field("role", 32),
            department=field("department", 32),
            name=field("name"),
        )
    except DomainError as error:
        session.rollback()
        refused(error)
    else:
        session.commit()
        flash(gettext("Saved."), "success")
    return redirect(url_for("dashboard.admin_user", user_id=user_id))


@auth.login_required(*ACCOUNTS)
def reset_password(user_id: int) -> ResponseReturnValue:
    """A new password, shown once on this answer (never put in the session cookie)."""
    session = db_session()
    user = people.get_user(session, user_id)
    try:
        password = people.reset_password(
            session, user, now=now(), password=field("password") or None
        )
    except DomainError as error:
        session.rollback()
        refused(error)
        return redirect(url_for("dashboard.admin_user", user_id=user_id))
    session.commit()
    return render_template(
        "dashboard/admin_user.html",
        account=user,
        roles=list(Role),
        departments=DEPARTMENTS,
        tokens=people.list_tokens(session, user),
        password=password,
    )


@auth.login_required(*ACCOUNTS)
def set_active(user_id: int) -> ResponseReturnValue:
    """Deactivate (sessions end, every token revoked) or reactivate an account."""
    session = db_session()
    user = people.get_user(session, user_id)
    if request.form.get("active") == "1":
        people.reactivate_user(session, user)
        flash(gettext("The account can sign in again."), "success")
    elif user.id == auth.signed_in_user().id:
        flash(gettext("You cannot deactivate your own account."), "error")
    else:
        people.deactivate_user(session, user, now())
        flash(gettext("The account is deactivated."), "success")
    session.commit()
    return redirect(url_for("dashboard.admin_user", user_id=user_id))


# Technicians -------------------------------------------------------------------------------
def _technicians_page(**extra: object) -> ResponseReturnValue:
    today = _today()
    rows = db_session().scalars(
        select(Technician)
        .options(selectinload(Technician.certifications))
        .order_by(Technician.name)
    )
    return render_template(
        "dashboard/admin_technicians.html",
        technicians=list(rows),
        lines=sorted(catalog.product_lines(db_session())),
        today=today,
        soon=today + EXPIRY_WARNING,
        may_link=auth.signed_in_user().role in LINK_CODES,
        **extra,
    )


@auth.login_required(*TECHNICIANS)
def technicians() -> ResponseReturnValue:
    return _technicians_page()


@auth.login_required(*TECHNICIANS)
def create_technician() -> ResponseReturnValue:
    session = db_session()
    try:
        line = field("product_line", 64)
        certifications = [people.CertificationInput(line, form_date("valid_until"))] if line else []
        people.create_technician(
            session,
            name=required("name"),
            phone=required("phone", 40),
            zone=field("zone", 16) if field("zone", 16) in ("city", "suburb") else _zone(),
            region=settings().region,
            certifications=certifications,
            product_lines=catalog.product_lines(session),
            today=_today(),
        )
    except DomainError as error:
        session.rollback()
        refused(error)
    else:
        session.commit()
        flash(gettext("Saved."), "success")
    return redirect(url_for("dashboard.admin_technicians"))


def _zone() -> str:
    raise ValidationError("city or suburb", field="zone")


@auth.login_required(*TECHNICIANS)
def certify(technician_id: int) -> ResponseReturnValue:
    """Certify for a product line until a date, or renew an existing certification (R4.4)."""
    session = db_session()
    technician = people.get_technician(session, technician_id)
    try:
        people.certify(
            session,
            technician,
            people.CertificationInput(field("product_line", 64), form_date("valid_until")),
            product_lines=catalog.product_lines(session),
            today=_today(),
        )
    except DomainError as error:
        session.rollback()
        refused(error)
    else:
        session.commit()
        flash(gettext("Saved."), "success")
    return redirect(url_for("dashboard.admin_technicians"))


@auth.login_required(*LINK_CODES)
def link_code(technician_id: int) -> ResponseReturnValue:
    """A one-time code for the bot (/link CODE), shown once on this answer (R6.5)."""
    session = db_session()
    technician = people.get_technician(session, technician_id)
    code, expires_at = create_link_code(
        session, technician, now=now(), created_by=f"user:{auth.signed_in_user().id}"
    )
    session.commit()
    return _technicians_page(link={"technician": technician, "code": code, "expires": expires_at})


def add_routes(blueprint: Blueprint) -> None:
    """The administration pages, on the dashboard's blueprint."""
    user = "/admin/users/<int(max=2147483647):user_id>"
    technician = "/admin/technicians/<int(max=2147483647):technician_id>"
    rules = (
        ("/admin/users", "admin_users", users, "GET"),
        ("/admin/users", "admin_create_user", create_user, "POST"),
        (user, "admin_user", user_page, "GET"),
        (user, "admin_update_user", update_user, "POST"),
        (f"{user}/password", "admin_reset_password", reset_password, "POST"),
        (f"{user}/active", "admin_set_active", set_active, "POST"),
        ("/admin/technicians", "admin_technicians", technicians, "GET"),
        ("/admin/technicians", "admin_create_technician", create_technician, "POST"),
        (f"{technician}/certifications", "admin_certify", certify, "POST"),
        (f"{technician}/link-code", "admin_link_code", link_code, "POST"),
    )
    for rule, endpoint, view, method in rules:
        blueprint.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method])
    admin_catalogue_views.add_routes(blueprint)
    blueprint.context_processor(_admin_context)


def _admin_context() -> dict[str, object]:
    """Who may see which administration page (the matrix's duties), for the pages' links."""
    return {
        "account_roles": ACCOUNTS,
        "admin_roles": frozenset(ACCOUNTS) | set(TECHNICIANS) | set(roles_for("catalogue")),
        "planner_roles": PLANNERS,
    }
