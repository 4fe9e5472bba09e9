"""Settings come from the environment only through backend.settings, and a bad value stops them."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.dispatch.solver import PlannerOptions
from backend.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_solver_log_is_off_unless_asked_for(tmp_path: Path) -> None:
    assert (
        load_settings({"AFTERSALES_VAR_DIR": str(tmp_path)}, read_dotenv=False).dispatch_solver_log
        is False
    )
    on = load_settings(
        {"AFTERSALES_VAR_DIR": str(tmp_path), "DISPATCH_SOLVER_LOG": "Yes"}, read_dotenv=False
    )
    assert on.dispatch_solver_log is True
    assert PlannerOptions(log_search=on.dispatch_solver_log).log_search is True


def test_a_solver_log_value_that_is_not_a_yes_or_no_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DISPATCH_SOLVER_LOG"):
        load_settings(
            {"AFTERSALES_VAR_DIR": str(tmp_path), "DISPATCH_SOLVER_LOG": "maybe"},
            read_dotenv=False,
        )


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for package in ("backend", "bot", "ivr")
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if ("os.environ" in line or "getenv(" in line) and path.name != "settings.py"
    ]
    # python-telegram-bot's documented opt-in to timedelta retry_after, set for the library.
    assert readers == ["bot/transport.py"]
