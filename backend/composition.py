"""The composition root: every part of the product, named once, read top to bottom.

Nothing registers itself on import and nothing is imported by a string: each blueprint, outbound
transport, inbox processor, media fetcher, duty and dialogue that exists is listed here, by a
direct import. `create_app`, the worker, `aftersales tick`, `aftersales serve` and
`aftersales bot --polling` all take their parts from `COMPONENTS`.

This module is the top of the house, not a domain package: it may import the channels (`bot`,
`ivr`), which the domain packages never do (the import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from types import MappingProxyType

from flask import Blueprint

from backend import duties as core_duties
from backend.api import customers as customer_views
from backend.api import notes as note_views
from backend.api import openapi
from backend.api import partners as partner_views
from backend.api import promotions as promotion_views
from backend.api import users as users_views
from backend.api import views as api_views
from backend.calls import views as calls_views
from backend.casework import promises
from backend.complaints import duties as complaint_duties
from backend.complaints import views as complaint_views
from backend.dashboard import views as dashboard_views
from backend.db import Database
from backend.dialogues import engine
from backend.dialogues.complaint import COMPLAINT
from backend.dialogues.engine import Dialogue
from backend.dialogues.intake import INTAKE
from backend.dialogues.jobs import DECLINE, PAY, QUOTE, RESOLVE
from backend.dialogues.note import NOTE
from backend.dialogues.opinion import OPINION
from backend.dialogues.quote_call import QUOTE_CONSENT
from backend.dialogues.return_request import RETURN_REQUEST
from backend.dialogues.status import STATUS
from backend.dialogues.suggestion import SUGGESTION
from backend.dialogues.survey import SURVEY
from backend.dialogues.work_report import WORK_REPORT
from backend.dispatch import duties as dispatch_duties
from backend.dispatch import place_views
from backend.dispatch import views as dispatch_views
from backend.dispatch.travel import use_travel_model
from backend.duties import NamedDuty
from backend.fieldwork import duties as fieldwork_duties
from backend.inbox import duties as inbox_duties
from backend.inbox import views as media_views
from backend.inbox.media import Fetcher
from backend.inbox.service import Processor
from backend.key_customers import duties as key_customer_duties
from backend.key_customers import views as key_customer_views
from backend.knowledge import views as document_views
from backend.money import views as money_views
from backend.outbox import duties as outbox_duties
from backend.outbox import views as outbox_views
from backend.outbox.transport import Transport
from backend.people import duties as people_duties
from backend.public import views as public_views
from backend.reports import duties as report_duties
from backend.reports import figure_views as report_figure_views
from backend.reports import views as report_views
from backend.sandbox import views as sandbox_views
from backend.settings import Settings
from backend.stock import abc as stock_abc
from backend.stock import views as stock_views
from backend.surveys import duties as survey_duties
from backend.surveys import views as survey_views
from backend.tasks import views as task_views
from backend.tasks.service import alert
from backend.tools import views as tool_views
from backend.workshop import duties as workshop_duties
from backend.workshop import views as workshop_views
from bot import webhook as telegram_webhook
from bot.files import fetch_telegram_file
from bot.handlers import process_update as process_telegram_update
from bot.transport import TelegramTransport
from ivr import views as ivr_views
from ivr.transport import TwilioCallTransport, TwilioSmsTransport

# Blueprints ----------------------------------------------------------------------------------
# /api/v1 is served by several blueprints (one per domain that has routes); the OpenAPI
# document (backend/api/openapi.py) describes all of them.
BLUEPRINTS: tuple[Blueprint, ...] = (
    api_views.api,  # /api/v1: cases, actions, catalogue, technicians, contracts
    openapi.blueprint,  # /api/v1/openapi.json
    users_views.blueprint,  # /api/v1/users: accounts, passwords, tokens, deactivation (admins)
    calls_views.blueprint,  # /api/v1/cases/<number>/calls
    customer_views.blueprint,  # /api/v1/customers: search, a customer's page
    note_views.blueprint,  # /api/v1/cases/<number>/notes: internal notes
    partner_views.blueprint,  # /api/v1/partners: partner shops, statement (R1.4)
    dispatch_views.blueprint,  # /api/v1/plans/<day>
    place_views.blueprint,  # /api/v1/cases/<number>/location, /api/v1/districts (issue 17)
    media_views.blueprint,  # /api/v1/cases/<number>/media/<n>
    survey_views.blueprint,  # /api/v1/reports/surveys
    complaint_views.blueprint,  # /api/v1/complaints/board
    report_views.blueprint,  # /api/v1/reports/daily, /branches, /reports/analysis (R7.11, R9.1)
    outbox_views.blueprint,  # /api/v1/outbox: failed messages, retry
    key_customer_views.blueprint,  # /api/v1/key-customers, /customers/<id>/visits (R9.6)
    money_views.blueprint,  # /api/v1/fee-schedule, /invoices, /accounting; /invoice/<token>
    stock_views.blueprint,  # /api/v1/stock: on hand, moves, reorder points (R5.1–R5.3)
    report_figure_views.blueprint,  # /api/v1/reports/monthly, technicians/<id>, coverage, sla
    task_views.blueprint,  # /api/v1/tasks: each role's work list, close
    workshop_views.blueprint,  # /api/v1/workshop, /loaners, /units/<serial>/history; receipts
    tool_views.blueprint,  # /api/v1/tools, /tool-handovers, /tool-incidents, /purchase-requests
    promotion_views.blueprint,  # /api/v1/promotions: warranty promotions (R4.2)
    document_views.blueprint,  # /api/v1/documents: manuals, parts lists, guides (R6.2–R6.5)
    dashboard_views.dashboard,  # / (the staff pages)
    public_views.blueprint,  # /suggest: the public suggestion form, its QR code, poster (R9.8)
    sandbox_views.blueprint,  # /sandbox: both channels in a browser (404 unless sandbox mode)
    telegram_webhook.blueprint,  # /telegram/webhook
    ivr_views.blueprint,  # /ivr/*
)

# Inbound channels: who processes a stored update, who fetches a file people sent -------------
PROCESSORS: Mapping[str, Processor] = MappingProxyType({"telegram": process_telegram_update})
FETCHERS: Mapping[str, Fetcher] = MappingProxyType({"telegram": fetch_telegram_file})

# Dialogues: the conversations a customer or technician can have, on any channel --------------
DIALOGUES: tuple[Dialogue, ...] = (
    INTAKE,  # report a fault (Telegram, phone)
    COMPLAINT,  # make a complaint (Telegram, phone)
    STATUS,  # my cases (Telegram, phone)
    SUGGESTION,  # leave a suggestion (R2.10, R9.3; Telegram /suggest, phone key 5)
    RETURN_REQUEST,  # return a product (R3.1–R3.3; Telegram /return, phone key 6)
    NOTE,  # a note or photo about an open case (Telegram)
    DECLINE,  # a technician declines a job (Telegram)
    RESOLVE,  # a technician resolves a job (Telegram)
    QUOTE,  # a technician quotes chargeable work before doing it (Telegram, R4.11)
    PAY,  # a technician records the payment (Telegram, R7.5)
    WORK_REPORT,  # the technician's daily work report (R7.10, Telegram)
    SURVEY,  # the rating survey (R8.4, phone and Telegram)
    OPINION,  # the opinion call (R9.5, phone)
    QUOTE_CONSENT,  # a quote read out by phone: 1 accept, 2 decline (R4.11)
)

# Duties: `tick` runs them in this order, each in its own transaction --------------------------
DUTIES: tuple[NamedDuty, ...] = (
    *core_duties.CORE_DUTIES,  # SLA warnings and breaches, roll-over, contract expiry
    ("deferred_calls", survey_duties.deferred_calls),
    ("survey_calls", survey_duties.survey_calls),
    ("dispatch_acceptance_timeouts", dispatch_duties.acceptance_timeouts),
    ("dispatch_morning_plan", dispatch_duties.morning_plan),
    ("dispatch_help_replans", dispatch_duties.help_replans),
    ("dispatch_late_running", dispatch_duties.late_running),
    ("promise_changes", promises.promise_changes),  # after every re-plan: R2.10, issue 16
    ("inbound_retry", partial(inbox_duties.retry_inbound_updates, processors=PROCESSORS)),
    ("media_downloads", partial(inbox_duties.download_media, fetchers=FETCHERS)),
    ("work_report_prompts", fieldwork_duties.work_report_prompts),
    ("complaint_replies", complaint_duties.chase_replies),  # R2.10, R8.5–R8.7 reply deadlines
    ("key_customer_visits", key_customer_duties.key_customer_visits),  # R9.6
    # after the prompts: the director's report of the day, at closing (R7.11)
    ("director_daily_report", report_duties.director_daily_report),
    ("sign_in_housekeeping", people_duties.prune_sign_in_records),
    ("abc_classes", stock_abc.monthly_abc_classes),  # R5.2, the first tick of each month
    ("delivery_failure_bursts", partial(outbox_duties.delivery_failure_bursts, alert=alert)),
    ("partner_disputes", dispatch_duties.partner_disputes),  # R1.4 a dispute never blocks a job
    ("workshop_late_returns", workshop_duties.late_returns),  # R4.12, R7.9 once per receipt
    ("overdue_loaners", workshop_duties.overdue_loaners),  # R5.4
    ("dispatch_precise_places", dispatch_duties.precise_places),  # issue 17: re-plan on arrival
)


# Outbound transports: one per channel, built from the settings when that channel is configured
def build_transports(settings: Settings) -> dict[str, Transport]:
    """The transports this configuration can use; rows of other channels wait until configured."""
    transports: dict[str, Transport] = {}
    if settings.telegram_enabled:
        transports["telegram"] = TelegramTransport(settings)
    if settings.voice_enabled:
        transports["voice"] = TwilioCallTransport(settings)
        if settings.twilio_phone_number:
            transports["sms"] = TwilioSmsTransport(settings)
    return transports


@dataclass(frozen=True)
class Components:
    """The parts one process runs with; the entry points take them from here, never by import."""

    blueprints: Sequence[Blueprint]
    duties: Sequence[NamedDuty]
    processors: Mapping[str, Processor]
    fetchers: Mapping[str, Fetcher]
    dialogues: Sequence[Dialogue]
    build_transports: Callable[[Settings], dict[str, Transport]]

    def install_dialogues(self) -> None:
        """The dialogue engine runs exactly these (a conversation row names its dialogue)."""
        engine.install(self.dialogues)

    def tick(self, database: Database, settings: Settings, now: datetime) -> dict[str, int]:
        """Every duty once as of `now` (`aftersales tick`; the scheduler calls it each minute)."""
        self.install_dialogues()  # `inbound_retry` runs the Telegram dialogues
        use_travel_model(settings)  # issue 17: a routing engine's table, rush hours
        return core_duties.tick(database, settings, now, duties=self.duties)


COMPONENTS = Components(
    blueprints=BLUEPRINTS,
    duties=DUTIES,
    processors=PROCESSORS,
    fetchers=FETCHERS,
    dialogues=DIALOGUES,
    build_transports=build_transports,
)


def tick(database: Database, settings: Settings, now: datetime) -> dict[str, int]:
    """`COMPONENTS.tick`: every duty of the product once as of `now`."""
    return COMPONENTS.tick(database, settings, now)
