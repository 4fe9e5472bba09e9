"""Every Korean prompt the phone channel speaks has a translation (ko is the default language)."""

from __future__ import annotations

import ast
from pathlib import Path

from backend.i18n import missing_translations

ROOT = Path(__file__).resolve().parents[2]
SPOKEN_SOURCES = [
    "ivr/phone_menu.py",
    "ivr/views.py",
    "ivr/render.py",
    "ivr/parse.py",
    "backend/dialogues/survey.py",
    "backend/surveys/calling.py",
    "backend/dialogues/opinion.py",
    "backend/dialogues/intake.py",  # issue 16: the fault report's spoken wording
    "backend/casework/promises.py",  # issue 16: what is promised, by SMS too
]


def _message_ids(path: Path) -> list[str]:
    """English sentences passed to say()/text()/translate() or used as prompt texts and labels."""
    ids: list[str] = []
    tree = ast.parse(path.read_text())
    docstrings = {
        ast.get_docstring(node, clean=False)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value not in docstrings
        ):
            text = node.value
            if (
                text[:1].isupper()
                and " " in text
                and not text.startswith(("The ", "A "))
                and text.rstrip().endswith((".", "?", "!"))
                or text.startswith("(")
            ):
                ids.append(text)
    return ids


def test_every_spoken_sentence_has_a_korean_translation() -> None:
    ids = [i for source in SPOKEN_SOURCES for i in _message_ids(ROOT / source)]
    assert len(ids) > 30
    assert missing_translations("ko", ids) == []
