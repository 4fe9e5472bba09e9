"""/api/v1/promotions: warranty promotions (R4.2), recorded by admins, read by the desk."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field, StrictInt

from backend.api.schemas import TERM_DATE
from backend.cases.permissions import roles_for
from backend.catalog.promotions import list_promotions, promotion_json, record_promotion
from backend.web import db_session, now
from backend.web.auth import current_user, require_roles
from backend.web.bodies import Body, parse_body

blueprint = Blueprint("promotions", __name__, url_prefix="/api/v1")

Months = Annotated[StrictInt, Field(ge=0, le=120)]
Model = Annotated[str, Field(min_length=1, max_length=64)]


class PromotionIn(Body):
    """R4.2: units of `models` bought from `purchased_from` to `purchased_until` get
    `extra_months` on the product's warranty (and so on each part's), and `part_months` on the
    named parts. Models must be in the catalogue and parts in those models; some extension is
    needed; the window must not end before it starts."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    models: Annotated[list[Model], Field(min_length=1, max_length=50)]
    purchased_from: Annotated[date, TERM_DATE]
    purchased_until: Annotated[date, TERM_DATE]
    extra_months: Months = 0
    part_months: Annotated[dict[str, Months], Field(max_length=100)] = {}


@blueprint.get("/promotions")
@require_roles(*roles_for("promotions_read"))
def list_promotions_route() -> ResponseReturnValue:
    """Every warranty promotion, the latest window first."""
    return jsonify({"items": [promotion_json(p) for p in list_promotions(db_session())]})


@blueprint.post("/promotions")
@require_roles(*roles_for("promotions"))
def create_promotion_route() -> ResponseReturnValue:
    """Record a promotion (admins): units bought in its window get it from now on."""
    body = parse_body(PromotionIn)
    session = db_session()
    promotion = record_promotion(
        session,
        name=body.name,
        models=body.models,
        purchased_from=body.purchased_from,
        purchased_until=body.purchased_until,
        extra_months=body.extra_months,
        part_months=body.part_months,
        created_by=current_user().id,
        now=now(),
    )
    session.commit()
    return jsonify(promotion_json(promotion)), 201
