"""Finding 14 on the phone: odd digits in Digits/SpeechResult/CallDuration and NUL in CallSid or
CallStatus answer valid TwiML or a 4xx, never a 500; hypothesis over signed Twilio forms."""

from __future__ import annotations

import itertools
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import Personas
from tests.ivr.fake_twilio import Call, twiml

CALLER = "+821030000001"
ODD = ["²", "①", "1²", "٣", "9" * 5000, "𝟙", "*²", "²#"]
_sids = itertools.count(1)


@pytest.fixture
def catalogue(people: Personas) -> None:
    people.product()
    people.technician()


def _sid() -> str:
    return f"CA{next(_sids):032d}"


@pytest.mark.parametrize("digits", ODD)
def test_finding_14_odd_digits_at_the_menu_and_in_the_dialogue_are_asked_again(
    client: FlaskClient, catalogue: None, digits: str
) -> None:
    call = Call(client, _sid(), CALLER)
    call.start()
    call.press(digits)  # the menu: not a choice
    call.press("1")  # report a fault
    call.say("홍길동")
    call.press(digits)  # the product line: asked again
    root = call.say(digits)  # a second miss: valid TwiML (asked again, or a person)
    assert root.find("Gather") is not None or root.find("Dial") is not None


@pytest.mark.parametrize("duration", ODD)
def test_finding_14_odd_call_duration_in_a_status_callback_is_not_a_500(
    client: FlaskClient, catalogue: None, duration: str
) -> None:
    call = Call(client, _sid(), CALLER)
    call.start()
    response = call.post("/ivr/status", {"CallStatus": "completed", "CallDuration": duration})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["CallSid", "CallStatus", "Digits", "From"])
@pytest.mark.parametrize("url", ["/ivr/voice", "/ivr/status", "/ivr/menu"])
def test_finding_14_nul_in_twilio_fields_is_refused_with_400(
    client: FlaskClient, catalogue: None, field: str, url: str
) -> None:
    call = Call(client, _sid(), CALLER)
    response = call.post(url, {"CallStatus": "completed", field: "CA\x001"})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["field"] == field


def test_finding_14_a_nul_call_id_in_the_query_is_refused(client: FlaskClient) -> None:
    response = Call(client, _sid(), CALLER).post("/ivr/status?call_id=1%00", {})
    assert response.status_code == 400


@pytest.mark.parametrize("call_id", ["²", "99999999999999999999", "-1"])
def test_finding_14_odd_call_ids_in_the_query_are_unknown_calls(
    client: FlaskClient, call_id: str
) -> None:
    response = Call(client, _sid(), CALLER).post(
        f"/ivr/status?call_id={quote(call_id)}", {"CallStatus": "completed"}
    )
    assert response.status_code == 404


twilio_text = st.one_of(
    st.sampled_from([*ODD, "\x00", "1", "*", "#", "0", "일", "네", "2147483648", "-5"]),
    st.text(max_size=12),
)


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    url=st.sampled_from(
        ["/ivr/voice", "/ivr/menu", "/ivr/dialogue", "/ivr/status", "/ivr/transcription"]
    ),
    fields=st.dictionaries(
        st.sampled_from(
            ["Digits", "SpeechResult", "CallDuration", "CallStatus", "CallSid", "From"]
        ),
        twilio_text,
        max_size=4,
    ),
)
def test_finding_14_hypothesis_signed_ivr_forms_never_answer_5xx(
    client: FlaskClient, catalogue: None, url: str, fields: dict[str, str]
) -> None:
    call = Call(client, _sid(), CALLER)
    if url != "/ivr/voice":
        twiml(call.post("/ivr/voice"))
    response = call.post(url, fields)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
