"""Bad input gets a 4xx problem document naming the problem, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from libs.domain.values import Role
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint

PROBLEM = "application/problem+json"


def event_count(complaints: RunningComplaints) -> int:
    return int(complaints.service.application.recorder.max_notification_id() or 0)


async def opened(complaints: RunningComplaints) -> str:
    response = await complaints.client.post(
        "/v1/complaints", json=new_complaint(), headers=complaints.headers()
    )
    return str(response.json()["id"])


BAD_COMPLAINTS: list[tuple[str, dict[str, Any], int, str]] = [
    ("missing customer", {"customer": None}, 422, "customer"),
    ("unknown category", {"category": "gossip"}, 422, "category"),
    ("wrong type", {"description": 42}, 422, "description"),
    ("empty description", {"description": "   "}, 422, "description"),
    ("oversize description", {"description": "x" * 20_001}, 422, "description"),
    ("unknown field", {"is_admin": True}, 422, "is_admin"),
    (
        "bad currency",
        {"amount_in_dispute": {"amount": "1", "currency": "pounds"}},
        422,
        "amount_in_dispute.currency",
    ),
    (
        "negative amount",
        {"amount_in_dispute": {"amount": "-1", "currency": "GBP"}},
        422,
        "amount_in_dispute.amount",
    ),
    ("unknown regime", {"regime": "narnia"}, 422, "regime"),
    ("time without offset", {"occurred_at": "2026-01-01T10:00:00"}, 422, "occurred_at"),
    ("future time", {"occurred_at": "2999-01-01T10:00:00+00:00"}, 422, "occurred_at"),
]


@pytest.mark.parametrize(
    ("case", "change", "status", "field"), BAD_COMPLAINTS, ids=[c[0] for c in BAD_COMPLAINTS]
)
async def test_a_bad_complaint_is_refused_naming_the_field(
    complaints: RunningComplaints, case: str, change: dict[str, Any], status: int, field: str
) -> None:
    before = event_count(complaints)
    body = {k: v for k, v in {**new_complaint(), **change}.items() if v is not None}
    response = await complaints.client.post(
        "/v1/complaints", json=body, headers=complaints.headers()
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("urn:redress:problem:")
    assert field in problem["detail"] or field in [e["field"] for e in problem.get("errors", [])]
    assert event_count(complaints) == before


async def test_malformed_json_and_oversize_bodies_are_refused(
    complaints: RunningComplaints,
) -> None:
    before = event_count(complaints)
    response = await complaints.client.post(
        "/v1/complaints",
        content=b'{"customer": ',
        headers=complaints.headers(**{"content-type": "application/json"}),
    )
    assert (response.status_code, response.json()["type"]) == (
        400,
        "urn:redress:problem:malformed-json",
    )
    response = await complaints.client.post(
        "/v1/complaints",
        content=b"x" * (1_048_577),
        headers=complaints.headers(**{"content-type": "application/json"}),
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert event_count(complaints) == before


async def test_unknown_complaints_and_entities_are_404(complaints: RunningComplaints) -> None:
    headers = complaints.headers()
    for path in (
        "/v1/complaints/not-a-uuid",
        "/v1/complaints/00000000-0000-0000-0000-000000000000",
    ):
        response = await complaints.client.get(path, headers=headers)
        assert response.status_code == 404
        assert "no complaint" in response.json()["detail"]
    complaint_id = await opened(complaints)
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/offers/nope/response",
        json={"decision": "accepted"},
        headers=headers,
    )
    assert response.status_code == 404
    assert "no offer with id 'nope'" in response.json()["detail"]


async def test_an_illegal_transition_is_409_naming_the_current_status(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await opened(complaints)
    before = event_count(complaints)
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/final-response",
        json={"letter": "Dear"},
        headers=complaints.headers(),
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["current_status"] == "open"
    assert "status is 'open'" in problem["detail"]
    assert event_count(complaints) == before


async def test_calls_without_a_valid_key_are_401(complaints: RunningComplaints) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer rdk_nope"}):
        response = await complaints.client.get("/v1/complaints", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"] == PROBLEM


async def test_auditors_read_but_cannot_write(complaints: RunningComplaints) -> None:
    complaint_id = await opened(complaints)
    auditor = complaints.headers(Role.AUDITOR)
    assert (
        await complaints.client.get(f"/v1/complaints/{complaint_id}", headers=auditor)
    ).status_code == 200
    before = event_count(complaints)
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/escalations", json={"reason": "x"}, headers=auditor
    )
    assert response.status_code == 403
    assert "auditor" in response.json()["detail"]
    assert event_count(complaints) == before


async def test_a_revoked_key_stops_working(complaints: RunningComplaints) -> None:
    key, secret = complaints.service.keyring.issue(role=Role.CRM, name="temp")
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await complaints.client.get("/v1/complaints", headers=headers)).status_code == 200
    complaints.service.keyring.revoke(key.id)
    assert (await complaints.client.get("/v1/complaints", headers=headers)).status_code == 401


async def test_a_bad_cursor_or_page_size_is_422(complaints: RunningComplaints) -> None:
    for params in (
        {"cursor": "garbage!"},
        {"limit": 0},
        {"limit": 10_000},
        {"status": "sleeping"},
        {"received_from": "yesterday"},
    ):
        response = await complaints.client.get(
            "/v1/complaints", params=params, headers=complaints.headers()
        )
        assert response.status_code == 422, params


async def test_an_event_may_be_back_dated_only_within_the_window(
    complaints: RunningComplaints,
) -> None:
    from datetime import UTC, datetime, timedelta

    complaint_id = await opened(complaints)
    url = f"/v1/complaints/{complaint_id}/interactions"
    note = {"kind": "note", "direction": "internal", "summary": "call notes"}
    long_ago = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    refused = await complaints.client.post(
        url, json={**note, "occurred_at": long_ago}, headers=complaints.headers()
    )
    assert refused.status_code == 422
    assert "back-dating window" in refused.json()["detail"]
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    accepted = await complaints.client.post(
        url, json={**note, "occurred_at": yesterday}, headers=complaints.headers()
    )
    assert accepted.status_code == 201


async def test_a_key_sending_too_fast_gets_429_with_retry_after(tmp_path: Any) -> None:
    import httpx

    from services.complaints.app import create_app
    from services.complaints.bootstrap import bootstrap
    from services.complaints.settings import ComplaintsSettings

    service = bootstrap(
        ComplaintsSettings(
            database_url=f"sqlite:///{tmp_path / 'limited.db'}",
            rate_limit_per_second=1,
            rate_limit_burst=3,
        )
    )
    secret = service.keyring.issue(role=Role.CRM, name="eager")[1]
    app = create_app(service)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://limited"
    ) as client:
        statuses = [
            (await client.get("/v1/complaints", headers={"Authorization": f"Bearer {secret}"}))
            for _ in range(5)
        ]
    assert [r.status_code for r in statuses][:3] == [200, 200, 200]
    assert statuses[-1].status_code == 429
    assert int(statuses[-1].headers["retry-after"]) >= 1
    assert statuses[-1].json()["type"] == "urn:redress:problem:rate-limited"
    service.stop()
