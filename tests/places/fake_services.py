"""Local fakes on 127.0.0.1 of the services places uses, in their wire formats: Kakao Local's
address search, Nominatim's search and OSRM's table service. Each records its calls; a test
sets the answers, makes the next calls fail, or holds them (the client's timeout fires)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.telegram.fake_bot_api import QuietHandler


@dataclass
class FakeGeoServices:
    places: dict[str, tuple[float, float]] = field(default_factory=dict)  # address → lat, lon
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    fail_status: int | None = None  # every call answers this status instead
    held: threading.Event | None = None  # set: calls wait for it (or the server's stop)
    minutes_per_km: float = 2.0  # OSRM: every trip this slow, 1 km per 0.01° of either axis

    def __post_init__(self) -> None:
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeGeoServices:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.held is not None:
            self.held.set()
        self._server.shutdown()

    def hold(self) -> None:
        self.held = threading.Event()

    def release(self) -> None:
        if self.held is not None:
            self.held.set()
        self.held = None

    def paths(self, prefix: str) -> list[dict[str, str]]:
        return [params for path, params in self.calls if path.startswith(prefix)]

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.calls.append((request.path, dict(request.args)))
        held = self.held
        if held is not None:
            held.wait(timeout=30)
        if self.fail_status is not None:
            return Response("unavailable", status=self.fail_status)(environ, start_response)
        if request.path == "/v2/local/search/address.json":
            answer = self._kakao(request)
        elif request.path == "/search":
            answer = self._nominatim(request)
        elif request.path.startswith("/table/v1/driving/"):
            answer = self._osrm(request)
        else:
            return Response("not found", status=404)(environ, start_response)
        body = json.dumps(answer, ensure_ascii=False)
        return Response(body, mimetype="application/json")(environ, start_response)

    def _kakao(self, request: Request) -> Any:
        if not request.headers.get("Authorization", "").startswith("KakaoAK "):
            return {"errorType": "AccessDeniedError"}  # Kakao answers 401 with this body
        found = self.places.get(request.args.get("query", ""))
        documents = [] if found is None else [{"y": str(found[0]), "x": str(found[1])}]
        return {"meta": {"total_count": len(documents)}, "documents": documents}

    def _nominatim(self, request: Request) -> Any:
        found = self.places.get(request.args.get("q", ""))
        return [] if found is None else [{"lat": str(found[0]), "lon": str(found[1])}]

    def _osrm(self, request: Request) -> Any:
        raw = request.path.removeprefix("/table/v1/driving/")
        points = [tuple(float(v) for v in chunk.split(",")) for chunk in raw.split(";")]
        sources = [int(k) for k in request.args["sources"].split(";")]
        destinations = [int(k) for k in request.args["destinations"].split(";")]
        km = [
            [
                abs(points[s][0] - points[d][0]) * 100 + abs(points[s][1] - points[d][1]) * 100
                for d in destinations
            ]
            for s in sources
        ]
        return {
            "code": "Ok",
            "durations": [[k * self.minutes_per_km * 60 for k in row] for row in km],
            "distances": [[k * 1000 for k in row] for row in km],
        }
