"""Channel-neutral dialogues: the questions, the validation, and what happens at the end.

A dialogue is a set of steps. Each step turns into a `Prompt` (what to ask, which answers are
possible); a channel renders the prompt (buttons in Telegram, `<Gather>` on the phone), parses what
the person did into an `Answer`, and calls `advance`. The dialogue validates the answer, stores it
in the conversation, and returns the next prompt, or the same prompt with an error to re-ask.

Channels never decide anything: which step follows, what is valid and what the answer causes
(creating a case, saving a grade) all live in the dialogue classes in `backend/dialogues/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from backend.db import insert_unless_exists
from backend.dialogues.models import Conversation
from backend.errors import ValidationError
from backend.settings import Settings

if TYPE_CHECKING:  # the engine itself never touches cases; the dialogues built on it do
    from backend.cases.models import Case

# "recording": the person's own words at length (a fault, a comment): typed in a chat, recorded
# with <Record> on the phone. "text": a short answer (a name, an address), a speech guess there.
InputKind = Literal[
    "choice", "text", "phone", "date", "location", "photo", "recording", "confirm", "grade", "end"
]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # message id, translated by the channel with backend.i18n.translate
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Prompt:
    """One question (or, with kind "end", the closing message) in channel-neutral form."""

    step: str
    text: str  # message id (English); channels translate it and fill in `values`
    kind: InputKind
    values: dict[str, Any] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    optional: bool = False  # the person may skip ("don't know")
    error: str | None = None  # message id: why the last answer was not accepted
    result: dict[str, Any] | None = None  # on "end": what was created (case number, …)
    # Issue 16, prompts for the ear: the phone says `spoken` (a message id written to be heard,
    # short parts on separate lines) instead of `text`, listens for `hints`, and with `keypad`
    # takes digits ending with the hash key (a serial number: speech recognisers get it wrong).
    spoken: str | None = None
    hints: tuple[str, ...] = ()
    keypad: bool = False

    @property
    def finished(self) -> bool:
        return self.kind == "end"


@dataclass(frozen=True)
class Answer:
    """What the person did, as the channel understood it. Exactly one field is usually set."""

    text: str | None = None  # typed text, or a speech transcription
    choice: str | None = None  # a button's or a digit's value (a Choice.value)
    phone: str | None = None  # a shared contact
    name: str | None = None  # the name on a contact shared from the person's own account
    location: tuple[float, float] | None = None
    media: dict[str, Any] | None = None  # {"kind": "photo", "file_id": …} / recording url
    skip: bool = False


@dataclass
class Context:
    """Everything a dialogue step may use besides the conversation's own data."""

    session: Session
    settings: Settings
    now: datetime
    channel: str  # the case channel: "telegram" or "phone"
    conversation: Conversation
    # The case this step created or worked on, set by the dialogue: the closing prompt and the
    # channel's follow-up use this object instead of looking the case up by number again.
    case: Case | None = None


class Dialogue:
    """Base class: subclasses define `name`, `first_step`, `prompt()` and `accept()`."""

    name: ClassVar[str]
    first_step: ClassVar[str]

    def prompt(self, ctx: Context, step: str) -> Prompt:
        """The question asked at `step`, given the answers so far (ctx.conversation.data)."""
        raise NotImplementedError

    def accept(self, ctx: Context, step: str, answer: Answer) -> str:
        """Validate and store `answer`; return the next step. Raise ValidationError to re-ask."""
        raise NotImplementedError

    def on_start(self, ctx: Context, **options: Any) -> None:
        """Called once when the dialogue starts (options come from the channel)."""


# The dialogues a conversation can be in, by name (a conversation row stores the name). Filled
# only by `install`, which the composition root calls with its list before serving anyone.
REGISTRY: dict[str, Dialogue] = {}


def install(dialogues: Iterable[Dialogue]) -> None:
    """Make exactly `dialogues` the ones conversations can run (backend/composition.py)."""
    table = {dialogue.name: dialogue for dialogue in dialogues}
    REGISTRY.clear()
    REGISTRY.update(table)


def dialogue_named(name: str) -> Dialogue:
    """The installed dialogue `name`; a clear error when the composition root did not install it."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise LookupError(
            f"no dialogue {name!r} is installed (backend/composition.py installs them)"
        ) from None


def get_conversation(
    session: Session,
    channel: str,
    address: str,
    *,
    language: str | None = None,
    customer_id: int | None = None,
    first_contact: bool = False,
) -> Conversation:
    """The conversation of this chat or call, created idle on first contact (with the
    customer, when known, in the same INSERT).

    Two first requests at once (a call's webhooks, a chat's first messages) find one row: the
    one whose insert finds the other's row reads that row (finding 6). `first_contact`: the
    caller knows the row is most likely new (a call's first request), so the INSERT is tried
    before any SELECT — one statement instead of two in the common case."""
    conversation = None if first_contact else _conversation_at(session, channel, str(address))
    if conversation is None:
        conversation = insert_unless_exists(
            session,
            Conversation,
            {
                "channel": channel,
                "address": str(address),
                "data": {},
                "language": language or "ko",
                "customer_id": customer_id,
                "retries": 0,
            },
            unique=["channel", "address"],
        ) or _conversation_at(session, channel, str(address))
    assert conversation is not None  # inserted, or inserted by another transaction
    return conversation


def _conversation_at(session: Session, channel: str, address: str) -> Conversation | None:
    return session.scalar(
        select(Conversation).where(Conversation.channel == channel, Conversation.address == address)
    )


def start(ctx: Context, name: str, **options: Any) -> Prompt:
    """Begin dialogue `name` in this conversation (abandoning any other) and ask its first step."""
    dialogue = dialogue_named(name)
    conversation = ctx.conversation
    conversation.dialogue, conversation.step = name, dialogue.first_step
    conversation.data, conversation.retries = {}, 0
    dialogue.on_start(ctx, **options)
    flag_modified(conversation, "data")  # on_start fills it in place (see `advance`)
    prompt = current_prompt(ctx)
    if prompt.finished:  # done at once (a note with one open case, a survey already answered)
        conversation.dialogue, conversation.step = None, None
    return prompt


def current_prompt(ctx: Context, error: str | None = None) -> Prompt:
    conversation = ctx.conversation
    if conversation.dialogue is None or conversation.step is None:
        raise ValueError("no dialogue is running in this conversation")
    prompt = dialogue_named(conversation.dialogue).prompt(ctx, conversation.step)
    if error is not None:
        prompt = Prompt(**{**prompt.__dict__, "error": error})
    return prompt


def advance(ctx: Context, answer: Answer) -> Prompt:
    """Feed one answer to the running dialogue; the next prompt, or the same one with an error."""
    conversation = ctx.conversation
    if conversation.dialogue is None or conversation.step is None:
        raise ValueError("no dialogue is running in this conversation")
    dialogue = dialogue_named(conversation.dialogue)
    try:
        next_step = dialogue.accept(ctx, conversation.step, answer)
    except ValidationError as error:
        conversation.retries += 1
        return current_prompt(ctx, error=error.message)
    conversation.retries = 0
    conversation.step = next_step
    # Steps change the JSON in place; after any autoflush SQLAlchemy cannot see that (the
    # mutated dict compares equal to itself and would not be saved): mark it changed.
    flag_modified(conversation, "data")
    prompt = current_prompt(ctx)
    if prompt.finished:
        conversation.dialogue, conversation.step = None, None
    return prompt


def cancel(ctx: Context) -> None:
    """Leave any running dialogue (Telegram /cancel, a caller pressing *)."""
    ctx.conversation.dialogue = ctx.conversation.step = None
    ctx.conversation.data, ctx.conversation.retries = {}, 0
