"""Pre-assessment of a repair (R4.6, R4.7) from past repair cards of the same model.

The cards are the model's resolved repairs: the parts fitted (the case's charges) and the minutes
on site (arrival to resolution). Cards whose fault description shares a symptom word with the new
one are used when there are enough of them; otherwise every card of the model. A part fitted on at
least `LIKELY_SHARE` of those cards is likely; the median minutes on site is the planner's
estimate (instead of the fixed guess per product line). The technician's job push names the
likely parts and whether their van holds them.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases.models import Case, CaseKind
from backend.i18n import translate

HISTORY_LIMIT = 500  # the model's most recent cards: recent failures say most
MIN_SIMILAR = 5  # fewer cards with a shared symptom word than this: use all the model's cards
MIN_CARDS = 3  # fewer cards than this: no pre-assessment
LIKELY_SHARE = 0.2  # a part fitted on at least a fifth of the cards is likely
MAX_PARTS = 3
_WORD = re.compile(r"\w+")
# Korean particles and endings glued to a word ("소음이", "물이 새요"): cut so words compare.
_ENDINGS = ("에서", "이", "가", "을", "를", "은", "는", "에", "도", "요", "고", "서")


@dataclass(frozen=True)
class RepairCard:
    """What one past repair tells: the parts fitted, the symptom words, the minutes on site."""

    parts: frozenset[str]
    words: frozenset[str]
    minutes: float | None


def symptom_words(text: str) -> frozenset[str]:
    """The description's words, lower-cased, Korean particles cut, one-letter words dropped."""
    words = set()
    for word in _WORD.findall(text.lower()):
        for ending in _ENDINGS:
            if len(word) > len(ending) + 1 and word.endswith(ending):
                word = word[: -len(ending)]
                break
        if len(word) >= 2 and not word.isdigit():
            words.add(word)
    return frozenset(words)


def assess(
    cards: Sequence[RepairCard], description: str, names: Mapping[str, str]
) -> dict[str, Any] | None:
    """Likely parts (code, name, frequency 0–1) and on-site minutes; None without history."""
    if len(cards) < MIN_CARDS:
        return None
    words = symptom_words(description)
    similar = [card for card in cards if card.words & words]
    basis = similar if len(similar) >= MIN_SIMILAR else list(cards)
    counts: Counter[str] = Counter(code for card in basis for code in card.parts)
    likely = [
        {"code": code, "name": names.get(code, code), "frequency": round(count / len(basis), 2)}
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if count / len(basis) >= LIKELY_SHARE
    ][:MAX_PARTS]
    minutes = [card.minutes for card in basis if card.minutes is not None]
    return {
        "basis": len(basis),
        "by_symptoms": basis is similar,
        "parts": likely,
        "minutes": round(statistics.median(minutes)) if len(minutes) >= MIN_CARDS else None,
    }


def repair_cards(
    session: Session, product_id: int, *, before_case_id: int | None
) -> list[RepairCard]:
    """The model's resolved repairs, newest first (the case being assessed left out)."""
    query = (
        select(Case.charges, Case.description, Case.arrived_at, Case.resolved_at)
        .where(
            Case.kind == CaseKind.REPAIR,
            Case.product_id == product_id,
            Case.resolved_at.is_not(None),
            Case.charges.is_not(None),
        )
        .order_by(Case.resolved_at.desc())
        .limit(HISTORY_LIMIT)
    )
    if before_case_id is not None:
        query = query.where(Case.id != before_case_id)
    return [_card(*row) for row in session.execute(query)]


def _card(charges: Any, description: str, arrived_at: Any, resolved_at: Any) -> RepairCard:
    parts = frozenset(
        str(p.get("code")) for p in (charges or {}).get("parts", []) if isinstance(p, dict)
    )
    minutes = None
    if arrived_at is not None and resolved_at is not None:
        on_site = (resolved_at - arrived_at).total_seconds() / 60
        minutes = on_site if 0 < on_site <= 8 * 60 else None  # a card left open is no figure
    return RepairCard(parts, symptom_words(description or ""), minutes)


def pre_assess(session: Session, case: Case) -> dict[str, Any] | None:
    """The case's pre-assessment from its model's history (None: no model, or too little)."""
    if case.product is None or case.kind != CaseKind.REPAIR:
        return None
    cards = repair_cards(session, case.product.id, before_case_id=case.id)
    names = {part.code: part.name for part in case.product.parts}
    return assess(cards, case.description or "", names)


def likely_parts(case: Case) -> list[str]:
    """The likely part codes of the case's pre-assessment, most likely first."""
    return [p["code"] for p in (case.pre_assessment or {}).get("parts", [])]


def likely_lines(case: Case, van: Mapping[str, int], language: str) -> list[str]:
    """R4.7 for the job push: "likely: drive motor 62 % — bring it", checked against the van."""
    lines = []
    for part in (case.pre_assessment or {}).get("parts", []):
        held = van.get(part["code"], 0)
        lines.append(
            translate(
                language,
                "Likely: {part} {percent} % — bring it ({held} in your van)"
                if held
                else "Likely: {part} {percent} % — not in your van: pick it up first",
                part=part["name"],
                percent=round(part["frequency"] * 100),
                held=held,
            )
        )
    return lines
