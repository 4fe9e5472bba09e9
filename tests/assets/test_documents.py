"""Documents (R6.2–R6.5): PDFs attached to products and parts, read by role — a technician never
reads a confidential one, by list, description or download — and checked at upload."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient

from tests.assets.conftest import PDF
from tests.factories import Personas


def upload(
    client: FlaskClient,
    people: Personas,
    *,
    level: str = "service",
    content: bytes = PDF,
    role: str = "repair_manager",
    **fields: str,
) -> Any:
    data = {
        "model": "AC-1",
        "kind": "repair_guide",
        "level": level,
        "title": "Fan replacement",
        **fields,
        "file": (io.BytesIO(content), "fan guide.pdf"),
    }
    return client.post(
        "/api/v1/documents",
        data=data,
        headers=people.headers(role),
        content_type="multipart/form-data",
    )


def test_r6_5_a_technician_cannot_read_a_document_outside_their_role(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    kim = people.technician()
    guide = upload(client, people, part_code="FAN").get_json()
    secret = upload(
        client, people, level="confidential", kind="specification", title="Compressor design"
    ).get_json()
    tech = people.technician_headers(kim)
    listed = client.get("/api/v1/documents?model=AC-1", headers=tech).get_json()["items"]
    assert [d["id"] for d in listed] == [guide["id"]]
    assert client.get(f"/api/v1/documents/{secret['id']}", headers=tech).status_code == 404
    assert client.get(f"/api/v1/documents/{secret['id']}/file", headers=tech).status_code == 404
    pdf = client.get(f"/api/v1/documents/{guide['id']}/file", headers=tech)
    assert pdf.status_code == 200 and pdf.data == PDF and pdf.mimetype == "application/pdf"
    # The managers read both; the receptionist only what is general; finance none at all.
    managers = client.get(
        "/api/v1/documents", headers=people.headers("service_director")
    ).get_json()
    assert {d["id"] for d in managers["items"]} == {guide["id"], secret["id"]}
    desk = client.get("/api/v1/documents", headers=people.headers("receptionist")).get_json()
    assert desk["items"] == []
    assert client.get("/api/v1/documents", headers=people.headers("finance")).status_code == 403
    parts = client.get("/api/v1/documents?model=AC-1&part_code=FAN", headers=tech).get_json()
    assert [d["part_code"] for d in parts["items"]] == ["FAN"]


def test_r6_2_an_upload_must_be_a_pdf_of_a_known_model_and_part_within_the_size_limit(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    for kwargs, field in (
        ({"content": b"GIF89a not a pdf"}, "file"),
        ({"model": "NOPE"}, "model"),
        ({"part_code": "NOPE"}, "part_code"),
        ({"level": "top_secret"}, "level"),
        ({"kind": "novel"}, "kind"),
        ({"title": ""}, "title"),
    ):
        answer = upload(client, people, **kwargs)
        assert answer.status_code == 422, (kwargs, answer.get_json())
        assert answer.get_json()["error"]["field"] == field, kwargs
    assert upload(client, people, role="technician").status_code == 403
    # Larger than any other request body (1 MB), within the documents' own limit (10 MB).
    assert upload(client, people, content=PDF + b"0" * 2_000_000).status_code == 201
    big = upload(client, people, content=PDF + b"0" * 10_000_001)
    assert big.status_code in (413, 422)
    json_body = client.post("/api/v1/documents", json={}, headers=people.headers("repair_manager"))
    assert json_body.status_code == 422 and json_body.get_json()["error"]["field"] == "file"
