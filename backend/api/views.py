"""/api/v1: thin routes that parse input, call a flow, and answer JSON."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from backend.api import schemas
from backend.api.case_relations import CaseRelations, relations_of
from backend.api.serializers import case_json, contract_json, product_json, technician_json
from backend.calendar import calendar_for
from backend.cases.access import hidden_parts, visible_case, visible_cases
from backend.cases.machine import ALL_ACTIONS, ALL_STATUSES
from backend.cases.models import Case, CaseKind
from backend.cases.permissions import roles_for, sees_technician, sees_technician_home
from backend.cases.service import CaseFilter
from backend.casework.flows import intake_case, perform_action
from backend.casework.intake import CustomerInput, IntakeRequest, ProductInput
from backend.catalog import service as catalog
from backend.errors import Forbidden, NotFound, ValidationError
from backend.parsing import whole_number
from backend.people import service as people
from backend.surveys.performance import parse_month, technician_performance
from backend.web import db_session, now, reads_only, settings
from backend.web.auth import current_actor, current_user, require_roles
from backend.web.bodies import parse_body

api = Blueprint("api", __name__, url_prefix="/api/v1")

# Route-level gates: coarse, read from the permission matrix (backend/cases/permissions.py);
# each step on a case is decided there too, by `can`.
INTAKE_ROLES = tuple(sorted(roles_for("intake")))
CATALOGUE_ROLES = tuple(sorted(roles_for("catalogue")))


def query_int(name: str, *, minimum: int = 1) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    number = whole_number(raw, minimum=minimum, max_length=9)
    if number is None:
        raise ValidationError(f"{name} must be a whole number ≥ {minimum}", field=name)
    return number


def query_choice(name: str, choices: Collection[str]) -> str | None:
    raw = request.args.get(name) or None
    if raw is not None and raw not in choices:
        raise ValidationError(f"{name} must be one of {', '.join(sorted(choices))}", field=name)
    return raw


def _case_json(case: Case, relations: CaseRelations | None = None) -> dict[str, Any]:
    """The case without what the reader may not see (the matrix's redaction)."""
    actor = current_actor()
    return case_json(db_session(), case, settings().tz, hidden_parts(actor, case), relations)


def _case_response(case: Case, status: int = 200) -> ResponseReturnValue:
    return jsonify(_case_json(case)), status


@api.post("/cases")
@require_roles(*INTAKE_ROLES)
def create_case() -> ResponseReturnValue:
    body = parse_body(schemas.CaseCreate)
    session = db_session()
    intake = IntakeRequest(
        kind=body.kind,
        channel=body.channel,
        description=body.description,
        customer=CustomerInput(
            name=body.customer.name,
            phone=body.customer.phone,
            address=body.customer.address,
            zone=body.customer.zone,
        ),
        product=None
        if body.product is None
        else ProductInput(
            model=body.product.model,
            serial_number=body.product.serial_number,
            purchased_on=body.product.purchased_on,
        ),
        reported_at=body.reported_at,
        topic=body.topic,
        severity=body.severity,
        about_after_sales=body.about_after_sales,
        about_technician_id=body.about_technician_id,
        about_staff_id=body.about_staff_id,
        dealer=body.dealer,
        lat=body.location.lat if body.location else None,
        lon=body.location.lon if body.location else None,
        place=body.place,
    )
    case = intake_case(session, intake, settings=settings(), now=now(), actor=current_actor())
    session.commit()
    return _case_response(case, 201)


@api.get("/cases/<number>")
@reads_only
@require_roles()
def show_case(number: str) -> ResponseReturnValue:
    return _case_response(visible_case(db_session(), current_actor(), number))


@api.get("/cases")
@reads_only
@require_roles()
def index_cases() -> ResponseReturnValue:
    case_filter = CaseFilter(
        status=query_choice("status", ALL_STATUSES),
        kind=query_choice("kind", set(CaseKind)),
        channel=query_choice("channel", {"phone", "telegram", "email", "letter", "visit", "web"}),
        technician_id=query_int("technician_id"),
    )
    page = query_int("page") or 1
    session = db_session()
    result = visible_cases(session, current_actor(), case_filter, page=page)
    relations = relations_of(session, result.items)  # for the page, not one case at a time
    return jsonify(
        {
            "items": [_case_json(c, relations) for c in result.items],
            "page": result.page,
            "pages": result.pages,
            "total": result.total,
        }
    )


@api.post("/cases/<number>/actions/<action>")
@require_roles()
def case_action(number: str, action: str) -> ResponseReturnValue:
    if action not in ALL_ACTIONS:
        raise NotFound(
            f"unknown action {action!r}; actions: {', '.join(ALL_ACTIONS)}", field="action"
        )
    session = db_session()
    case = visible_case(session, current_actor(), number)
    body = parse_body(schemas.ActionBody, optional=True)
    perform_action(
        session,
        case,
        action,
        actor=current_actor(),
        body=body.model_dump(exclude_none=True, mode="json"),
        settings=settings(),
        now=now(),
    )
    session.commit()
    return _case_response(case)


@api.post("/products")
@require_roles(*CATALOGUE_ROLES)
def create_product() -> ResponseReturnValue:
    body = parse_body(schemas.ProductCreate)
    session = db_session()
    product = catalog.create_product(
        session,
        model=body.model,
        name=body.name,
        product_line=body.product_line,
        warranty_months=body.warranty_months,
        parts=[catalog.PartInput(p.code, p.name, p.warranty_months, p.price) for p in body.parts],
        max_amount=settings().max_amount,
    )
    session.commit()
    return jsonify(product_json(product)), 201


@api.get("/products")
@require_roles()
def index_products() -> ResponseReturnValue:
    return jsonify({"items": [product_json(p) for p in catalog.list_products(db_session())]})


@api.post("/technicians")
@require_roles(*roles_for("technicians"))
def create_technician() -> ResponseReturnValue:
    body = parse_body(schemas.TechnicianCreate)
    session = db_session()
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
        product_lines=catalog.product_lines(session),
        today=calendar_for(settings()).local_date(now()),
    )
    session.commit()
    return jsonify(technician_json(technician)), 201


@api.get("/technicians")
@require_roles()
def index_technicians() -> ResponseReturnValue:
    """Every technician; a technician sees only their own record (finding 3)."""
    actor = current_actor()
    return jsonify(
        {
            "items": [
                technician_json(t, with_contact=sees_technician_home(actor, t.id))
                for t in people.list_technicians(db_session())
                if sees_technician(actor, t.id)
            ]
        }
    )


@api.get("/technicians/<int:technician_id>")
@require_roles()
def show_technician(technician_id: int) -> ResponseReturnValue:
    actor = current_actor()
    if not sees_technician(actor, technician_id):
        raise NotFound(f"no technician {technician_id}", field="technician_id")
    technician = people.get_technician(db_session(), technician_id)
    return jsonify(
        technician_json(technician, with_contact=sees_technician_home(actor, technician_id))
    )


@api.get("/technicians/<int:technician_id>/performance")
@require_roles()
def technician_month(technician_id: int) -> ResponseReturnValue:
    actor = current_actor()
    if current_user().role not in roles_for("evaluations") and actor.technician_id != technician_id:
        raise Forbidden("only managers and the technician see this evaluation")
    session = db_session()
    people.get_technician(session, technician_id)
    today = calendar_for(settings()).local_date(now())
    year, month = parse_month(request.args.get("month"), today)
    return jsonify(
        technician_performance(session, technician_id, settings=settings(), year=year, month=month)
    )


@api.post("/contracts")
@require_roles(*roles_for("contracts"))
def create_contract() -> ResponseReturnValue:
    body = parse_body(schemas.ContractCreate)
    session = db_session()
    customer = people.upsert_customer(
        session, name=body.customer.name, phone=body.customer.phone, region=settings().region
    )
    product = catalog.get_product_by_model(session, body.product.model)
    contract = catalog.create_contract(
        session,
        customer=customer,
        product=product,
        serial_number=body.product.serial_number,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        today=calendar_for(settings()).local_date(now()),
    )
    session.commit()
    return jsonify(contract_json(contract)), 201


@api.get("/contracts")
@require_roles(*roles_for("contracts_read"))
def index_contracts() -> ResponseReturnValue:
    return jsonify({"items": [contract_json(c) for c in catalog.list_contracts(db_session())]})


@api.post("/technicians/<int:technician_id>/link-code")
@require_roles(*roles_for("link_codes"))
def create_technician_link_code(technician_id: int) -> ResponseReturnValue:
    """A one-time code the technician sends to the bot (/link CODE) to see their jobs (R6.5)."""
    from backend.fieldwork.links import create_link_code

    session = db_session()
    technician = people.get_technician(session, technician_id)
    code, expires_at = create_link_code(
        session, technician, now=now(), created_by=f"user:{current_user().id}"
    )
    session.commit()
    return jsonify(
        {
            "technician_id": technician.id,
            "code": code,
            "expires_at": expires_at.astimezone(settings().tz).isoformat(),
            "instructions": f"Send /link {code} to the bot in Telegram.",
        }
    ), 201
