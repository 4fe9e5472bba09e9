"""Delivery: the outbound messages that failed for good, and sending one again (managers)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.dashboard import auth, forms
from backend.dashboard.i18n import gettext
from backend.errors import Conflict
from backend.outbox.models import OutboxStatus
from backend.outbox.service import DELIVERY_SUPERVISORS, list_messages, message_summary, requeue
from backend.web import db_session, now


@auth.login_required(*DELIVERY_SUPERVISORS)
def outbox() -> ResponseReturnValue:
    """Failed messages, newest first: masked recipient, purpose, case, last error, attempts."""
    page = forms.query_number(request.args.get("page"), maximum=100_000) or 1
    result = list_messages(db_session(), status=OutboxStatus.FAILED, page=page)
    return render_template(
        "dashboard/outbox.html",
        messages=[
            {**message_summary(row, number), "created": row.created_at}
            for row, number in result.items
        ],
        page=result.page,
        pages=result.pages,
        total=result.total,
    )


@auth.login_required(*DELIVERY_SUPERVISORS)
def outbox_retry(message_id: int) -> ResponseReturnValue:
    session = db_session()
    try:
        requeue(session, message_id, user_id=auth.signed_in_user().id, now=now())
    except Conflict:
        flash(gettext("That message is no longer failed."), "error")
        return redirect(url_for("dashboard.outbox"))
    session.commit()
    flash(gettext("Message queued again."), "success")
    return redirect(url_for("dashboard.outbox"))


def add_routes(blueprint: Blueprint) -> None:
    """The delivery page, on the dashboard's blueprint."""
    blueprint.add_url_rule("/outbox", view_func=outbox, methods=["GET"])
    blueprint.add_url_rule(
        "/outbox/<int(max=2147483647):message_id>/retry", view_func=outbox_retry, methods=["POST"]
    )
