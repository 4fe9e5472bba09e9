"""/api/v1/partners: partner repair shops (R1.4), their contracts and staff, the dispute flag and
the monthly statement of partner jobs and amounts owed (JSON and CSV)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import Field, StrictBool, StrictInt

from backend.api import schemas
from backend.api.serializers import technician_json
from backend.bounds import check_term_date
from backend.calendar import calendar_for
from backend.cases.permissions import roles_for
from backend.catalog.service import product_lines
from backend.partners.models import Partner, PartnerContract
from backend.partners.service import (
    Statement,
    add_contract,
    create_partner,
    get_partner,
    list_partners,
    monthly_statement,
    parse_month,
    partner_staff,
    set_dispute,
    statement_csv,
)
from backend.people import service as people
from backend.web import db_session, now, settings
from backend.web.auth import require_roles
from backend.web.bodies import Body, parse_body

blueprint = Blueprint("partners", __name__, url_prefix="/api/v1")
PARTNER_ID = "<int(max=2147483647):partner_id>"
MANAGERS = tuple(roles_for("partners"))
ACCOUNTING = tuple(roles_for("accounting"))
# Amounts in KRW, at most the default AFTERSALES_MAX_AMOUNT.
Rate = Annotated[StrictInt, Field(ge=0, le=100_000_000)]
Line = Annotated[str, Field(min_length=1, max_length=64)]


class PartnerCreate(Body):
    name: Annotated[str, Field(min_length=1, max_length=200, json_schema_extra=schemas.NAME_DOC)]
    phone: Annotated[str, Field(min_length=1, max_length=32)] | None = None


class PartnerContractCreate(Body):
    """A signed contract: the zones and product lines (in the catalogue) it covers, from … to
    (ends_on not before starts_on), and the rates owed per job and per hour."""

    zones: Annotated[list[schemas.Zone], Field(min_length=1, max_length=2)]
    product_lines: Annotated[list[Line], Field(min_length=1, max_length=20)]
    starts_on: Annotated[date, schemas.TERM_DATE]
    ends_on: Annotated[date, schemas.TERM_DATE] = Field(description="not before starts_on")
    call_out_rate: Rate
    hourly_rate: Rate
    signed_on: Annotated[date, schemas.TERM_DATE] | None = None


class PartnerDispute(Body):
    disputed: StrictBool
    note: Annotated[str, Field(max_length=500)] | None = None


def contract_json(contract: PartnerContract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "zones": contract.zones,
        "product_lines": contract.product_lines,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
        "call_out_rate": contract.call_out_rate,
        "hourly_rate": contract.hourly_rate,
        "signed_on": contract.signed_on.isoformat() if contract.signed_on else None,
    }


def partner_json(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "name": partner.name,
        "phone": partner.phone,
        "active": partner.active,
        "disputed": partner.disputed,
        "dispute_note": partner.dispute_note,
        "contracts": [contract_json(c) for c in partner.contracts],
        "staff": [{"id": t.id, "name": t.name} for t in partner_staff(db_session(), partner)],
    }


def statement_json(statement: Statement) -> dict[str, Any]:
    tz = settings().tz
    return {
        "month": statement.month,
        "items": [
            {
                "partner_id": line.partner_id,
                "partner": line.partner,
                "case_number": line.case_number,
                "technician": line.technician,
                "resolved_at": line.resolved_at.astimezone(tz).isoformat(),
                "hours": line.hours,
                "call_out": line.call_out,
                "labour": line.labour,
                "owed": line.owed,
            }
            for line in statement.lines
        ],
        "partners": [
            {"partner_id": t.partner_id, "partner": t.partner, "jobs": t.jobs, "owed": t.owed}
            for t in statement.totals
        ],
        "total": statement.total,
    }


def _today() -> date:
    return calendar_for(settings()).local_date(now())


@blueprint.post("/partners")
@require_roles(*MANAGERS)
def create() -> ResponseReturnValue:
    body = parse_body(PartnerCreate)
    session = db_session()
    partner = create_partner(session, name=body.name.strip(), phone=body.phone)
    session.commit()
    return jsonify(partner_json(partner)), 201


@blueprint.get("/partners")
@require_roles(*MANAGERS)
def index() -> ResponseReturnValue:
    return jsonify({"items": [partner_json(p) for p in list_partners(db_session())]})


@blueprint.get(f"/partners/{PARTNER_ID}")
@require_roles(*MANAGERS)
def show(partner_id: int) -> ResponseReturnValue:
    return jsonify(partner_json(get_partner(db_session(), partner_id)))


@blueprint.post(f"/partners/{PARTNER_ID}/contracts")
@require_roles(*MANAGERS)
def create_contract(partner_id: int) -> ResponseReturnValue:
    body = parse_body(PartnerContractCreate)
    session = db_session()
    partner = get_partner(session, partner_id)
    today = _today()
    for name in ("starts_on", "ends_on", "signed_on"):
        value = getattr(body, name)
        if value is not None:
            check_term_date(value, today=today, field=name)
    contract = add_contract(
        session,
        partner,
        zones=body.zones,
        product_lines=body.product_lines,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        call_out_rate=body.call_out_rate,
        hourly_rate=body.hourly_rate,
        signed_on=body.signed_on,
        known_lines=product_lines(session),
    )
    session.commit()
    return jsonify(contract_json(contract)), 201


@blueprint.post(f"/partners/{PARTNER_ID}/technicians")
@require_roles(*MANAGERS)
def create_staff(partner_id: int) -> ResponseReturnValue:
    """A partner's staff member: a technician carrying the partner's id (R1.4); what they may be
    offered is the contract's, their Telegram works the same job buttons."""
    body = parse_body(schemas.TechnicianCreate)
    session = db_session()
    partner = get_partner(session, partner_id)
    technician = people.create_technician(
        session,
        name=body.name,
        phone=body.phone,
        zone=body.zone,
        region=settings().region,
        certifications=[
            people.CertificationInput(c.product_line, c.valid_until) for c in body.certifications
        ],
        telegram_chat_id=body.telegram_chat_id,
        home=(body.home.lat, body.home.lon) if body.home else None,
        working_days=[d - 1 for d in body.working_days] if body.working_days else None,
        product_lines=product_lines(session),
        today=_today(),
    )
    technician.partner_id = partner.id
    session.commit()
    return jsonify(technician_json(technician)), 201


@blueprint.put(f"/partners/{PARTNER_ID}/dispute")
@require_roles(*MANAGERS)
def dispute(partner_id: int) -> ResponseReturnValue:
    """Flag or clear a dispute: a disputed partner is offered nothing, and its jobs not yet
    reached go on to the next eligible technician or partner at the next tick (R1.4)."""
    body = parse_body(PartnerDispute)
    session = db_session()
    partner = get_partner(session, partner_id)
    set_dispute(partner, disputed=body.disputed, note=body.note)
    session.commit()
    return jsonify(partner_json(partner))


def _statement() -> Statement:
    first, following = parse_month(request.args.get("month"), _today())
    return monthly_statement(db_session(), first, following, settings().tz)


@blueprint.get("/partners/statement")
@require_roles(*ACCOUNTING)
def statement() -> ResponseReturnValue:
    """The month's partner jobs and the amounts owed, per partner and in all (R1.4)."""
    return jsonify(statement_json(_statement()))


@blueprint.get("/partners/statement.csv")
@require_roles(*ACCOUNTING)
def statement_export() -> ResponseReturnValue:
    found = _statement()
    response = Response(statement_csv(found, settings().tz), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="partner-statement-{found.month}.csv"'
    )
    return response
