"""The staff dashboard: sign-in, language, and the pages of cases, tasks, technicians, reports.

Views stay thin: parse the form, call the same service or flow the API calls, redirect with a
flash message; a bad value shows the form again with the error beside the field.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from backend.api.errors import HTML_ERROR_PAGE
from backend.dashboard import (
    admin_views,
    auth,
    case_list,
    case_views,
    complaint_views,
    customer_views,
    day_views,
    district_views,
    i18n,
    improvement_views,
    knowledge_views,
    money_views,
    outbox_views,
    partner_views,
    report_views,
    returns_views,
    staff_views,
    stock_views,
    tool_views,
    workshop_views,
)
from backend.dashboard.nav import nav_for
from backend.errors import DomainError
from backend.i18n import LANGUAGES
from backend.people.throttle import NO_WAIT, LoginThrottle
from backend.web import db_session, now, settings

logger = logging.getLogger(__name__)

dashboard = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard-static",
)


@dashboard.record_once
def _setup(state: BlueprintSetupState) -> None:
    i18n.init_app(state.app)  # type: ignore[arg-type]  # always a Flask app here
    state.app.jinja_env.globals["csrf_token"] = auth.csrf_token
    state.app.extensions["dashboard_login_throttle"] = LoginThrottle()
    state.app.extensions[HTML_ERROR_PAGE] = _error_page


@dashboard.before_request
def _before() -> None:
    auth.current_user()  # before any translation: the locale is the user's language
    if request.method == "POST":
        auth.check_csrf()


@dashboard.after_request
def _no_store(response: Response) -> Response:
    # Pages carry customers' names and addresses: after logout, Back must not show them again.
    if not request.path.startswith(dashboard.static_url_path or "/dashboard-static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@dashboard.context_processor
def _page_context() -> dict[str, object]:
    user = auth.current_user()
    return {
        "user": user,
        "is_manager": user is not None and user.role in auth.MANAGERS,
        "language": i18n.current_language(),
        "nav": nav_for(user),
        "sandbox": settings().sandbox,  # every page says so (backend/sandbox)
    }


ERROR_MESSAGES = {
    403: "You may not open this page.",
    404: "This page does not exist.",
    405: "This page cannot be used that way.",
    500: "Something went wrong. It has been logged.",
}


def _error_page(status: int, code: str, message: str) -> str:
    """A page in the user's language for an error outside the dashboard's own views."""
    auth.current_user()  # the language is the signed-in user's
    message = ERROR_MESSAGES.get(status, message)
    return render_template("dashboard/error.html", status=status, message=message)


def render_error(status: int, message: str) -> ResponseReturnValue:
    return render_template("dashboard/error.html", status=status, message=message), status


@dashboard.errorhandler(DomainError)
def _domain_error(error: DomainError) -> ResponseReturnValue:
    return render_error(error.status, error.message)


@dashboard.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    if error.code == 400 and error.description == "csrf":
        return render_error(400, "The form has expired. Go back, reload the page and try again.")
    return render_error(
        error.code or 400, ERROR_MESSAGES.get(error.code or 400, error.name or "Error")
    )


@dashboard.get("/")
def home() -> ResponseReturnValue:
    if auth.current_user() is None:
        return redirect(url_for("dashboard.login"))
    return redirect(url_for("dashboard.home_page"))


def _throttle() -> LoginThrottle:
    from flask import current_app

    throttle: LoginThrottle = current_app.extensions["dashboard_login_throttle"]
    return throttle


def _throttled(target: str, email: str, wait: timedelta) -> ResponseReturnValue:
    seconds = max(1, math.ceil(wait.total_seconds()))
    logger.warning("dashboard sign-in throttled for %s s", seconds)
    error = i18n.gettext(
        "Too many failed attempts. Try again in {seconds} seconds.", seconds=seconds
    )
    page = render_template("dashboard/login.html", next=target, email=email, error=error)
    return page, 429, {"Retry-After": str(seconds)}


@dashboard.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    target = auth.safe_next(request.values.get("next")) or url_for("dashboard.home_page")
    if request.method == "GET":
        if auth.current_user() is not None:
            return redirect(target)
        return render_template("dashboard/login.html", next=target, email="", error=None)
    email = request.form.get("email", "").replace("\x00", "").strip().lower()[:254]
    password = request.form.get("password", "")[:1000]
    # The real client behind trusted proxies (AFTERSALES_TRUSTED_PROXIES, backend/web/security).
    address = request.remote_addr or "-"
    # Counted and committed before the password is checked: every web process sees it at once,
    # and concurrent guesses are each counted (finding 11).
    wait = _throttle().claim(db_session(), email=email, address=address, now=now())
    db_session().commit()
    if wait > NO_WAIT:
        return _throttled(target, email, wait)
    user = auth.authenticate(email, password)
    if user is None:
        return render_template(
            "dashboard/login.html", next=target, email=email, error="Wrong e-mail or password."
        ), 401
    _throttle().succeeded(db_session(), email=email, address=address)
    auth.sign_in(user)
    db_session().commit()
    logger.info("staff user %s signed in to the dashboard", user.id)
    return redirect(target)


@dashboard.post("/logout")
def logout() -> ResponseReturnValue:
    auth.sign_out()
    return redirect(url_for("dashboard.login"))


@dashboard.post("/language")
def change_language() -> ResponseReturnValue:
    """Korean or English; remembered on the user (StaffUser.language), else in the session."""
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    user = auth.current_user()
    if user is not None:
        user.language = language
        db_session().commit()
    session["language"] = language
    return redirect(auth.safe_next(request.form.get("next")) or url_for("dashboard.home"))


case_list.add_routes(dashboard)
case_views.add_routes(dashboard)
staff_views.add_routes(dashboard)
outbox_views.add_routes(dashboard)
complaint_views.add_routes(dashboard)
returns_views.add_routes(dashboard)
customer_views.add_routes(dashboard)
improvement_views.add_routes(dashboard)
money_views.add_routes(dashboard)
stock_views.add_routes(dashboard)
partner_views.add_routes(dashboard)
workshop_views.add_routes(dashboard)
tool_views.add_routes(dashboard)
knowledge_views.add_routes(dashboard)
district_views.add_routes(dashboard)
report_views.add_routes(dashboard)
admin_views.add_routes(dashboard)
day_views.add_routes(dashboard)
