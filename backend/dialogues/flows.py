"""One dialogue step as a channel asks for it: the step, what it causes, and what to show.

A channel (a Telegram chat, a phone call) turns the person's input into an `Answer`, calls
`answer` (or `begin`) once, and renders the `Step` it gets back. Everything the step causes
happens here, in one transaction: the dialogue's validation, the case it registers (with its
dispatch and the outbox rows of the customer's and the technician's messages), and, in Telegram,
the customer's photos queued for the worker to fetch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.cases.models import Case
from backend.cases.service import find_case
from backend.dialogues import engine
from backend.dialogues.engine import Answer, Context, Prompt
from backend.errors import DomainError
from backend.inbox.media import queue_case_media


@dataclass(frozen=True)
class Step:
    """What the channel shows: the next prompt, or the refusal that ended the dialogue."""

    prompt: Prompt | None
    refusal: DomainError | None = None
    case: Case | None = None  # on a finished dialogue: the case it registered or added to


def begin(ctx: Context, name: str, **options: Any) -> Step:
    """Start dialogue `name`; a refusal (no such case, not yours) ends it with its reason."""
    return _run(ctx, lambda: engine.start(ctx, name, **options))


def answer(ctx: Context, given: Answer | Callable[[Prompt], Answer]) -> Step:
    """One answer to the running dialogue; a domain refusal ends the dialogue with its reason.
    `given` may be a function of the question asked, for an answer that depends on it (a
    button's position among the choices, the "skip" button's label)."""

    def step() -> Prompt:
        reply = given(engine.current_prompt(ctx)) if callable(given) else given
        return engine.advance(ctx, reply)

    return _run(ctx, step)


def _run(ctx: Context, step: Any) -> Step:
    try:
        with ctx.session.begin_nested():
            prompt: Prompt = step()
    except DomainError as error:
        engine.cancel(ctx)
        return Step(None, refusal=error)
    case = finished_case(ctx, prompt)
    if case is not None and ctx.channel == "telegram":
        # Telegram gave only file ids for the photos: the worker fetches them, not this request.
        queue_case_media(ctx.session, case, channel="telegram", now=ctx.now)
    return Step(prompt, case=case)


def finished_case(ctx: Context, prompt: Prompt) -> Case | None:
    """The case a finished dialogue names: the object the step kept, else looked up once."""
    if not prompt.finished:
        return None
    number = (prompt.result or {}).get("case_number")
    if ctx.case is not None and ctx.case.number == number:
        return ctx.case
    return find_case(ctx.session, number)
