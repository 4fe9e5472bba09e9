"""Making a complaint (R2.1–R2.9, R8.5, R8.7), asked the same way in a chat and on the phone.

Steps: phone → name → topic (or "about our staff", R9.4) → for our staff: who it was (optional,
R2.4) → severity (in plain words) → description → the case. The closing
prompt names the case number and who handles it (R2.3): the department it was routed to, the
service director who answers for every complaint (R8.7), and the vice-president for a serious one.
"""

from __future__ import annotations

from typing import Any

from backend.actors import Actor
from backend.cases.models import Case
from backend.casework.flows import intake_case
from backend.casework.intake import CustomerInput, IntakeRequest
from backend.complaints.departments import person_named
from backend.complaints.routing import DEPARTMENT_NAMES, Severity, Topic
from backend.dialogues.common import (
    CallerSteps,
    StepDialogue,
    begin_intake,
    chosen,
    conversation_chat,
    created_case,
    free_text,
    intake_key,
    language,
    recording_of,
    words,
)
from backend.dialogues.engine import Answer, Choice, Context, Prompt
from backend.errors import ValidationError

# R9.4: a complaint about after-sales staff goes to the independent hotline, as by phone.
ABOUT_OUR_STAFF = "our_staff"
TOPIC_CHOICES = (
    Choice(Topic.PRODUCT_QUALITY, "The product's quality or function"),
    Choice(Topic.PACKAGING, "Damaged or spoiled packaging"),
    Choice(Topic.STAFF_ATTITUDE, "The attitude of our staff"),
    Choice(Topic.DEALER, "A dealer or shop"),
    Choice(Topic.OTHER, "Something else"),
    Choice(ABOUT_OUR_STAFF, "About our staff (a technician or an employee)"),
)
SEVERITY_CHOICES = (
    Choice(Severity.NORMAL, "Please look into it"),
    Choice(Severity.SERIOUS, "It is serious: I want senior management to handle it"),
    Choice(Severity.MAJOR, "It is major: danger, damage, a lawsuit or the press"),
)


class Complaint(CallerSteps, StepDialogue):
    """The complaint intake; on_start(phone=None): the caller ID, when the channel has one."""

    name = "complaint"
    first_step = "phone"
    after_caller_step = "topic"

    def on_start(self, ctx: Context, **options: Any) -> None:
        begin_intake(ctx)
        self.start_with_caller(ctx, phone=options.get("phone"))

    def ask_topic(self, ctx: Context) -> Prompt:
        return Prompt(
            step="topic", kind="choice", choices=TOPIC_CHOICES, text="What is your complaint about?"
        )

    def take_topic(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, TOPIC_CHOICES)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="topic")
        data = ctx.conversation.data
        data["about_after_sales"] = value == ABOUT_OUR_STAFF
        data["topic"] = Topic.STAFF_ATTITUDE if value == ABOUT_OUR_STAFF else value
        return "person" if value == ABOUT_OUR_STAFF else "severity"

    def ask_person(self, ctx: Context) -> Prompt:
        return Prompt(
            step="person",
            kind="text",
            optional=True,
            text="Who was it? Their name, if you know it.",
        )

    def take_person(self, ctx: Context, answer: Answer) -> str:
        """R2.4: the name given is matched to a technician or staff member when it is one."""
        data = ctx.conversation.data
        if answer.skip:
            return "severity"
        name = free_text(answer, limit=200, field="person")
        data["person"] = name
        data["about_technician_id"], data["about_staff_id"] = person_named(ctx.session, name)
        return "severity"

    def ask_severity(self, ctx: Context) -> Prompt:
        return Prompt(
            step="severity", kind="choice", choices=SEVERITY_CHOICES, text="How serious is it?"
        )

    def take_severity(self, ctx: Context, answer: Answer) -> str:
        value = chosen(answer, SEVERITY_CHOICES)
        if value is None:
            raise ValidationError("Please choose one of the options.", field="severity")
        ctx.conversation.data["severity"] = value
        return "description"

    def ask_description(self, ctx: Context) -> Prompt:
        return Prompt(
            step="description",
            kind="recording",
            text="Please tell us what happened, in your own words.",
        )

    def take_description(self, ctx: Context, answer: Answer) -> str:
        data = ctx.conversation.data
        data["description"] = free_text(answer, field="description")
        if data.get("person"):  # kept in the customer's words for the superior (R2.4)
            data["description"] = f"[{data['person']}] {data['description']}"[:5000]
        media = recording_of(answer)
        chat = self.chat_to_link(ctx)
        case = intake_case(
            ctx.session,
            IntakeRequest(
                kind="complaint",
                channel=ctx.channel,
                description=data["description"],
                customer=CustomerInput(
                    name=data["name"], phone=data["phone"], language=language(ctx)
                ),
                topic=data["topic"],
                severity=data["severity"],
                about_after_sales=bool(data.get("about_after_sales")),
                about_technician_id=data.get("about_technician_id"),
                about_staff_id=data.get("about_staff_id"),
                media=[media] if media else [],
                telegram_chat_id=chat,
                confirmed_in_chat=conversation_chat(ctx),
                intake_key=intake_key(ctx),
                identity_verified=bool(ctx.conversation.data.get("verified")),
            ),
            settings=ctx.settings,
            now=ctx.now,
            actor=Actor("customer", id=data.get("customer_id"), channel=ctx.channel),
        )
        ctx.case = case
        data["case_number"] = case.number
        if data.get("verified") or self.linked_chat(case, chat):
            ctx.conversation.customer_id = case.customer_id
        return "done"

    def handlers(self, ctx: Context, case: Case) -> str:
        """Who handles it, in words (R2.3, R8.5, R8.7)."""
        english, korean = DEPARTMENT_NAMES.get(case.department or "", ("-", "-"))
        department = korean if language(ctx) == "ko" else english
        owner = (
            "{department} handles it; the service director is responsible for the answer."
            if case.accountable_role != "hotline_officer"
            else "{department} handles it, independently of the after-sales department."
        )
        lines = [words(ctx, owner, department=department)]
        if case.escalated_to == "vice_president":
            lines.append(
                words(ctx, "Because it is serious, the vice-president has been told at once.")
            )
        if case.priority == "urgent":
            lines.append(words(ctx, "It is handled as a priority."))
        return "\n".join(lines)

    def ask_done(self, ctx: Context) -> Prompt:
        case = created_case(ctx)
        return Prompt(
            step="done",
            kind="end",
            text="Your complaint {number} is registered.\n{handlers}",
            values={"number": case.number, "handlers": self.handlers(ctx, case)},
            result={
                "case_number": case.number,
                "department": case.department,
                "escalated_to": case.escalated_to,
                "priority": case.priority,
            },
        )


COMPLAINT = Complaint()
