"""The rows of other tables a case's JSON shows, read for a whole page of cases at once.

A case shows its survey, goods receipt and loaner, suggestion, formal case and stored files.
Read one case at a time, that was five statements a case — a board page of 20 cost 60 more
statements than its cases (issue 14). Here the one-per-case tables come in a single statement
of outer joins, and the rarer ones (files, loans) in one statement each, only when a case on
the page has some.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from backend.cases.models import Case
from backend.inbox.media import media_rows_of
from backend.inbox.models import MediaFile
from backend.suggestions.models import Suggestion
from backend.surveys.models import Survey
from backend.workshop.models import GoodsReceipt, LoanerLoan
from backend.workshop.service import open_loans_of_cases


@dataclass(frozen=True)
class CaseRelations:
    """By case id: what `case_json` shows from tables other than the case's own."""

    surveys: dict[int, Survey] = field(default_factory=dict)
    receipts: dict[int, GoodsReceipt] = field(default_factory=dict)
    loans: dict[int, LoanerLoan] = field(default_factory=dict)
    suggestions: dict[int, Suggestion] = field(default_factory=dict)
    formal_numbers: dict[int, str] = field(default_factory=dict)
    media: dict[int, list[MediaFile]] = field(default_factory=dict)


def _one_per_case() -> Select[int, Survey, GoodsReceipt, Suggestion, str]:
    formal = aliased(Case)
    return (
        select(Case.id, Survey, GoodsReceipt, Suggestion, formal.number)
        .select_from(Case)
        .outerjoin(Survey, Survey.case_id == Case.id)
        .outerjoin(GoodsReceipt, GoodsReceipt.case_id == Case.id)
        .outerjoin(Suggestion, Suggestion.case_id == Case.id)
        .outerjoin(formal, formal.id == Case.formal_case_id)
        .where(Case.id.in_(bindparam("ids", expanding=True)))
    )


# Built once: constructing this statement (an alias, four joins) cost more per request than
# running it.
ONE_PER_CASE = _one_per_case()


def relations_of(session: Session, cases: Sequence[Case]) -> CaseRelations:
    """The related rows of `cases`: one statement for the one-per-case tables (each has a unique
    case_id), and one for files and one for loans when a case needs them."""
    if not cases:
        return CaseRelations()
    rows = session.execute(ONE_PER_CASE, {"ids": [case.id for case in cases]}).all()
    relations = CaseRelations(media=media_rows_of(session, cases))
    for case_id, survey, receipt, suggestion, formal_number in rows:
        if survey is not None:
            relations.surveys[case_id] = survey
        if receipt is not None:
            relations.receipts[case_id] = receipt
        if suggestion is not None:
            relations.suggestions[case_id] = suggestion
        if formal_number is not None:
            relations.formal_numbers[case_id] = formal_number
    relations.loans.update(open_loans_of_cases(session, list(relations.receipts)))
    return relations
