"""The service director's daily report (R7.11) and each branch's sign-off (R7.12).

At closing of each working day the `director_daily_report` duty makes one report: hours per
service category A/B/C/D from the technicians' daily work reports (R7.10), repair jobs done and
late, complaints opened, answered and overdue — for the whole day and for each branch (a team of
technicians under a manager). It is kept (`daily_reports`, listed in the dashboard) and sent to
the service director by Telegram through the outbox. A branch manager then signs the branch's
part off, and the service department is told (R7.12).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from backend.calendar import calendar_for
from backend.cases.machine import ComplaintStatus
from backend.cases.models import Case, CaseEvent, CaseKind
from backend.errors import Conflict, Forbidden, NotFound
from backend.fieldwork.models import WorkReport, WorkReportEntry
from backend.fieldwork.work_reports import day_bounds
from backend.i18n import translate
from backend.outbox.models import OutboxChannel
from backend.outbox.service import enqueue, reachable_staff
from backend.people.models import Role, StaffUser, Technician
from backend.reports.models import Branch, BranchMember, BranchSignOff, DailyReport
from backend.settings import Settings

logger = logging.getLogger(__name__)

CATEGORIES = ("A", "B", "C", "D")  # R7.2
UNANSWERED = (ComplaintStatus.RECEIVED, ComplaintStatus.ROUTED)


class AlreadySigned(Conflict):
    code = "already_signed"


@dataclass
class WorkFigures:
    """Hours and jobs of a group of technicians on one day (the whole day, or one branch)."""

    hours: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0.0))
    technicians_reporting: int = 0
    jobs_done: int = 0
    jobs_late: int = 0


@dataclass
class ComplaintFigures:
    opened: int = 0
    answered: int = 0
    overdue: int = 0


def _in(column: Any, technician_ids: list[int] | None) -> ColumnElement[bool]:
    return true() if technician_ids is None else column.in_(technician_ids)


def work_figures(
    session: Session, settings: Settings, day: date, technician_ids: list[int] | None = None
) -> WorkFigures:
    """R7.11: hours per category as the technicians reported them; jobs done and late that day."""
    figures = WorkFigures()
    rows = session.execute(
        select(WorkReportEntry.category, func.sum(WorkReportEntry.hours))
        .join(WorkReport, WorkReportEntry.report_id == WorkReport.id)
        .where(WorkReport.day == day, _in(WorkReport.technician_id, technician_ids))
        .group_by(WorkReportEntry.category)
    ).all()
    for category, hours in rows:
        figures.hours[str(category)] = round(float(hours or 0), 2)
    figures.technicians_reporting = int(
        session.scalar(
            select(func.count(WorkReport.id)).where(
                WorkReport.day == day, _in(WorkReport.technician_id, technician_ids)
            )
        )
        or 0
    )
    start, end = day_bounds(settings, day)
    repairs = and_(Case.kind == CaseKind.REPAIR, _in(Case.assigned_technician_id, technician_ids))
    figures.jobs_done = int(
        session.scalar(
            select(func.count(Case.id)).where(
                repairs, Case.resolved_at >= start, Case.resolved_at < end
            )
        )
        or 0
    )
    # Late (R7.14): due that day, and arrived after the deadline or not at all by the report.
    closing = calendar_for(settings).end_of_day(day)
    figures.jobs_late = int(
        session.scalar(
            select(func.count(Case.id)).where(
                repairs,
                Case.sla_due_at >= start,
                Case.sla_due_at < end,
                Case.status != "cancelled",
                or_(
                    Case.arrived_at > Case.sla_due_at,
                    and_(Case.arrived_at.is_(None), Case.sla_due_at < closing),
                ),
            )
        )
        or 0
    )
    return figures


def complaint_figures(session: Session, settings: Settings, day: date) -> ComplaintFigures:
    """Complaints opened and answered that day, and those overdue at closing.

    Overdue: unanswered past the reply deadline when cases carry one (`reply_due_at`, issue 10
    part A); until then, unanswered and reported before that day."""
    start, end = day_bounds(settings, day)
    complaints = Case.kind == CaseKind.COMPLAINT
    opened = session.scalar(
        select(func.count(Case.id)).where(
            complaints, Case.reported_at >= start, Case.reported_at < end
        )
    )
    answered = session.scalar(
        select(func.count(func.distinct(CaseEvent.case_id)))
        .join(Case, CaseEvent.case_id == Case.id)
        .where(complaints, CaseEvent.action == "answer", CaseEvent.at >= start, CaseEvent.at < end)
    )
    reply_due_at = getattr(Case, "reply_due_at", None)
    late = (
        reply_due_at < calendar_for(settings).end_of_day(day)
        if reply_due_at is not None
        else Case.reported_at < start
    )
    overdue = session.scalar(
        select(func.count(Case.id)).where(complaints, Case.status.in_(UNANSWERED), late)
    )
    return ComplaintFigures(int(opened or 0), int(answered or 0), int(overdue or 0))


def branches(session: Session) -> list[Branch]:
    return list(
        session.scalars(
            select(Branch).options(selectinload(Branch.members)).order_by(Branch.name)
        ).all()
    )


def day_figures(session: Session, settings: Settings, day: date) -> dict[str, Any]:
    """The whole report as stored and served: the day, each branch's part, the complaints."""
    return {
        "day": day.isoformat(),
        "total": asdict(work_figures(session, settings, day)),
        "complaints": asdict(complaint_figures(session, settings, day)),
        "branches": [
            {
                "id": branch.id,
                "name": branch.name,
                "manager_user_id": branch.manager_user_id,
                "technician_ids": [m.technician_id for m in branch.members],
                **asdict(
                    work_figures(session, settings, day, [m.technician_id for m in branch.members])
                ),
            }
            for branch in branches(session)
        ],
    }


def report_of_day(session: Session, day: date) -> DailyReport | None:
    return session.scalar(select(DailyReport).where(DailyReport.day == day))


def make_daily_report(
    session: Session, settings: Settings, day: date, *, now: datetime
) -> DailyReport | None:
    """The day's report, made and sent once (None when it exists already)."""
    if report_of_day(session, day) is not None:
        return None
    report = DailyReport(day=day, figures=day_figures(session, settings, day), made_at=now)
    session.add(report)
    session.flush()
    for director in reachable_staff(session, Role.SERVICE_DIRECTOR):
        enqueue(
            session,
            channel=OutboxChannel.TELEGRAM,
            recipient=director.telegram_chat_id or 0,
            payload={"text": report_text(report.figures, director.language)},
            purpose="daily_report",
            dedupe_key=f"daily-report:{day.isoformat()}:user{director.id}",
            now=now,
        )
    logger.info("daily report of %s made", day.isoformat())
    return report


def _work_line(figures: dict[str, Any], language: str) -> str:
    hours = figures["hours"]
    return translate(
        language,
        "Hours A {a} · B {b} · C {c} · D {d}; jobs done {done}, late {late}",
        a=hours.get("A", 0),
        b=hours.get("B", 0),
        c=hours.get("C", 0),
        d=hours.get("D", 0),
        done=figures["jobs_done"],
        late=figures["jobs_late"],
    )


def report_text(figures: dict[str, Any], language: str) -> str:
    """The Telegram message to the service director (R7.11)."""
    complaints = figures["complaints"]
    lines = [
        translate(language, "Daily report {day}", day=figures["day"]),
        _work_line(figures["total"], language),
        translate(
            language,
            "Complaints: opened {opened}, answered {answered}, overdue {overdue}",
            **complaints,
        ),
    ]
    lines.extend(f"{part['name']}: {_work_line(part, language)}" for part in figures["branches"])
    return "\n".join(lines)


def sign_off_branch(
    session: Session,
    *,
    day: date,
    branch_id: int,
    user: StaffUser,
    note: str | None,
    now: datetime,
) -> BranchSignOff:
    """R7.12: the branch's manager signs its part of the day's report; the service department
    (the service director) is told."""
    report = report_of_day(session, day)
    if report is None:
        raise NotFound(f"no daily report of {day.isoformat()}", field="day")
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise NotFound(f"no branch {branch_id}", field="branch_id")
    if branch.manager_user_id != user.id:
        raise Forbidden("only the branch's manager signs its report off", field="branch_id")
    if any(s.branch_id == branch_id for s in report.sign_offs):
        raise AlreadySigned("this branch has signed this day off already", field="branch_id")
    sign_off = BranchSignOff(
        report=report,
        branch_id=branch_id,
        signed_by_user_id=user.id,
        signed_at=now,
        note=(note or "").strip()[:2000] or None,
    )
    session.add(sign_off)
    session.flush()
    for director in reachable_staff(session, Role.SERVICE_DIRECTOR):
        enqueue(
            session,
            channel=OutboxChannel.TELEGRAM,
            recipient=director.telegram_chat_id or 0,
            payload={
                "text": translate(
                    director.language,
                    "{branch} signed off its part of the daily report {day}.",
                    branch=branch.name,
                    day=day.isoformat(),
                )
            },
            purpose="branch_sign_off",
            dedupe_key=f"branch-sign-off:{day.isoformat()}:{branch_id}:user{director.id}",
            now=now,
        )
    return sign_off


def report_json(report: DailyReport, tz: Any) -> dict[str, Any]:
    """A stored report with who signed which branch off, and when."""
    signed = {s.branch_id: s for s in report.sign_offs}
    figures = report.figures
    return {
        **figures,
        "made_at": report.made_at.astimezone(tz).isoformat(),
        "branches": [
            {
                **part,
                "signed_off": None
                if part["id"] not in signed
                else {
                    "by_user_id": signed[part["id"]].signed_by_user_id,
                    "at": signed[part["id"]].signed_at.astimezone(tz).isoformat(),
                    "note": signed[part["id"]].note,
                },
            }
            for part in figures["branches"]
        ],
    }


def list_reports(session: Session, *, page: int = 1, size: int = 31) -> list[DailyReport]:
    return list(
        session.scalars(
            select(DailyReport)
            .options(selectinload(DailyReport.sign_offs))
            .order_by(DailyReport.day.desc())
            .offset((page - 1) * size)
            .limit(size)
        ).all()
    )


def create_branch(
    session: Session, *, name: str, manager_user_id: int | None, technician_ids: list[int]
) -> Branch:
    """A branch; its technicians leave any branch they were in (one branch each)."""
    if session.scalar(select(Branch.id).where(Branch.name == name)) is not None:
        raise Conflict(f"a branch named {name} exists", field="name")
    if manager_user_id is not None and session.get(StaffUser, manager_user_id) is None:
        raise NotFound(f"no staff user {manager_user_id}", field="manager_user_id")
    for technician_id in technician_ids:
        if session.get(Technician, technician_id) is None:
            raise NotFound(f"no technician {technician_id}", field="technician_ids")
    branch = Branch(name=name, manager_user_id=manager_user_id)
    session.add(branch)
    session.flush()
    for technician_id in dict.fromkeys(technician_ids):
        member = session.get(BranchMember, technician_id)
        if member is None:
            session.add(BranchMember(technician_id=technician_id, branch_id=branch.id))
        else:
            member.branch_id = branch.id
    session.flush()
    session.refresh(branch)
    return branch
