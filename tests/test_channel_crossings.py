"""The channels only translate: each Twilio request and each Telegram handler crosses into
backend once.

How a crossing is counted, from the source (no request is run):
- A *backend function* is a call whose callee is a name imported from a `backend.*` module, or
  an attribute of an imported `backend.*` module (`phone.answer_step(...)`), that resolves to a
  plain function. Not counted: classes (building a `Context`, an `Answer` or a result type is no
  crossing), and the request and language plumbing that every route uses, `backend.web`
  (`db_session()`, `now()`, `settings()`), `backend.api.errors` (an error's JSON) and
  `backend.i18n` (translating a text is rendering).
- A function *reaches* the backend functions it calls in its own body (lambdas and nested
  functions included) and those that the module-level functions of the same file it calls
  reach, transitively. Handlers picked out of a table (`COMMANDS`, `CALLBACKS`) are not
  followed: each is checked on its own.
- The rule: every `/ivr` route, and every function of `bot/handlers.py` except the three
  dispatchers, reaches at most ONE distinct backend function, whichever branch it takes.
  The dispatchers (`process_update`, `handle_message`, `handle_callback`) open the chat with one
  call of their own and hand the update to one handler, which is checked by the rule.
- Methods of `bot.handlers.Chat` are not followed: `Chat.send` queues the reply in the outbox,
  the "reply out" half of the channel.

A canary checks the counter itself on a small source with two crossings in one handler.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_CROSSINGS = ("backend.web", "backend.api.errors", "backend.i18n")
DISPATCHERS = frozenset({"process_update", "handle_message", "handle_callback"})


class Crossings:
    """The backend functions each module-level function of one source file reaches."""

    def __init__(self, source: str) -> None:
        self.tree = ast.parse(source)
        self.imported = self._imports()
        self.functions = {
            node.name: node for node in self.tree.body if isinstance(node, ast.FunctionDef)
        }

    def _imports(self) -> dict[str, object]:
        """Local name → the object a `from backend… import …` binds it to."""
        bound: dict[str, object] = {}
        for node in self.tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("backend"):
                module = importlib.import_module(node.module or "")
                for alias in node.names:
                    bound[alias.asname or alias.name] = _member(module, alias.name)
        return bound

    def direct(self, function: ast.FunctionDef) -> set[str]:
        """The backend functions `function` calls in its own body."""
        found: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                target = self._backend_function(node.func)
                if target is not None:
                    found.add(target)
        return found

    def _backend_function(self, callee: ast.expr) -> str | None:
        if isinstance(callee, ast.Name):
            target = self.imported.get(callee.id)
        elif isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name):
            holder = self.imported.get(callee.value.id)
            if not isinstance(holder, ModuleType):
                return None
            target = getattr(holder, callee.attr, None)
        else:
            return None
        if not inspect.isfunction(target) or target.__module__.startswith(NOT_CROSSINGS):
            return None
        return f"{target.__module__}.{target.__qualname__}"

    def local_callees(self, function: ast.FunctionDef) -> set[str]:
        """The module-level functions of this file that `function` calls."""
        return {
            node.func.id
            for node in ast.walk(function)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in self.functions
            and node.func.id != function.name
        }

    def reach(self, name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """The backend functions `name` reaches through this file's own functions."""
        function = self.functions[name]
        found = self.direct(function)
        for callee in self.local_callees(function) - seen - {name}:
            found |= self.reach(callee, seen | {name})
        return found


def _member(module: ModuleType, name: str) -> object:
    if hasattr(module, name):
        return getattr(module, name)
    return importlib.import_module(f"{module.__name__}.{name}")  # a submodule


def _crossings(relative: str) -> Crossings:
    return Crossings((ROOT / relative).read_text())


def _routes(crossings: Crossings) -> list[str]:
    """The functions a `@blueprint.<method>(...)` decorator makes a route."""
    return [
        name
        for name, node in crossings.functions.items()
        if any(
            isinstance(d, ast.Call)
            and isinstance(d.func, ast.Attribute)
            and isinstance(d.func.value, ast.Name)
            and d.func.value.id == "blueprint"
            for d in node.decorator_list
        )
    ]


IVR = _crossings("ivr/views.py")
BOT = _crossings("bot/handlers.py")
IVR_ROUTES = _routes(IVR)
BOT_FUNCTIONS = sorted(set(BOT.functions) - DISPATCHERS)


def test_every_ivr_route_named_in_the_brief_is_checked() -> None:
    paths = {"voice", "main_menu", "complaint", "dialogue_step", "person_done", "survey_call"}
    paths |= {"opinion_call", "notice_call", "notice_reply", "call_status", "transcription"}
    assert paths <= set(IVR_ROUTES)


@pytest.mark.parametrize("route", IVR_ROUTES)
def test_an_ivr_route_makes_one_backend_call(route: str) -> None:
    reached = IVR.reach(route)
    assert len(reached) <= 1, f"/ivr route {route} crosses into backend {len(reached)}×: {reached}"


@pytest.mark.parametrize("handler", BOT_FUNCTIONS)
def test_a_telegram_handler_makes_at_most_one_backend_call(handler: str) -> None:
    reached = BOT.reach(handler)
    assert len(reached) <= 1, f"{handler} crosses into backend {len(reached)}×: {reached}"


@pytest.mark.parametrize("dispatcher", sorted(DISPATCHERS))
def test_a_dispatcher_only_opens_the_chat(dispatcher: str) -> None:
    assert BOT.direct(BOT.functions[dispatcher]) == set()
    opened = BOT.reach("open_chat")
    assert opened == {"backend.dialogues.chat.open_chat"}


def test_the_counter_sees_two_crossings_through_a_helper() -> None:
    """Canary: a handler that looks a case up and then acts on it, via a local helper."""
    source = (
        "from backend.cases.service import find_case\n"
        "from backend.dialogues import flows\n"
        "from backend.dialogues.engine import Context\n"
        "from backend.i18n import translate\n"
        "def helper(ctx):\n"
        "    return flows.begin(ctx, 'survey')\n"
        "def on_survey(session, ctx, number):\n"
        "    Context(session, None, None, 'telegram', None)\n"
        "    translate('en', 'x')\n"
        "    if find_case(session, number) is None:\n"
        "        return None\n"
        "    return helper(ctx)\n"
    )
    crossings = Crossings(source)
    assert crossings.reach("on_survey") == {
        "backend.cases.service.find_case",
        "backend.dialogues.flows.begin",
    }
    assert crossings.reach("helper") == {"backend.dialogues.flows.begin"}
