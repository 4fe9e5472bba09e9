"""A local Twilio REST server (real HTTP on 127.0.0.1) and a test double playing Twilio's side of a
call: it fetches the call's URL, answers <Gather>/<Record> prompts and posts status callbacks,
signing every request the way Twilio does (twilio's own RequestValidator)."""

from __future__ import annotations

import itertools
import json
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://desk.example.test"


@dataclass
class RestRequest:
    resource: str  # "Calls" | "Messages"
    form: dict[str, str]
    sid: str


@dataclass
class FakeTwilio:
    """Answers Calls.json and Messages.json like Twilio (201 and a JSON resource)."""

    requests: list[RestRequest] = field(default_factory=list)
    url: str = ""
    refusals: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # answered first
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def refuse_next(self, status: int, code: int, message: str) -> None:
        """The next REST request answers `status` with Twilio's error body (e.g. 429, 20429)."""
        self.refusals.append((status, {"code": code, "message": message, "status": status}))

    def calls(self) -> list[RestRequest]:
        return [r for r in self.requests if r.resource == "Calls"]

    def messages(self) -> list[RestRequest]:
        return [r for r in self.requests if r.resource == "Messages"]

    def handle(self, path: str, body: str) -> tuple[int, dict[str, Any]]:
        if self.refusals:
            return self.refusals.pop(0)
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["2010-04-01", "Accounts"] or parts[2] != ACCOUNT_SID:
            return 404, {
                "code": 20404,
                "message": "The requested resource was not found",
                "status": 404,
            }
        resource = parts[3].removesuffix(".json")
        form = {key: values[0] for key, values in parse_qs(body).items()}
        prefix = "CA" if resource == "Calls" else "SM"
        sid = f"{prefix}{next(self._counter):032x}"
        self.requests.append(RestRequest(resource, form, sid))
        return 201, {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": form.get("To"),
            "from": form.get("From"),
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "body": form.get("Body"),
            "date_created": "Wed, 25 Nov 2026 01:00:00 +0000",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/{resource}/{sid}.json",
        }


def serve(fake: FakeTwilio) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            status, answer = fake.handle(self.path, self.rfile.read(length).decode())
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- playing Twilio against the app ---------------------------------------------------------


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def twiml(response: TestResponse) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.get_data())


def spoken(root: ET.Element) -> str:
    """Everything the caller hears, in order."""
    return " ".join((say.text or "") for say in root.iter("Say"))


class Call:
    """One phone call as Twilio makes it: every request signed, the caller's moves as fields."""

    def __init__(
        self, client: FlaskClient, sid: str, caller: str, *, direction: str = "inbound"
    ) -> None:
        self.client = client
        self.sid = sid
        self.caller = caller
        self.direction = direction
        self.last: ET.Element | None = None
        self.sequence = 0

    def post(
        self, url: str, fields: dict[str, str] | None = None, *, signature: str | None = None
    ) -> TestResponse:
        params = {
            "CallSid": self.sid,
            "AccountSid": ACCOUNT_SID,
            "From": self.caller,
            "To": "+8215880000",
            "Direction": self.direction,
            **(fields or {}),
        }
        if not url.startswith("http"):
            url = PUBLIC_BASE_URL + url
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        header = sign(url, params) if signature is None else signature
        return self.client.post(path, data=params, headers={"X-Twilio-Signature": header})

    def start(self, url: str = "/ivr/voice", **fields: str) -> ET.Element:
        self.last = twiml(self.post(url, fields))
        return self.last

    def action(self) -> str:
        """Where Twilio goes next: the <Gather>'s or <Record>'s action."""
        assert self.last is not None
        for verb in ("Gather", "Record"):
            node = self.last.find(verb)
            if node is not None:
                return node.attrib["action"]
        raise AssertionError(f"no Gather or Record in {ET.tostring(self.last, 'unicode')}")

    def press(self, digits: str) -> ET.Element:
        self.last = twiml(self.post(self.action(), {"Digits": digits}))
        return self.last

    def say(self, words: str, confidence: str = "0.92") -> ET.Element:
        self.last = twiml(
            self.post(self.action(), {"SpeechResult": words, "Confidence": confidence})
        )
        return self.last

    def silence(self) -> ET.Element:
        self.last = twiml(self.post(self.action(), {}))
        return self.last

    def record(self, url: str, transcription: str | None = None) -> ET.Element:
        fields = {"RecordingUrl": url, "RecordingSid": "RE" + "1" * 32, "RecordingDuration": "9"}
        if transcription is not None:
            fields["TranscriptionText"] = transcription
        self.last = twiml(self.post(self.action(), fields))
        return self.last

    def status(
        self, status: str, *, answered_by: str | None = None, query: str = ""
    ) -> TestResponse:
        self.sequence += 1
        fields = {"CallStatus": status, "SequenceNumber": str(self.sequence), "CallDuration": "42"}
        if answered_by:
            fields["AnsweredBy"] = answered_by
        return self.post("/ivr/status" + query, fields)

    def replay_status(self, status: str, sequence: int, query: str = "") -> TestResponse:
        return self.post(
            "/ivr/status" + query,
            {"CallStatus": status, "SequenceNumber": str(sequence), "CallDuration": "42"},
        )
