"""The channel-neutral customer dialogues (intake, complaint, my cases, which case), driven as any
channel drives them: start, then one Answer per prompt."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from backend.cases.models import Case, CaseEvent
from backend.db import Database
from backend.dialogues import engine
from backend.dialogues.engine import Answer, Context, Prompt
from backend.i18n import missing_translations
from backend.settings import Settings
from tests.factories import Personas

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Seoul


class Driver:
    """One conversation, each step in its own transaction as a channel would run it."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        channel: str = "phone",
        address: str = "CA-1",
        language: str = "en",
    ) -> None:
        self.database, self.settings = database, settings
        self.channel, self.address, self.language = channel, address, language
        self.prompts: list[Prompt] = []

    def _run(self, action: object) -> Prompt:
        with self.database.session() as session:
            conversation = engine.get_conversation(
                session, self.channel, self.address, language=self.language
            )
            ctx = Context(session, self.settings, NOW, self.channel, conversation)
            prompt: Prompt = action(ctx)  # type: ignore[operator]
        self.prompts.append(prompt)
        return prompt

    def start(self, name: str, **options: object) -> Prompt:
        return self._run(lambda ctx: engine.start(ctx, name, **options))

    def answer(self, answer: Answer) -> Prompt:
        return self._run(lambda ctx: engine.advance(ctx, answer))

    def message_ids(self) -> list[str]:
        """Every message id shown so far: texts, choice labels, errors."""
        ids: list[str] = []
        for prompt in self.prompts:
            ids += [prompt.text, *(c.label for c in prompt.choices)]
            ids += [prompt.error] if prompt.error else []
        return [i for i in ids if not i.startswith("{")]

    def steps(self) -> list[str]:
        return [p.step + ("!" if p.error else "") for p in self.prompts]


def test_phone_fault_report_skips_the_caller_id_photo_and_location(
    database: Database, settings: Settings, people: Personas
) -> None:
    people.product("AC-1")
    people.product("AC-2")
    people.technician()
    talk = Driver(database, settings)
    assert talk.start("intake", phone="010-3000-0009").step == "name"
    talk.answer(Answer(text="홍길동"))
    product = talk.prompts[-1]  # a small catalogue: its models at once (issue 16)
    assert product.step == "product" and [c.values["model"] for c in product.choices] == [
        "AC-1",
        "AC-2",
    ]
    talk.answer(Answer(choice="1"))
    talk.answer(Answer(skip=True))  # serial: don't know
    talk.answer(Answer(text="2026-13-40"))  # not a date: asked again
    talk.answer(Answer(text="20260110"))
    talk.answer(
        Answer(media={"kind": "recording", "url": "https://rec/1"}, text="찬바람이 안 나와요")
    )
    talk.answer(Answer(text="서울 중구 세종대로 110"))  # in Seoul: the city, not asked
    confirm = talk.prompts[-1]
    assert confirm.step == "confirm" and confirm.values["product"] == "AC-1 unit (AC-1)"
    done = talk.answer(Answer(choice="1"))
    assert talk.steps() == [
        "name",
        "product",
        "serial",
        "purchase_date",
        "purchase_date!",
        "description",
        "address",
        "confirm",
        "done",
    ]
    assert done.finished and done.result and done.result["case_number"].startswith("AS-2026-")
    assert done.values["number"] == done.result["case_number"]
    assert "call-out 20,000 KRW" in done.values["category"]  # no serial: paid, fees first (R4.11)
    assert missing_translations("ko", talk.message_ids()) == []
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.channel == "phone" and case.customer.phone == "+821030000009"
        assert case.media == [{"kind": "recording", "url": "https://rec/1"}]


def test_a_typed_model_search_and_a_known_customer_s_unit(
    database: Database, settings: Settings, people: Personas
) -> None:
    people.product("RF-800", line="refrigerator")
    people.product("AC-1")
    people.technician()
    first = Driver(database, settings, address="CA-1")
    first.start("intake", phone="010-3000-0009")
    first.answer(Answer(text="Kim"))
    assert first.answer(Answer(text="rf 800")).step == "serial"  # one match: chosen
    for answer in (
        Answer(text="sn-77"),
        Answer(text="2026-01-10"),
        Answer(text="noise"),
        Answer(text="서울 중구 1"),
        Answer(choice="city"),
        Answer(choice="yes"),
    ):
        first.answer(answer)
    assert first.prompts[-1].step == "done"
    again = Driver(database, settings, address="CA-2")
    # Issue 16: the caller ID is confirmed by one of its case numbers before its units show.
    assert again.start("intake", phone="+82 10-3000-0009").step == "identify"
    product = again.answer(Answer(text="2026000001"))
    assert product.step == "product"
    assert product.choices[0].value.startswith("unit:")
    assert product.choices[0].values["bought"] == "January 2026"
    assert again.answer(Answer(choice=product.choices[0].value)).step == "description"
    confirm = again.answer(Answer(text="다시 고장"))  # the address on file: in the summary
    assert confirm.step == "confirm" and confirm.values["address"] == "서울 중구 1"
    assert again.answer(Answer(choice="yes")).step == "done"


def test_complaint_names_the_case_and_who_handles_it(
    database: Database, settings: Settings, people: Personas
) -> None:
    talk = Driver(database, settings)
    talk.start("complaint", phone="010-3000-0009")
    talk.answer(Answer(text="Lee"))
    talk.answer(Answer(choice="2"))  # packaging
    talk.answer(Answer(choice="serious"))
    done = talk.answer(Answer(text="The box arrived crushed 📦"))
    assert done.finished and done.result is not None
    assert done.result["department"] == "warehouse_transport"
    assert "Warehouse and transport" in done.values["handlers"]
    assert "vice-president" in done.values["handlers"]
    assert missing_translations("ko", talk.message_ids()) == []


def test_my_cases_and_which_case_a_message_belongs_to(
    database: Database, settings: Settings, people: Personas
) -> None:
    people.product("AC-1")
    people.technician()
    for serial in ("S1", "S2"):
        talk = Driver(database, settings, address=f"CA-{serial}")
        talk.start("intake", phone="010-3000-0009")
        who = [Answer(text="Kim")] if serial == "S1" else [Answer(text="2026000001")]
        where = [Answer(text="서울 중구 1")] if serial == "S1" else []  # then the one on file
        for answer in [
            *who,
            Answer(text="AC-1"),
            Answer(text=serial),
            Answer(skip=True),
            Answer(text="broken"),
            *where,
            Answer(choice="yes"),
        ]:
            talk.answer(answer)
            if talk.prompts[-1].step == "zone":
                talk.answer(Answer(choice="city"))
        assert talk.prompts[-1].step == "done", talk.steps()
    # Finding 5: the caller ID alone says nothing; the keyed case number tells that one case.
    status_call = Driver(database, settings, address="CA-9")
    asked = status_call.start("status", phone="01030000009")
    assert asked.step == "case_number" and "AS-2026-" not in asked.text
    status = status_call.answer(Answer(text="2026000001"))
    assert status.finished and status.values["cases"].count("AS-2026-") == 1
    assert "technician 민수" in status.values["cases"]
    note = Driver(database, settings, address="CA-9")
    with database.session() as session:
        conversation = engine.get_conversation(session, "phone", "CA-9")
        conversation.customer_id = session.scalars(select(Case.customer_id)).first()
    ask = note.start("case_note", text="내일 오후에 와 주세요")
    assert ask.step == "case" and len(ask.choices) == 3
    added = note.answer(Answer(choice=ask.choices[1].value))
    assert added.finished
    with database.session() as session:
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.action == "customer_message")
        ).one()
        assert event.note == "내일 오후에 와 주세요" and event.case.number == added.values["number"]
