"""Warranty promotions (R4.2) and documents (R6.2–R6.5) in the dashboard: admins record a
promotion; documents are listed per product and part as the reader's role allows, uploaded by
the catalogue's keepers, and downloaded with the role checked again."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from backend.cases.permissions import roles_for
from backend.catalog.models import Product
from backend.catalog.promotions import list_promotions, record_promotion
from backend.dashboard import auth, forms
from backend.dashboard.i18n import gettext
from backend.dashboard.tool_views import _actor
from backend.errors import DomainError, ValidationError
from backend.knowledge.models import DocumentKind, Level
from backend.knowledge.service import (
    document_file,
    list_documents,
    readable_document,
    store_document,
)
from backend.knowledge.views import READERS as DOCUMENT_READERS
from backend.knowledge.views import read_upload
from backend.web import db_session, now, settings

KIND_NAMES = {
    DocumentKind.MANUAL: "Manual",
    DocumentKind.PARTS_LIST: "Parts list",
    DocumentKind.PRICE_LIST: "Parts price list",
    DocumentKind.SPECIFICATION: "Specification",
    DocumentKind.REPAIR_GUIDE: "Repair guide",
}
LEVEL_NAMES = {
    Level.GENERAL: "All staff",
    Level.SERVICE: "Technicians, warehouse and managers",
    Level.CONFIDENTIAL: "Managers only (confidential)",
}


def _day(data: MultiDict[str, str], name: str) -> date:
    try:
        return date.fromisoformat((data.get(name) or "").strip())
    except ValueError as error:
        raise ValidationError("a date like 2026-01-31", field=name) from error


def _months(text: str, field: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdecimal()) or int(text) > 120:
        raise ValidationError("months are a whole number 0–120", field=field)
    return int(text)


def _part_months(text: str) -> dict[str, int]:
    """ "FAN=24, COMP=12" → {"FAN": 24, "COMP": 12}."""
    parts: dict[str, int] = {}
    for chunk in filter(None, (c.strip() for c in text.split(","))):
        code, _, months = chunk.partition("=")
        if not code.strip():
            raise ValidationError("write parts as CODE=months", field="part_months")
        parts[code.strip()[:64]] = _months(months, "part_months")
    return parts


@auth.login_required(*roles_for("promotions_read"))
def promotions_page() -> ResponseReturnValue:
    """Every warranty promotion; the form for admins."""
    return render_template(
        "dashboard/promotions.html",
        promotions=list_promotions(db_session()),
        may_record=auth.signed_in_user().role in roles_for("promotions"),
    )


@auth.login_required(*roles_for("promotions"))
def promotions_new() -> ResponseReturnValue:
    session = db_session()
    data = request.form
    form = forms.Form()
    try:
        models = [m.strip() for m in form.text(data, "models", limit=2000).split(",") if m.strip()]
        if not models:
            raise ValidationError("name at least one model", field="models")
        name = form.text(data, "name", limit=200)
        if not name:
            raise ValidationError("name is required", field="name")
        record_promotion(
            session,
            name=name,
            models=models[:50],
            purchased_from=_day(data, "purchased_from"),
            purchased_until=_day(data, "purchased_until"),
            extra_months=_months(data.get("extra_months") or "", "extra_months"),
            part_months=_part_months(form.text(data, "part_months", limit=2000)),
            created_by=auth.signed_in_user().id,
            now=now(),
        )
    except DomainError as error:
        session.rollback()
        flash(gettext("Not saved: {reason}", reason=error.message), "error")
        return redirect(url_for("dashboard.promotions_page"))
    session.commit()
    flash(gettext("Saved."), "success")
    return redirect(url_for("dashboard.promotions_page"))


@auth.login_required(*DOCUMENT_READERS)
def documents_page() -> ResponseReturnValue:
    """The documents the reader may read, of one model or all (R6.5)."""
    session = db_session()
    model = forms.query_text(request.args.get("model"), 64) or None
    return render_template(
        "dashboard/documents.html",
        model=model,
        documents=list_documents(session, _actor(), model=model),
        models=list(session.scalars(select(Product.model).order_by(Product.model))),
        kinds=KIND_NAMES,
        levels=LEVEL_NAMES,
        may_upload=auth.signed_in_user().role in roles_for("documents_upload"),
    )


@auth.login_required(*roles_for("documents_upload"))
def documents_upload() -> ResponseReturnValue:
    session = db_session()
    config = settings()
    try:
        store_document(session, config, read_upload(config), actor=_actor(), now=now())
    except DomainError as error:
        session.rollback()
        flash(gettext("Not saved: {reason}", reason=error.message), "error")
        return redirect(url_for("dashboard.documents_page"))
    session.commit()
    flash(gettext("Saved."), "success")
    return redirect(url_for("dashboard.documents_page"))


@auth.login_required(*DOCUMENT_READERS)
def documents_file(document_id: int) -> ResponseReturnValue:
    """The PDF, to a reader whose role may read it (404 otherwise, R6.5)."""
    if document_id > 2**31 - 1:
        abort(404)
    try:
        document = readable_document(db_session(), _actor(), document_id)
        path = document_file(settings(), document)
    except DomainError:
        abort(404)
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=document.filename
    )


def add_routes(blueprint: Blueprint) -> None:
    """The promotions and documents pages and their forms, on the dashboard's blueprint."""
    blueprint.add_url_rule("/promotions", view_func=promotions_page, methods=["GET"])
    blueprint.add_url_rule("/promotions", view_func=promotions_new, methods=["POST"])
    blueprint.add_url_rule("/documents", view_func=documents_page, methods=["GET"])
    blueprint.add_url_rule("/documents", view_func=documents_upload, methods=["POST"])
    blueprint.add_url_rule(
        "/documents/<int:document_id>/file", view_func=documents_file, methods=["GET"]
    )
