"""A one-time code by text message: the third way a caller proves the number is theirs
(issue 16), beside a shared contact and a case number keyed in. Six digits, valid for ten
minutes, two tries (a second wrong code goes on as a new customer, before the phone menu's
own limit of invalid answers hands the caller to a person); only a keyed hash of it is kept
in the conversation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from backend.dialogues.engine import Context
from backend.i18n import translate
from backend.outbox.models import OutboxChannel
from backend.outbox.service import enqueue
from backend.people.models import Customer
from backend.phones import can_receive_sms

CODE_DIGITS = 6
VALID_FOR = timedelta(minutes=10)
TRIES = 2


def _digest(ctx: Context, code: str) -> str:
    key = f"{ctx.settings.secret_key}:one-time-code:{ctx.conversation.id}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def send_code(ctx: Context, customer: Customer) -> bool:
    """Text a fresh code to the customer's own number; False when it cannot take a text."""
    if not can_receive_sms(customer.phone):
        return False
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    ctx.conversation.data["one_time_code"] = {
        "digest": _digest(ctx, code),
        "until": (ctx.now + VALID_FOR).isoformat(),
    }
    text = translate(
        customer.language,
        "Your service desk code is {code}. It is valid for 10 minutes. Nobody from the service "
        "desk will ask you for it.",
        code=code,
    )
    enqueue(
        ctx.session,
        channel=OutboxChannel.SMS,
        recipient=customer.phone,
        payload={"text": text},
        purpose="one_time_code",
        not_after=ctx.now + VALID_FOR,
        now=ctx.now,
    )
    return True


def check_code(ctx: Context, typed: str) -> bool | None:
    """True for the code sent, False for a wrong one; None when no try is left (expired, or a
    second wrong code — the step's misses are the engine's count): on as a new customer."""
    sent = ctx.conversation.data.get("one_time_code")
    if not isinstance(sent, dict) or ctx.now > datetime.fromisoformat(str(sent["until"])):
        return None
    digits = "".join(ch for ch in typed if ch.isdigit())
    if hmac.compare_digest(_digest(ctx, digits), str(sent["digest"])):
        ctx.conversation.data.pop("one_time_code")
        return True
    return False if ctx.conversation.retries + 1 < TRIES else None
