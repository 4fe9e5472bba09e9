"""/api/v1: a case's place corrected by staff, and the district table (zone and centre per
시/군/구) that proposes zones and places addresses."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field

from backend.cases.access import visible_case
from backend.cases.permissions import roles_for
from backend.dispatch.flows import relocate_case
from backend.errors import NotFound
from backend.places.districts import District, district_by_code
from backend.places.flows import precision_of
from backend.places.service import district_table, set_district
from backend.web import db_session, now, settings
from backend.web.auth import current_actor, require_roles
from backend.web.bodies import Body, parse_body

blueprint = Blueprint("places", __name__, url_prefix="/api/v1")
EDITORS = tuple(sorted(roles_for("places")))


class PlaceIn(Body):
    lat: Annotated[float, Field(ge=33.0, le=38.7)]  # South Korea, Jeju to the border
    lon: Annotated[float, Field(ge=124.5, le=132.0)]


class DistrictIn(Body):
    zone: Literal["city", "suburb"]
    lat: Annotated[float, Field(ge=33.0, le=38.7)] | None = None
    lon: Annotated[float, Field(ge=124.5, le=132.0)] | None = None


def district_json(district: District) -> dict[str, Any]:
    return {
        "code": district.code,
        "province": district.province,
        "name": district.name,
        "lat": district.lat,
        "lon": district.lon,
        "bounds": [district.south, district.west, district.north, district.east],
        "zone": district.zone,
    }


@blueprint.put("/cases/<number>/location")
@require_roles(*EDITORS)
def correct_location(number: str) -> ResponseReturnValue:
    """Staff put the case where it really is; its day is re-planned."""
    session = db_session()
    case = visible_case(session, current_actor(), number)
    body = parse_body(PlaceIn)
    relocate_case(
        session,
        case,
        lat=body.lat,
        lon=body.lon,
        settings=settings(),
        now=now(),
        actor=current_actor(),
    )
    session.commit()
    return jsonify({"lat": case.lat, "lon": case.lon, "precision": precision_of(case)})


@blueprint.get("/districts")
@require_roles(*EDITORS)
def index_districts() -> ResponseReturnValue:
    """Every district with its centre, bounds and the zone it proposes."""
    return jsonify({"items": [district_json(d) for d in district_table(db_session())]})


@blueprint.put("/districts/<code>")
@require_roles(*EDITORS)
def update_district(code: str) -> ResponseReturnValue:
    """Set a district's zone (and, optionally, its centre)."""
    if district_by_code(code) is None:
        raise NotFound(f"no district {code!r}", field="code")
    body = parse_body(DistrictIn)
    session = db_session()
    set_district(
        session,
        code,
        zone=body.zone,
        lat=body.lat,
        lon=body.lon,
        by=current_actor().label,
        now=now(),
    )
    session.commit()
    changed = next(d for d in district_table(session) if d.code == code)
    return jsonify(district_json(changed))
