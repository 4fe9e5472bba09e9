"""Money pages: the fee schedule (admins publish a version, R4.11), the accounting list of
receipts and invoices with their PDFs and the daily CSV (R7.5), and the customer's signed quote
page (accept or decline, from the SMS link)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.actors import Actor
from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.cases.service import find_case
from backend.casework.flows import perform_action
from backend.casework.money import quote_lines
from backend.catalog.fees import current_schedule, publish_schedule
from backend.catalog.service import product_lines
from backend.dashboard import auth, forms
from backend.dashboard.i18n import current_language, gettext
from backend.errors import DomainError, NotFound
from backend.money.links import QUOTE_LINK_DAYS, QUOTE_SALT, unsign
from backend.money.pdf import invoice_pdf
from backend.money.service import daily_csv, get_payment, payments_between
from backend.web import db_session, now, settings

ACCOUNTING = tuple(roles_for("accounting"))
FEES_READERS = ACCOUNTING + tuple(roles_for("fee_schedule"))


def _day() -> date:
    raw = request.args.get("date") or ""
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    return calendar_for(settings()).local_date(now())


def _schedule() -> object:
    config = settings()
    return current_schedule(
        db_session(), labour_rate=config.labour_rate_per_hour, call_out_fee=config.call_out_fee
    )


@auth.login_required(*ACCOUNTING)
def accounting() -> ResponseReturnValue:
    """The day's receipts and invoices, each with its PDF; the day as CSV (R7.5)."""
    day = _day()
    payments = payments_between(db_session(), day, day)
    return render_template(
        "dashboard/accounting.html",
        day=day,
        payments=payments,
        total=sum(p.amount for p in payments),
    )


@auth.login_required(*ACCOUNTING)
def accounting_csv() -> ResponseReturnValue:
    day = _day()
    response = Response(daily_csv(db_session(), day, settings().tz), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="payments-{day}.csv"'
    return response


@auth.login_required(*ACCOUNTING)
def invoice_document(invoice_number: str) -> ResponseReturnValue:
    payment = get_payment(db_session(), invoice_number)
    data = invoice_pdf(payment, settings().tz, current_language())
    return Response(data, mimetype="application/pdf")


@auth.login_required(*FEES_READERS)
def fees() -> ResponseReturnValue:
    """The schedule in force; admins publish the next version."""
    may_publish = auth.signed_in_user().role in roles_for("fee_schedule")
    return render_template(
        "dashboard/fees.html",
        schedule=_schedule(),
        lines=sorted(product_lines(db_session())),
        may_publish=may_publish,
    )


@auth.login_required(*roles_for("fee_schedule"))
def publish_fees() -> ResponseReturnValue:
    session = db_session()
    lines = sorted(product_lines(session))

    def amount(name: str) -> int:
        return forms.query_number(request.form.get(name), maximum=settings().max_amount) or 0

    try:
        publish_schedule(
            session,
            labour_per_hour={line: amount(f"labour_{line}") for line in lines},
            default_labour_per_hour=amount("default_labour"),
            call_out={"city": amount("call_out_city"), "suburb": amount("call_out_suburb")},
            transport=amount("transport"),
            product_lines=set(lines),
            published_by=f"user:{auth.signed_in_user().id}",
            maximum=settings().max_amount,
            now=now(),
        )
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("dashboard.fees"))
    session.commit()
    flash(gettext("A new fee schedule is in force."), "success")
    return redirect(url_for("dashboard.fees"))


def customer_quote(token: str) -> ResponseReturnValue:
    """The customer's quote behind the signed SMS link: see it, accept or decline (R4.11)."""
    number = unsign(settings(), QUOTE_SALT, token[:300], max_age_days=QUOTE_LINK_DAYS)
    case = find_case(db_session(), number) if number else None
    if case is None or case.quote is None:
        raise NotFound(gettext("This link is not valid or has expired."))
    message = None
    if request.method == "POST":
        decision = request.form.get("decision")
        action = {"accept": "accept_quote", "decline": "decline_quote"}.get(decision or "")
        if action is None:
            message = gettext("Please choose accept or decline.")
        else:
            message = _decide(case.number, action)
        case = find_case(db_session(), case.number) or case
    return render_template(
        "dashboard/quote.html",
        case=case,
        quote=case.quote,
        lines=quote_lines(case, current_language()),
        token=token,
        message=message,
    )


def _decide(number: str, action: str) -> str:
    session = db_session()
    case = find_case(session, number)
    assert case is not None
    try:
        perform_action(
            session,
            case,
            action,
            actor=Actor("customer", id=case.customer_id, channel="web"),
            body={},
            settings=settings(),
            now=now(),
        )
    except DomainError:
        session.rollback()
        return gettext("This quote has already been answered.")
    session.commit()
    if action == "accept_quote":
        return gettext("Thank you: you accepted the quote. The technician will do the work.")
    return gettext("You declined the quote. Only the call-out fee is charged.")


def add_routes(blueprint: Blueprint) -> None:
    """The money pages, on the dashboard's blueprint."""
    blueprint.add_url_rule("/accounting", view_func=accounting, methods=["GET"])
    blueprint.add_url_rule("/accounting/daily.csv", view_func=accounting_csv, methods=["GET"])
    blueprint.add_url_rule(
        "/accounting/<invoice_number>.pdf", view_func=invoice_document, methods=["GET"]
    )
    blueprint.add_url_rule("/fees", view_func=fees, methods=["GET"])
    blueprint.add_url_rule("/fees", view_func=publish_fees, methods=["POST"])
    blueprint.add_url_rule("/q/<token>", view_func=customer_quote, methods=["GET", "POST"])
