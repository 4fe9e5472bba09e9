"""Pieces shared by the customer dialogues: who is calling (phone, name), paging, free text.

Each dialogue built on `StepDialogue` writes one `ask_<step>` (the prompt) and one `take_<step>`
(validate, store, return the next step) per step, so a step reads as two small functions.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from backend.cases.models import Case
from backend.dialogues.engine import Answer, Choice, Context, Dialogue, Prompt
from backend.errors import ValidationError
from backend.i18n import translate
from backend.parsing import ascii_digits, whole_number
from backend.people.models import Customer
from backend.people.service import get_customer_by_phone
from backend.phones import normalize_phone

MENU_SIZE = 9  # a phone keypad offers 1–9; "more" takes the last key when a list is longer
MORE = "more"
MAX_TEXT = 5000  # the intake's limit for a description (backend.casework.intake.MAX_DESCRIPTION)


class StepDialogue(Dialogue):
    """Dispatches `prompt`/`accept` to `ask_<step>`/`take_<step>` methods."""

    def prompt(self, ctx: Context, step: str) -> Prompt:
        asker: Callable[[Context], Prompt] = getattr(self, f"ask_{step}")
        return asker(ctx)

    def accept(self, ctx: Context, step: str, answer: Answer) -> str:
        taker: Callable[[Context, Answer], str] = getattr(self, f"take_{step}")
        return taker(ctx, answer)


def language(ctx: Context) -> str:
    return ctx.conversation.language or "ko"


def words(ctx: Context, message: str, **values: Any) -> str:
    """A message id in the conversation's language, for values that are themselves words."""
    return translate(language(ctx), message, **values)


def page_of(
    ctx: Context, step: str, choices: Sequence[Choice], fixed: Sequence[Choice] = ()
) -> tuple[Choice, ...]:
    """At most nine choices: a page of `choices`, then `fixed` ones, then "more" when the list
    goes on (it wraps round to the start)."""
    room = MENU_SIZE - len(fixed)
    if len(choices) <= room:
        return (*choices, *fixed)
    size = room - 1
    pages = -(-len(choices) // size)
    page = int(ctx.conversation.data.get(f"{step}_page", 0)) % pages
    return (*choices[page * size : (page + 1) * size], *fixed, Choice(MORE, "More…"))


def turn_page(ctx: Context, step: str) -> str:
    """Answering "more" shows the next page of the same step."""
    data = ctx.conversation.data
    data[f"{step}_page"] = int(data.get(f"{step}_page", 0)) + 1
    return step


def chosen(answer: Answer, choices: Sequence[Choice]) -> str | None:
    """The value of the choice the person made: a button value, or its number typed or said."""
    values = [choice.value for choice in choices]
    raw = (answer.choice or answer.text or "").strip()
    if raw in values:
        return raw
    number = whole_number(raw, minimum=1, maximum=len(values))
    if number is not None:
        return values[number - 1]
    return None


def free_text(answer: Answer, *, limit: int = MAX_TEXT, field: str = "text") -> str:
    """Typed text or a recording's transcription, trimmed; empty or too long is re-asked."""
    text = (answer.text or "").strip()
    if not text and answer.media and answer.media.get("kind") == "recording":
        text = str(answer.media.get("text") or "").strip()
    if not text:
        raise ValidationError("Please answer in a few words.", field=field)
    if len(text) > limit:
        message = (
            "That is too long: please use at most 5,000 characters."
            if limit == MAX_TEXT
            else "That is too long. Please keep it shorter."
        )
        raise ValidationError(message, field=field)
    return text


def recording_of(answer: Answer) -> dict[str, Any] | None:
    if answer.media and answer.media.get("kind") in ("recording", "voice", "photo"):
        return dict(answer.media)
    return None


class CallerSteps:
    """The "phone" and "name" steps: skipped when the channel already knows who this is.

    A number is *verified* when it comes from the channel (caller ID, a contact the person shared
    from their own account, a chat already linked to a customer); only a verified number reveals
    what we know about the customer (name, units, address, cases). A typed number is used for the
    new case but reveals nothing (R6.5).
    """

    after_caller_step: str
    # Issue 16: a dialogue that reveals what we know (units, address) trusts a caller ID only
    # once the caller confirms it with one of the number's case numbers (the "identify" step).
    confirms_caller_id: bool = False

    def start_with_caller(self, ctx: Context, *, phone: str | None = None) -> None:
        data = ctx.conversation.data
        # On the phone the conversation's customer is only the caller ID's (it can be spoofed).
        by_caller_id = ctx.channel == "phone" and self.confirms_caller_id
        customer = None if by_caller_id else self.linked_customer(ctx)
        if customer is None and phone:
            try:
                data["phone"] = normalize_phone(phone, region=ctx.settings.region)
            except ValidationError:  # a withheld or foreign caller ID: just ask
                data.pop("phone", None)
            else:
                customer = get_customer_by_phone(ctx.session, data["phone"])
                data["verified"] = True
                if customer is not None and self.confirms_caller_id:
                    data.update(candidate_id=customer.id, verified=False)
                    ctx.conversation.step = "identify"
                    return
        if customer is not None:
            self.remember_customer(ctx, customer)
        ctx.conversation.step = self.step_after_phone(ctx) if data.get("phone") else "phone"

    def linked_customer(self, ctx: Context) -> Customer | None:
        customer_id = ctx.conversation.customer_id
        return ctx.session.get(Customer, customer_id) if customer_id else None

    def remember_customer(self, ctx: Context, customer: Customer) -> None:
        data = ctx.conversation.data
        data.update(
            customer_id=customer.id, phone=customer.phone, name=customer.name, verified=True
        )
        ctx.conversation.customer_id = customer.id

    def step_after_phone(self, ctx: Context) -> str:
        return self.after_caller_step if ctx.conversation.data.get("name") else "name"

    def ask_phone(self, ctx: Context) -> Prompt:
        return Prompt(step="phone", text="What phone number can we reach you on?", kind="phone")

    def take_phone(self, ctx: Context, answer: Answer) -> str:
        raw = answer.phone or answer.text or ""
        try:
            phone = normalize_phone(raw, region=ctx.settings.region)
        except ValidationError as error:
            raise ValidationError(
                "That does not look like a phone number. Please try again.", field="phone"
            ) from error
        data = ctx.conversation.data
        data["phone"] = phone
        if answer.phone:  # shared from the person's own account: we may recognise them
            customer = get_customer_by_phone(ctx.session, phone)
            if customer is not None:
                self.remember_customer(ctx, customer)
            elif answer.name and not data.get("name"):
                # Issue 16: a new customer's own contact card names them: one question fewer.
                data["name"] = answer.name.strip()[:200]
        return self.step_after_phone(ctx)

    def ask_name(self, ctx: Context) -> Prompt:
        return Prompt(step="name", text="What is your name?", kind="text")

    def take_name(self, ctx: Context, answer: Answer) -> str:
        ctx.conversation.data["name"] = free_text(answer, limit=200, field="name")
        return self.after_caller_step

    def chat_to_link(self, ctx: Context) -> int | None:
        """In a Telegram conversation the address is the chat: the customer's replies go there.

        Only for a verified number or a new customer: a typed number of someone else's must not
        route that customer's messages into this chat (R6.5).
        """
        address = ctx.conversation.address
        if ctx.channel != "telegram" or not ascii_digits(address.lstrip("-")):
            return None
        data = ctx.conversation.data
        taken = ctx.session.scalar(
            select(Customer.id).where(Customer.telegram_chat_id == int(address))
        )
        phone_owner = ctx.session.scalar(select(Customer.id).where(Customer.phone == data["phone"]))
        if phone_owner is not None and not data.get("verified") and taken != phone_owner:
            return None
        return int(address) if taken is None or taken == phone_owner else None

    def linked_chat(self, case: Case, chat: int | None) -> bool:
        """Whether the case's customer now answers in this very chat (`chat_to_link`'s answer,
        asked before the intake: the intake itself only links that chat)."""
        return chat is not None and case.customer.telegram_chat_id == chat

    def known_customer(self, ctx: Context) -> Customer | None:
        """The customer behind a verified number, if we know them."""
        data = ctx.conversation.data
        if not data.get("verified") or not data.get("customer_id"):
            return None
        return ctx.session.get(Customer, data["customer_id"])


def conversation_chat(ctx: Context) -> int | None:
    """The Telegram chat this conversation runs in, or None (a phone call).

    Its closing prompt names the case number in that very chat, so intake sends no separate
    confirmation there: the customer would read the same news twice.
    """
    address = ctx.conversation.address
    if ctx.conversation.channel != "telegram" or not ascii_digits(address.lstrip("-")):
        return None
    return int(address)


def begin_intake(ctx: Context) -> None:
    """Mark this run of an intake dialogue, so that its confirmation registers one case.

    Telegram and Twilio both deliver a request again and again, and a customer taps twice: the
    requests of one run all carry this mark, those of a later run in the same chat another."""
    ctx.conversation.data["run"] = secrets.token_hex(8)


def intake_key(ctx: Context) -> str | None:
    """The key (Case.intake_key) of this run's case; None for a run begun before keys existed."""
    run = ctx.conversation.data.get("run")
    return f"conversation:{ctx.conversation.id}:{run}" if run else None


def created_case(ctx: Context) -> Case:
    """The case this dialogue registered: the one the step kept, looked up only if it did not."""
    if ctx.case is None:
        ctx.case = ctx.session.scalar(
            select(Case).where(Case.number == ctx.conversation.data["case_number"])
        )
    assert ctx.case is not None
    return ctx.case
