"""/suggest: the public suggestion form in Korean and English, its QR code and a printable poster
for shops (R9.8). No login; a signed form token, a honeypot and a per-address limit instead."""

from __future__ import annotations

import io
import logging
import math
from datetime import timedelta
from urllib.parse import urlencode

import segno
from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.actors import Actor
from backend.casework.flows import intake_case
from backend.casework.intake import CustomerInput, IntakeRequest
from backend.errors import DomainError
from backend.i18n import translate
from backend.people.throttle import NO_WAIT, WindowLimit, claim_window
from backend.public.form import (
    HONEYPOT,
    SuggestionForm,
    clean_place,
    form_language,
    issue_token,
    token_is_valid,
)
from backend.web import db_session, now, settings

logger = logging.getLogger(__name__)

blueprint = Blueprint(
    "public",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/public-static",
)

# Per client address (the real one behind trusted proxies, backend/web/security.py): a family
# in a shop may send a few; a script may not send hundreds.
FORM_LIMIT = WindowLimit(limit=5, window=timedelta(hours=1))
CUSTOMER = Actor("customer", channel="web")


def _render(
    template: str,
    language: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **values: object,
) -> ResponseReturnValue:
    def words(message: str, **fill: object) -> str:
        return translate(language, message, **fill)

    page = render_template(template, _=words, language=language, **values)
    return page, status, {"Cache-Control": "no-store", **(headers or {})}


def _form_page(
    form: SuggestionForm, language: str, status: int = 200, notice: str | None = None
) -> ResponseReturnValue:
    token = issue_token(settings().secret_key, place=form.place, now=now())
    return _render(
        "public/suggest.html",
        language,
        status,
        form=form,
        token=token,
        notice=notice,
        honeypot=HONEYPOT,
        other_language="en" if language == "ko" else "ko",
    )


@blueprint.get("/suggest")
def suggestion_form() -> ResponseReturnValue:
    language = form_language(request.args.get("lang"))
    return _form_page(SuggestionForm(place=clean_place(request.args.get("place"))), language)


@blueprint.post("/suggest")
def send_suggestion() -> ResponseReturnValue:
    language = form_language(request.form.get("lang"))
    form = SuggestionForm.read(request.form.to_dict())
    if request.form.get(HONEYPOT):
        logger.info("public suggestion refused: the hidden field was filled")
        return _form_page(form, language, 400, "Your suggestion could not be accepted.")
    if not token_is_valid(settings().secret_key, request.form.get("token", ""), now=now()):
        return _form_page(
            form, language, 400, "The form had expired. Please check it and send it again."
        )
    if not form.check(settings().region):
        return _form_page(form, language, 422)
    session = db_session()
    wait = claim_window(
        session,
        kind="suggestion",
        value=request.remote_addr or "-",
        limit=FORM_LIMIT,
        now=now(),
    )
    session.commit()  # counted even when the intake below fails
    if wait > NO_WAIT:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        logger.warning("public suggestion form: an address over its limit for %s min", minutes)
        return _render(
            "public/message.html",
            language,
            429,
            {"Retry-After": str(minutes * 60)},
            message=translate(
                language,
                "You have sent many suggestions in a short time. Please try again in "
                "{minutes} minutes.",
                minutes=minutes,
            ),
        )
    return _register(form, language)


def _register(form: SuggestionForm, language: str) -> ResponseReturnValue:
    session = db_session()
    anonymous = form.phone_e164 is None
    intake = IntakeRequest(
        kind="suggestion",
        channel="web",
        description=form.text,
        customer=CustomerInput(
            name=form.name or translate(language, "Customer"),
            phone=form.phone_e164 or "",
            language=language,
        ),
        place=form.place,
        anonymous=anonymous,
        # A number typed on a public page proves nothing (finding 5): kept on the case, the
        # stored customer untouched; only the suggestion's outcome goes back to it.
        identity_verified=anonymous,
    )
    try:
        case = intake_case(session, intake, settings=settings(), now=now(), actor=CUSTOMER)
    except DomainError as error:
        form.errors[error.field or "text"] = "Please check this field."
        return _form_page(form, language, 422)
    session.commit()
    logger.info("public suggestion %s registered (place given: %s)", case.number, bool(form.place))
    return _render(
        "public/message.html",
        language,
        201,
        message=translate(
            language,
            "Thank you: your suggestion {number} is registered. We will tell you what we decide.",
            number=case.number,
        )
        if not anonymous
        else translate(
            language,
            "Thank you: your suggestion {number} is registered. You left no contact, so we "
            "cannot tell you what we decide.",
            number=case.number,
        ),
        number=case.number,
    )


def form_address(place: str | None, language: str) -> str:
    """The form's absolute address (PUBLIC_BASE_URL), as the QR code and poster give it."""
    query = {"lang": language} | ({"place": place} if place else {})
    return f"{settings().public_base_url.rstrip('/')}/suggest?{urlencode(query)}"


@blueprint.get("/suggest/qr.svg")
def suggestion_qr() -> ResponseReturnValue:
    """The form's address as a QR code, drawn here (segno, SVG; no network)."""
    place = clean_place(request.args.get("place"))
    language = form_language(request.args.get("lang"))
    code = segno.make(form_address(place, language), error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=8, border=2, xmldecl=False, svgclass=None, lineclass=None)
    return Response(out.getvalue(), mimetype="image/svg+xml")


@blueprint.get("/suggest/poster")
def suggestion_poster() -> ResponseReturnValue:
    """A printable A4 poster for a shop: the QR code and the address (R9.8)."""
    place = clean_place(request.args.get("place"))
    language = form_language(request.args.get("lang"))
    query = {"lang": language} | ({"place": place} if place else {})
    return _render(
        "public/poster.html",
        language,
        place=place,
        qr_url=f"{url_for('public.suggestion_qr')}?{urlencode(query)}",
        address=form_address(place, language),
    )
