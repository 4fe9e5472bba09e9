"""Time comes in as an argument: domain code in backend/ never reads the real clock. Only the
entry points listed below decide the moment (a CLI command, the scheduler's tick, the worker's and
the app's default clock) and hand it down as `now`, so every rule is tested with a chosen now."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Every place in backend/ that reads the real clock on purpose, as (file, enclosing function).
# An entry that no longer reads the clock fails the test too: shrink this list, never grow it
# for domain code.
ALLOWED_CLOCK_READS: dict[tuple[str, str], str] = {
    ("backend/db.py", "utcnow"): "the definition of the real clock",
    ("backend/cli.py", "seed"): "a CLI command takes its moment when it runs",
    ("backend/cli.py", "technician_link_code"): "a CLI command takes its moment when it runs",
    ("backend/cli.py", "tick"): "a CLI command takes its moment when it runs (or --at)",
    ("backend/cli.py", "plan"): "a CLI command takes its moment when it runs",
    ("backend/cli.py", "token_create"): "a CLI command takes its moment when it runs",
    ("backend/cli.py", "token_revoke"): "a CLI command takes its moment when it runs",
    ("backend/cli.py", "user_deactivate"): "a CLI command takes its moment when it runs",
    ("backend/scheduler.py", "Worker.__init__"): "the scheduler's default clock parameter",
    ("backend/scheduler.py", "Worker.start"): "the scheduler's first run is immediate",
    ("backend/outbox/worker.py", "deliver_one"): "the worker's default clock parameter",
    ("backend/outbox/worker.py", "deliver_due"): "the worker's default clock parameter",
    ("backend/app.py", "create_app"): "the app's clock, unless the config gives one",
    ("backend/web/__init__.py", "init_app"): "the default clock behind backend.web.now()",
    (
        "backend/sandbox/clock.py",
        "SandboxClock.__init__",
    ): "the sandbox's clock is real time, shifted",
    ("backend/cli.py", "serve"): "the web app's clock (shifted in the sandbox)",
    ("backend/cli.py", "_worker"): "the worker's default clock parameter",
    ("backend/outbox/worker.py", "run_forever"): "the worker's default clock parameter",
    ("backend/inbox/worker.py", "run_inbox"): "the inbox worker's default clock parameter",
}

# Functions and methods that read the wall clock. time.monotonic/perf_counter are not here: they
# measure how long something took (the planner's time budget), not what time it is.
CLOCK_FUNCTIONS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}
CLOCK_NAMES = {"utcnow"}  # backend.db.utcnow, called or passed on as a clock
COLUMN_DEFAULT_KEYWORDS = {"default", "onupdate"}  # created_at-style audit stamps in models


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _ClockReads(ast.NodeVisitor):
    """(line, enclosing function) of each read of the real clock in one module."""

    def __init__(self) -> None:
        self.scope: list[str] = []
        self.names = set(CLOCK_NAMES)
        self.found: list[tuple[int, str]] = []
        self.column_defaults: set[int] = set()  # id() of utcnow nodes used as column defaults

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _enter

    def _read(self, node: ast.AST) -> None:
        self.found.append((getattr(node, "lineno", 0), ".".join(self.scope) or "<module>"))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name in CLOCK_NAMES or (node.module, alias.name) in CLOCK_FUNCTIONS:
                self.names.add(alias.asname or alias.name)

    def visit_Call(self, node: ast.Call) -> None:
        if _last_name(node.func) == "mapped_column":
            for keyword in node.keywords:
                if keyword.arg in COLUMN_DEFAULT_KEYWORDS:
                    self.column_defaults.add(id(keyword.value))
        func = node.func
        if isinstance(func, ast.Attribute) and (_last_name(func.value), func.attr) in (
            CLOCK_FUNCTIONS
        ):
            self._read(node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.names and id(node) not in self.column_defaults:
            self._read(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        called_above = (_last_name(node.value), node.attr) in CLOCK_FUNCTIONS  # datetime.utcnow
        if node.attr in CLOCK_NAMES and id(node) not in self.column_defaults and not called_above:
            self._read(node)
        self.generic_visit(node)


def clock_reads(source: str) -> list[tuple[int, str]]:
    """Where `source` reads the real clock: (line, enclosing function)."""
    visitor = _ClockReads()
    visitor.visit(ast.parse(source))
    return visitor.found


def test_the_scan_finds_clock_reads_and_passes_column_defaults() -> None:
    source = (
        "from datetime import UTC, datetime\n"
        "from backend.db import utcnow as clock\n"
        "import backend.db\n"
        "stamp = mapped_column(default=clock, onupdate=clock)\n"
        "def close(task):\n"
        "    task.done_at = clock()\n"
        "def remind(now=None):\n"
        "    return now or datetime.now(UTC)\n"
        "class Job:\n"
        "    def run(self, at=backend.db.utcnow):\n"
        "        return at()\n"
        "def legacy():\n"
        "    return datetime.utcnow()\n"
    )
    assert clock_reads(source) == [(6, "close"), (8, "remind"), (10, "Job.run"), (13, "legacy")]


def test_domain_code_takes_time_as_an_argument() -> None:
    reads: dict[tuple[str, str], list[int]] = {}
    for path in sorted((ROOT / "backend").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for line, function in clock_reads(path.read_text(encoding="utf-8")):
            reads.setdefault((name, function), []).append(line)
    unexpected = {
        f"{name}:{lines[0]} in {function}": "reads the real clock; take `now` as an argument"
        for (name, function), lines in reads.items()
        if (name, function) not in ALLOWED_CLOCK_READS
    }
    assert unexpected == {}
    stale = set(ALLOWED_CLOCK_READS) - set(reads)
    assert stale == set(), "no longer reads the clock: remove from ALLOWED_CLOCK_READS"
