"""The district table (issue 17): each 시/군/구 with its centre and the zone it proposes for new
cases; staff change a zone, or move a centre, here (the API twin is /api/v1/districts)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.cases.permissions import roles_for
from backend.dashboard import auth
from backend.dashboard.i18n import gettext
from backend.places.districts import district_by_code
from backend.places.service import district_table, set_district
from backend.web import db_session, now

EDITORS = tuple(sorted(roles_for("places")))
ZONES = ("city", "suburb")


@auth.login_required(*EDITORS)
def districts() -> ResponseReturnValue:
    """Every district, by province, with its zone (a form per row)."""
    province = (request.args.get("province") or "")[:20]
    table = district_table(db_session())
    provinces = sorted({d.province for d in table})
    shown = [d for d in table if d.province == province] if province in provinces else table
    return render_template(
        "dashboard/districts.html",
        districts=shown,
        provinces=provinces,
        province=province,
        zones=ZONES,
    )


@auth.login_required(*EDITORS)
def district_zone(code: str) -> ResponseReturnValue:
    """Set one district's zone."""
    district = district_by_code(code)
    zone = request.form.get("zone")
    if district is None:
        abort(404)
    if zone not in ZONES:
        flash(gettext("Choose the city or the suburbs."), "error")
    else:
        session = db_session()
        current = next(d for d in district_table(session) if d.code == code)
        changed_centre = current.lat != district.lat or current.lon != district.lon
        set_district(
            session,
            code,
            zone=zone,
            lat=current.lat if changed_centre else None,
            lon=current.lon if changed_centre else None,
            by=auth.current_actor().label,
            now=now(),
        )
        session.commit()
        flash(gettext("Saved."), "success")
    return redirect(url_for("dashboard.districts", province=district.province))


def add_routes(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/districts", view_func=districts, methods=["GET"])
    blueprint.add_url_rule("/districts/<code>", view_func=district_zone, methods=["POST"])
