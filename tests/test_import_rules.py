"""The wiring stays visible: one composition root names every part, nothing registers itself on
import or is imported by a string, the import-linter contracts hold, and backend's packages
import each other without cycles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
from flask import Blueprint, Flask

from backend.composition import COMPONENTS, DUTIES
from backend.dialogues.engine import REGISTRY, Dialogue

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("backend", "bot", "ivr")

# Spelled in pieces so that `git grep` for them finds nothing in the tree, this file included.
FORBIDDEN_TEXT = (
    "import" + "_module",  # import by a string
    "__" + "import__",
    "ModuleNot" + "FoundError",  # an optional part that silently goes missing
    "noqa: " + "F401",  # an import kept only for what it does on import
)


def _source_files() -> list[Path]:
    return sorted(path for package in SOURCES for path in (ROOT / package).rglob("*.py"))


def test_nothing_is_imported_by_a_string_or_for_its_side_effects() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _source_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(text in line for text in FORBIDDEN_TEXT)
    ]
    assert offending == []


def test_the_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _package_of(module: str) -> str:
    """`backend.cases.models` → `backend.cases`; a module of `backend` itself stands alone."""
    return ".".join(module.split(".")[:2])


def _package_imports() -> dict[str, set[str]]:
    graph = grimp.build_graph("backend", cache_dir=None)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            importer, target = _package_of(module), _package_of(imported)
            if importer != target and target != "backend":
                edges.setdefault(importer, set()).add(target)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            groups.append(sorted([node, *group]))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [group for group in groups if len(group) > 1]


def test_backend_packages_import_each_other_without_cycles() -> None:
    """Also an import-linter contract (acyclic_siblings); this one names the whole cycle."""
    assert _cycles(_package_imports()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]
    edges["c"] = set()
    assert _cycles(edges) == []


def test_every_blueprint_in_the_code_is_registered_by_the_composition_root(app: Flask) -> None:
    defined = {
        value
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in SOURCES
        for value in vars(module).values()
        if isinstance(value, Blueprint)
    }
    assert defined <= set(COMPONENTS.blueprints)
    assert set(app.blueprints) == {blueprint.name for blueprint in COMPONENTS.blueprints}


def _concrete_dialogue_classes(base: type[Dialogue]) -> set[type[Dialogue]]:
    found: set[type[Dialogue]] = set()
    for subclass in base.__subclasses__():
        if "name" in vars(subclass):
            found.add(subclass)
        found |= _concrete_dialogue_classes(subclass)
    return found


def test_every_dialogue_is_installed_from_the_composition_root() -> None:
    installed = {type(dialogue) for dialogue in COMPONENTS.dialogues}
    assert _concrete_dialogue_classes(Dialogue) <= installed
    assert set(REGISTRY) == {dialogue.name for dialogue in COMPONENTS.dialogues}


def test_tick_runs_the_duties_in_the_stated_order() -> None:
    assert [name for name, _duty in DUTIES] == [
        "sla_warnings",
        "sla_breaches",
        "roll_over",
        "contract_expiry",
        "deferred_calls",
        "survey_calls",
        "dispatch_acceptance_timeouts",
        "dispatch_morning_plan",
        "dispatch_help_replans",
        "dispatch_late_running",
        "promise_changes",  # after every re-plan (issue 16, R2.10)
        "inbound_retry",
        "media_downloads",
        "work_report_prompts",
        "complaint_replies",
        "key_customer_visits",
        "director_daily_report",
        "sign_in_housekeeping",
        "abc_classes",
        "delivery_failure_bursts",
        "partner_disputes",
        "workshop_late_returns",
        "overdue_loaners",
        "dispatch_precise_places",
    ]
