"""Telegram updates → dialogue steps and job actions; replies → outbox rows.

Nothing here decides anything: questions and validation come from `backend.dialogues`, case
changes from `backend.cases` and `backend.fieldwork`. Each handler turns one kind of update into
one backend call and queues what the person should see (every message goes through the outbox).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from telegram import CallbackQuery, Message, Update, User

from backend.dialogues import chat as chats
from backend.dialogues import engine
from backend.dialogues import flows as dialogue_flows
from backend.dialogues.engine import Answer, Context, Prompt
from backend.dialogues.flows import Step
from backend.dialogues.models import Conversation
from backend.errors import DomainError, TransitionNotAllowed
from backend.fieldwork.jobs import today_text
from backend.fieldwork.links import link_telegram
from backend.i18n import translate
from backend.inbox.models import InboundUpdate, TelegramChat
from backend.knowledge.flows import send_manuals
from backend.outbox.service import enqueue
from backend.parsing import whole_number
from backend.people.models import Customer, Technician
from backend.settings import Settings
from backend.surveys.service import unanswered_surveys
from backend.tools.flows import tool_button, tools_reply
from bot.render import (
    SKIP,
    language_keyboard,
    main_menu,
    render_prompt,
    skip_label,
    text_payload,
)

logger = logging.getLogger(__name__)

HELP = (
    "I did not understand that. Choose from the menu below, or use /report, /complaint, "
    "/status, /cancel or /language."
)
TECHNICIAN_HELP = (
    "Your jobs come here with buttons. /today lists today's jobs; /cancel stops a step."
)
TECHNICIAN_ONLY = "Only linked technician accounts see jobs."


@dataclass
class Chat:
    """One update's private chat: who writes, in which language, and the conversation."""

    session: Session
    settings: Settings
    now: datetime
    chat_id: int
    language: str
    conversation: Conversation
    customer: Customer | None
    technician: Technician | None
    preference: TelegramChat  # the chat's own record (chosen language, link-code attempts)

    def send(self, payload: dict[str, Any], purpose: str = "bot_reply") -> None:
        enqueue(
            self.session,
            channel="telegram",
            recipient=self.chat_id,
            payload=payload,
            purpose=purpose,
            now=self.now,
        )

    def say(self, message: str, *, markup: dict[str, Any] | None = None, **values: Any) -> None:
        self.send(text_payload(self.language, message, markup=markup, **values))

    def context(self) -> Context:
        return Context(self.session, self.settings, self.now, "telegram", self.conversation)


# entry point ---------------------------------------------------------------------------------
def process_update(session: Session, settings: Settings, now: datetime, row: InboundUpdate) -> None:
    """The processor of stored Telegram updates (see backend.inbox.service)."""
    update = parse_update(row.payload)
    if update is None:
        return
    if update.callback_query is not None:
        handle_callback(session, settings, now, update.callback_query)
    elif update.message is not None:
        handle_message(session, settings, now, update.message)
    # Edited messages, channel posts, inline queries …: nothing to answer; stored and ignored.


def parse_update(payload: dict[str, Any]) -> Update | None:
    """python-telegram-bot's Update, or None for a payload it cannot read."""
    try:
        return Update.de_json(without_nul(payload), None)
    except Exception:  # noqa: BLE001 - a malformed update is logged and ignored, not retried
        logger.warning("unreadable Telegram update %s", payload.get("update_id"))
        return None


def without_nul(value: Any) -> Any:
    """NUL characters cannot be stored in PostgreSQL text, and nobody means to send them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


def open_chat(
    session: Session,
    settings: Settings,
    now: datetime,
    message: Message,
    sender: User | None,
) -> Chat | None:
    """The Chat of a private conversation with its own user (finding 5); a private chat whose
    sender is someone else gets a polite refusal, groups and channels are not served."""
    chat_id = message.chat.id
    private = message.chat.type == "private"
    user_language = sender.language_code if sender is not None else None
    try:
        state = chats.open_chat(
            session,
            chat_id=chat_id,
            user_language=user_language,
            private=private,
            sender_id=sender.id if sender is not None else 0,  # 0: no sender is not the chat
            now=now,
        )
    except chats.ChatRefused:
        return None  # the refusal is already queued for the chat
    return Chat(
        session,
        settings,
        now,
        chat_id,
        state.language,
        state.conversation,
        state.customer,
        state.technician,
        state.preference,
    )


# messages -----------------------------------------------------------------------------------
def handle_message(session: Session, settings: Settings, now: datetime, message: Message) -> None:
    """A message in a private chat: a command, a dialogue answer, or free text."""
    user = message.from_user
    chat = open_chat(session, settings, now, message, user)
    if chat is None:
        return
    text = (message.text or "").strip()
    if text.startswith("/"):
        command, _, argument = text[1:].partition(" ")
        name = command.split("@")[0].lower()
        if name == "start" and argument.strip():
            name = "link"  # a deep link (t.me/<bot>?start=CODE) arrives as "/start CODE"
        COMMANDS.get(name, cmd_unknown)(chat, argument.strip())
    elif chat.conversation.dialogue is not None:
        answer_dialogue(chat, answer_from(message, chat))
    elif chat.technician is not None:
        chat.say(TECHNICIAN_HELP)
    else:
        free_message(chat, message)


def answer_from(message: Message, chat: Chat) -> Answer | Callable[[Prompt], Answer]:
    """What the person did, as a dialogue Answer (for typed text, a function of the question:
    the text of the "skip" button skips an optional question)."""
    if message.contact is not None:
        own = message.from_user is not None and message.contact.user_id == message.from_user.id
        number = message.contact.phone_number
        # Only a contact the person shared from their own account vouches for the number.
        name = " ".join(n for n in (message.contact.first_name, message.contact.last_name) if n)
        return Answer(phone=number, name=name or None) if own else Answer(text=number)
    if message.location is not None:
        return Answer(location=(message.location.latitude, message.location.longitude))
    if message.photo:
        largest = message.photo[-1]
        return Answer(text=message.caption, media={"kind": "photo", "file_id": largest.file_id})
    if message.voice is not None:
        return Answer(media={"kind": "voice", "file_id": message.voice.file_id})
    text = message.text or ""

    def typed(prompt: Prompt) -> Answer:
        if text.strip() == translate(chat.language, skip_label(prompt)) and (
            prompt.optional or prompt.kind == "location"
        ):
            return Answer(skip=True)
        return Answer(text=text)

    return typed


def free_message(chat: Chat, message: Message) -> None:
    """A customer writing outside a dialogue: to the case it is about (asked if several)."""
    text = (message.text or message.caption or "").strip()
    media = [{"kind": "photo", "file_id": message.photo[-1].file_id}] if message.photo else []
    step = chats.case_note(chat.context(), chat.customer, text=text, media=media)
    if step is None:
        chat.say(HELP, markup=main_menu(chat.language))
        return
    show_started(chat, step)


# dialogues ----------------------------------------------------------------------------------
def show(chat: Chat, prompt: Prompt) -> None:
    """Queue the prompt; a customer's finished dialogue ends with the main menu."""
    payload = render_prompt(prompt, chat.language)
    if prompt.finished and chat.technician is None:
        payload["reply_markup"] = main_menu(chat.language)
    chat.send(payload)


def start_dialogue(chat: Chat, name: str, **options: Any) -> None:
    """Begin a dialogue; a refusal (no such case, not yours) is said, not raised."""
    if name not in engine.REGISTRY:
        chat.say("This is not available yet.")
        return
    show_started(chat, dialogue_flows.begin(chat.context(), name, **options))


def show_started(chat: Chat, step: Step) -> None:
    """A dialogue's first step: its refusal (no such case, not yours) said, or its question."""
    if step.refusal is not None:
        chat.say(step.refusal.message)
    elif step.prompt is not None:
        show(chat, step.prompt)


def answer_dialogue(chat: Chat, answer: Answer | Callable[[Prompt], Answer]) -> None:
    """One answer to the running dialogue: one backend step, then its prompt or its refusal."""
    step = dialogue_flows.answer(chat.context(), answer)
    if step.refusal is not None:
        chat.say(refusal(step.refusal))
    elif step.prompt is not None:
        show(chat, step.prompt)


def refusal(error: DomainError) -> str:
    if isinstance(error, TransitionNotAllowed):
        return "That step is not possible in the job's current state."
    return error.message


# commands -----------------------------------------------------------------------------------
def cmd_start(chat: Chat, _argument: str) -> None:
    """/start: the language choice, or the main menu (with a link code: see handle_message)."""
    engine.cancel(chat.context())
    if chat.preference.language is None:
        chat.send(
            {
                "text": "언어를 선택해 주세요. / Please choose your language.",
                "reply_markup": language_keyboard(),
            }
        )
    elif chat.technician is not None:
        chat.say(TECHNICIAN_HELP)
    else:
        chat.say("How can we help you?", markup=main_menu(chat.language))


def cmd_language(chat: Chat, _argument: str) -> None:
    """/language: choose Korean or English again."""
    chat.send(
        {
            "text": "언어를 선택해 주세요. / Please choose your language.",
            "reply_markup": language_keyboard(),
        }
    )


def cmd_report(chat: Chat, _argument: str) -> None:
    """/report: the fault report dialogue."""
    start_dialogue(chat, "intake")


def cmd_complaint(chat: Chat, _argument: str) -> None:
    """/complaint: the complaint dialogue."""
    start_dialogue(chat, "complaint")


def cmd_suggest(chat: Chat, _argument: str) -> None:
    """/suggest: leave a suggestion (R2.10, R9.3)."""
    start_dialogue(chat, "suggestion")


def cmd_return(chat: Chat, _argument: str) -> None:
    """/return: return a product (R3.1–R3.3)."""
    start_dialogue(chat, "return")


def cmd_status(chat: Chat, _argument: str) -> None:
    """/status: my cases (a linked chat), else the phone number is asked first."""
    cases = chats.my_cases(chat.context(), chat.customer, language=chat.language)
    if cases.text is not None:
        chat.say("{cases}", markup=main_menu(chat.language), cases=cases.text)
    elif cases.step is not None:
        show_started(chat, cases.step)


def cmd_cancel(chat: Chat, _argument: str) -> None:
    """/cancel: leave any dialogue."""
    running = chat.conversation.dialogue is not None
    engine.cancel(chat.context())
    chat.say(
        "Stopped. Nothing more will be asked." if running else "Nothing to stop.",
        markup=None if chat.technician else main_menu(chat.language),
    )


def cmd_today(chat: Chat, _argument: str) -> None:
    """/today: a linked technician's jobs in order with deadlines."""
    if chat.technician is None:
        chat.say(TECHNICIAN_ONLY)
        return
    chat.send(
        {
            "text": today_text(
                chat.session, chat.technician, settings=chat.settings, language=chat.language
            )
        }
    )


def cmd_tools(chat: Chat, _argument: str) -> None:
    """/tools: the tools registered to a linked technician, with handovers to confirm (R5.6)."""
    if chat.technician is None:
        chat.say(TECHNICIAN_ONLY)
        return
    reply = tools_reply(chat.session, chat.technician, chat.language)
    payload: dict[str, Any] = {"text": reply.text}
    if reply.buttons is not None:
        payload["reply_markup"] = reply.buttons
    chat.send(payload)


def cmd_manual(chat: Chat, argument: str) -> None:
    """/manual MODEL: the model's documents a technician may read, as Telegram documents."""
    if chat.technician is None:
        chat.say(TECHNICIAN_ONLY)
        return
    answer = send_manuals(
        chat.session, chat.technician, argument, chat_id=chat.chat_id, now=chat.now
    )
    chat.send({"text": answer})


def cmd_link(chat: Chat, argument: str) -> None:
    """/link CODE: tie this chat to a technician record with a one-time code."""
    outcome = link_telegram(
        chat.session, chat.preference, chat_id=chat.chat_id, code=argument, now=chat.now
    )
    if outcome.blocked:
        chat.say("Too many wrong codes. Please try again later.")
        return
    technician = outcome.technician
    if technician is None:
        chat.say("This code is not valid or has expired.")
        return
    chat.technician, chat.language = technician, technician.language
    chat.say(
        "Linked: you are {name}. Your jobs will come here; /today lists them.", name=technician.name
    )


def cmd_unknown(chat: Chat, _argument: str) -> None:
    """Any other command: help, not silence."""
    chat.say(
        TECHNICIAN_HELP if chat.technician else HELP,
        markup=None if chat.technician else main_menu(chat.language),
    )


COMMANDS: dict[str, Callable[[Chat, str], None]] = {
    "start": cmd_start,
    "language": cmd_language,
    "report": cmd_report,
    "complaint": cmd_complaint,
    "suggest": cmd_suggest,
    "return": cmd_return,
    "status": cmd_status,
    "cancel": cmd_cancel,
    "today": cmd_today,
    "link": cmd_link,
    "tools": cmd_tools,  # R5.6
    "manual": cmd_manual,  # R6.3
    "help": cmd_unknown,
}


# buttons ------------------------------------------------------------------------------------
def handle_callback(
    session: Session, settings: Settings, now: datetime, query: CallbackQuery
) -> None:
    """A button press: always answered (the spinner stops), then routed by its data's prefix."""
    message = query.message
    if not isinstance(message, Message):
        return  # a button on a message too old for Telegram to include: nothing to work on
    chat = open_chat(session, settings, now, message, query.from_user)
    if chat is None:
        return
    chat.send({"callback_query_id": query.id}, purpose="callback_answer")
    kind, _, rest = (query.data or "").partition(":")
    handler = CALLBACKS.get(kind)
    if handler is None:
        chat.say(HELP, markup=main_menu(chat.language))
        return
    handler(chat, rest, message.message_id)


def clear_buttons(chat: Chat, message_id: int) -> None:
    """Remove the buttons of a message once pressed, so it cannot be pressed twice."""
    chat.send(
        {"edit_message_id": message_id, "reply_markup": {"inline_keyboard": []}}, purpose="bot_edit"
    )


def on_language(chat: Chat, code: str, message_id: int) -> None:
    """lang:<ko|en>: remember the language, then the main menu."""
    language = chat.language = chats.choose_language(
        code,
        preference=chat.preference,
        conversation=chat.conversation,
        customer=chat.customer,
        technician=chat.technician,
    )
    clear_buttons(chat, message_id)
    if chat.technician is not None:
        chat.say(TECHNICIAN_HELP)
    else:
        chat.say("How can we help you?", markup=main_menu(language))


def on_menu(chat: Chat, item: str, message_id: int) -> None:
    """menu:<report|complaint|status|rate|suggest|return>: the main menu's buttons."""
    clear_buttons(chat, message_id)
    actions: dict[str, Callable[[Chat, str], None]] = {
        "report": cmd_report,
        "complaint": cmd_complaint,
        "status": cmd_status,
        "rate": offer_surveys,
        "suggest": cmd_suggest,
        "return": cmd_return,
    }
    actions.get(item, cmd_unknown)(chat, "")


def on_dialogue(chat: Chat, rest: str, message_id: int) -> None:
    """dlg:<step>:<value>: a choice in the running dialogue (stale buttons are refused)."""
    step, _, value = rest.partition(":")
    if chat.conversation.dialogue is None or chat.conversation.step != step:
        chat.say("That question is closed. Please answer the latest one.")
        return
    clear_buttons(chat, message_id)
    if value == SKIP:
        answer_dialogue(chat, Answer(skip=True))
        return
    index = whole_number(value[1:]) if value.startswith("#") else None
    if index is not None:  # too long to carry: the position
        position = index

        def chosen(prompt: Prompt) -> Answer:
            choices = prompt.choices
            return Answer(choice=choices[position].value if position < len(choices) else "")

        answer_dialogue(chat, chosen)
        return
    answer_dialogue(chat, Answer(choice=value))


def on_job(chat: Chat, rest: str, message_id: int) -> None:
    """job:<action>:<number>: a technician's job button (only their own jobs, R6.5)."""
    action, _, number = rest.partition(":")
    if chat.technician is None:
        chat.say(TECHNICIAN_ONLY)
        return
    job = chats.job_button(chat.context(), chat.technician, action, number, language=chat.language)
    if job.dialogue is not None:
        show_started(chat, job.dialogue)
    elif job.unknown:
        chat.say(TECHNICIAN_HELP)
    elif job.refusal is not None:
        chat.say(refusal(job.refusal))
    else:
        chat.send({"edit_message_id": message_id, "reply_markup": job.buttons}, purpose="bot_edit")
        chat.send({"text": job.done_text})


def on_case(chat: Chat, rest: str, message_id: int) -> None:
    """case:sign_off:<number>: the customer confirms the service certificate (R7.4)."""
    action, _, number = rest.partition(":")
    if action != "sign_off" or chat.customer is None:
        chat.say(HELP, markup=main_menu(chat.language))
        return
    signed = chats.sign_off(chat.context(), chat.customer, number)
    if signed.already_confirmed:
        chat.say("This certificate is already confirmed.")
        return
    if signed.refusal is not None or signed.case is None:
        chat.say(signed.refusal.message if signed.refusal else HELP)
        return
    clear_buttons(chat, message_id)
    rate = {
        "inline_keyboard": [
            [
                {
                    "text": translate(chat.language, "⭐ Rate the service"),
                    "callback_data": f"survey:start:{signed.case.number}",
                }
            ]
        ]
    }
    chat.say(
        "Thank you: you confirmed the work on {number}. Your signature is recorded.",
        markup=rate,
        number=signed.case.number,
    )


def on_quote(chat: Chat, rest: str, message_id: int) -> None:
    """quote:<accept_quote|decline_quote>:<number>: the customer's answer to a quote (R4.11)."""
    action, _, number = rest.partition(":")
    if chat.customer is None:
        chat.say(HELP, markup=main_menu(chat.language))
        return
    answered = chats.answer_quote(chat.context(), chat.customer, number, action)
    if answered.already_confirmed:
        chat.say("This quote has already been answered.")
        return
    if answered.refusal is not None or answered.case is None:
        chat.say(answered.refusal.message if answered.refusal else HELP)
        return
    clear_buttons(chat, message_id)
    if action == "accept_quote":
        chat.say("Thank you: you accepted the quote. The technician will do the work.")
    else:
        chat.say("You declined the quote. Only the call-out fee is charged.")


def on_survey(chat: Chat, rest: str, message_id: int) -> None:
    """survey:start:<number>: the rating survey of that job (R8.4), the customer's own only."""
    _action, _, number = rest.partition(":")
    step = chats.rate_case(chat.context(), chat.customer, number)
    if step is None:
        chat.say("There is no survey for you on that case.")
        return
    clear_buttons(chat, message_id)
    show_started(chat, step)


def offer_surveys(chat: Chat, _argument: str) -> None:
    """ "Rate a service": the customer's jobs whose survey is not answered yet."""
    surveys = [] if chat.customer is None else unanswered_surveys(chat.session, chat.customer.id)
    if not surveys:
        chat.say("There is no service to rate right now.", markup=main_menu(chat.language))
        return
    buttons = [
        [{"text": s.case.number, "callback_data": f"survey:start:{s.case.number}"}] for s in surveys
    ]
    chat.say("Which service would you like to rate?", markup={"inline_keyboard": buttons})


def on_work_report(chat: Chat, rest: str, message_id: int) -> None:
    """report:start:<day>: the daily work report (R7.10)."""
    _action, _, day = rest.partition(":")
    if chat.technician is None:
        chat.say(TECHNICIAN_ONLY)
        return
    clear_buttons(chat, message_id)
    start_dialogue(chat, "work_report", technician_id=chat.technician.id, day=day)


def on_satisfaction(chat: Chat, rest: str, message_id: int) -> None:
    """satisfied:<yes|no>:<number>: the customer's view of the answer to a complaint (R2.10)."""
    value, _, number = rest.partition(":")
    answer = chats.complaint_satisfaction(
        chat.context(), chat.customer, number, satisfied=value == "yes"
    )
    clear_buttons(chat, message_id)
    if answer.already:
        chat.say("You have already answered this question.")
    elif not answer.recorded:
        chat.say(HELP, markup=main_menu(chat.language))
    elif answer.formal_case is None:
        chat.say("Thank you: we are glad the answer helped.")
    else:
        chat.say(
            "Thank you for telling us. A senior manager will take up your complaint {number} "
            "personally.",
            number=number,
        )


def on_tool(chat: Chat, rest: str, message_id: int) -> None:
    """tool:<give|take>:<handover id>: a technician confirms their side of a handover (R5.6)."""
    side, _, handover_id = rest.partition(":")
    if chat.technician is None:
        chat.say(TECHNICIAN_ONLY)
        return
    outcome = tool_button(
        chat.session, chat.technician, side, handover_id, language=chat.language, now=chat.now
    )
    if outcome.clear:
        clear_buttons(chat, message_id)
    chat.send({"text": outcome.text})


CALLBACKS: dict[str, Callable[[Chat, str, int], None]] = {
    "lang": on_language,
    "satisfied": on_satisfaction,  # backend.complaints.flows.SATISFACTION_CALLBACK
    "menu": on_menu,
    "dlg": on_dialogue,
    "job": on_job,
    "case": on_case,
    "quote": on_quote,
    "survey": on_survey,
    "report": on_work_report,
    "tool": on_tool,  # backend.tools.flows.CALLBACK
}
