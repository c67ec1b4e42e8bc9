"""An interaction's body has a documented maximum (docs/api-conventions.md, "How long text
may be"): 20,000 characters. Beyond it a 422 names the field and the limit; a request over
`max_body_bytes` is a 413; in both cases nothing is written. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from services.complaints.api.schemas import MAX_BODY_TEXT
from tests.conftest import RunningComplaints
from tests.service.test_bad_input import PROBLEM, event_count, opened

NOTE = {"kind": "note", "direction": "internal", "summary": "call notes"}


def test_the_documented_maximum_is_twenty_thousand_characters() -> None:
    assert MAX_BODY_TEXT == 20_000


async def test_a_body_of_exactly_the_maximum_is_recorded_whole(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await opened(complaints)
    # Multi-byte characters: the limit counts characters, not bytes.
    body = ("Dear Sir or Madam, é€😀\n" * 1000)[:MAX_BODY_TEXT]
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/interactions",
        json={**NOTE, "body": body},
        headers=complaints.headers(),
    )
    assert response.status_code == 201, response.text
    history = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history", headers=complaints.headers()
    )
    assert history.json()["items"][-1]["data"]["body"] == body


async def test_one_character_over_the_maximum_is_refused_naming_the_field_and_the_limit(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await opened(complaints)
    before = event_count(complaints)
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/interactions",
        json={**NOTE, "body": "x" * (MAX_BODY_TEXT + 1)},
        headers=complaints.headers(),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert [error["field"] for error in problem["errors"]] == ["body"]
    assert "20000 characters" in problem["errors"][0]["message"]
    assert "body" in problem["detail"] and "20000" in problem["detail"]
    assert event_count(complaints) == before


async def test_a_request_over_the_body_size_limit_is_413_and_records_nothing(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await opened(complaints)
    before = event_count(complaints)
    max_bytes = complaints.service.settings.max_body_bytes
    # Within the field's maximum in characters, but padded past the request's bytes.
    padded = json.dumps({**NOTE, "body": "x"}) + " " * max_bytes
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/interactions",
        content=padded.encode(),
        headers=complaints.headers(**{"Content-Type": "application/json"}),
    )
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM
    assert str(max_bytes) in response.json()["detail"]
    assert event_count(complaints) == before


def test_the_openapi_document_states_the_maximum(complaints: RunningComplaints) -> None:
    from services.complaints.app import create_app

    schema = create_app(complaints.service).openapi()["components"]["schemas"]
    body = schema["RecordInteraction"]["properties"]["body"]
    lengths = [branch.get("maxLength") for branch in body.get("anyOf", [body])]
    assert MAX_BODY_TEXT in lengths
