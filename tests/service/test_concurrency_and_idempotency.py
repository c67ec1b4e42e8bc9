"""ETags and If-Match, concurrent writers, and retried requests (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.conftest import RunningComplaints, build_complaints
from tests.support.complaints import new_complaint
from tests.support.etags import version_of


async def opened(complaints: RunningComplaints) -> tuple[str, str]:
    response = await complaints.client.post(
        "/v1/complaints", json=new_complaint(), headers=complaints.headers()
    )
    return response.json()["id"], response.headers["etag"]


async def test_a_write_with_a_stale_etag_gets_412_and_changes_nothing(
    complaints: RunningComplaints,
) -> None:
    complaint_id, etag = await opened(complaints)
    url = f"/v1/complaints/{complaint_id}"
    first = await complaints.client.post(
        f"{url}/escalations", json={"reason": "a"}, headers=complaints.headers(**{"If-Match": etag})
    )
    assert first.status_code == 201 and version_of(first.headers["etag"]) == 2
    second = await complaints.client.post(
        f"{url}/escalations", json={"reason": "b"}, headers=complaints.headers(**{"If-Match": etag})
    )
    assert second.status_code == 412
    assert second.json()["current_version"] == 2
    assert (await complaints.client.get(url, headers=complaints.headers())).json()["version"] == 2


async def test_concurrent_writers_never_lose_an_update(complaints: RunningComplaints) -> None:
    complaint_id, _ = await opened(complaints)
    url = f"/v1/complaints/{complaint_id}/interactions"

    async def note(n: int) -> int:
        response = await complaints.client.post(
            url,
            json={"kind": "note", "direction": "internal", "summary": f"note {n}"},
            headers=complaints.headers(),
        )
        return response.status_code

    statuses = await asyncio.gather(*(note(n) for n in range(20)))
    assert statuses == [201] * 20
    complaint = (
        await complaints.client.get(f"/v1/complaints/{complaint_id}", headers=complaints.headers())
    ).json()
    assert sorted(i["summary"] for i in complaint["interactions"]) == sorted(
        f"note {n}" for n in range(20)
    )


async def test_two_writers_with_the_same_etag_one_wins_the_other_gets_412(
    complaints: RunningComplaints,
) -> None:
    complaint_id, etag = await opened(complaints)
    url = f"/v1/complaints/{complaint_id}/interactions"
    body = {"kind": "note", "direction": "internal", "summary": "racing"}
    responses = await asyncio.gather(
        *(
            complaints.client.post(url, json=body, headers=complaints.headers(**{"If-Match": etag}))
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 412]


async def test_a_retried_post_with_the_same_key_creates_one_complaint(
    complaints: RunningComplaints,
) -> None:
    body = new_complaint()
    headers = complaints.headers(**{"Idempotency-Key": "open-1"})
    first = await complaints.client.post("/v1/complaints", json=body, headers=headers)
    again = await complaints.client.post("/v1/complaints", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await complaints.client.post(
        "/v1/complaints", json={**body, "channel": "phone"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"] == "urn:redress:problem:idempotency-key-reused"
    listed = await complaints.client.get(
        "/v1/complaints",
        params={"customer_id": body["customer"]["id"]},
        headers=complaints.headers(),
    )
    assert len(listed.json()["items"]) == 1


async def test_a_refusal_is_replayed_for_the_same_key(complaints: RunningComplaints) -> None:
    complaint_id, _ = await opened(complaints)
    headers = complaints.headers(**{"Idempotency-Key": "final-1"})
    url = f"/v1/complaints/{complaint_id}/final-response"
    first = await complaints.client.post(url, json={"letter": "Dear"}, headers=headers)
    again = await complaints.client.post(url, json={"letter": "Dear"}, headers=headers)
    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()


async def test_keys_are_scoped_by_client(complaints: RunningComplaints) -> None:
    from libs.domain.values import Role

    body = new_complaint()
    crm = await complaints.client.post(
        "/v1/complaints",
        json=body,
        headers=complaints.headers(Role.CRM, **{"Idempotency-Key": "shared"}),
    )
    agent = await complaints.client.post(
        "/v1/complaints",
        json=body,
        headers=complaints.headers(Role.AGENT, **{"Idempotency-Key": "shared"}),
    )
    assert crm.json()["id"] != agent.json()["id"]


async def test_a_retry_after_a_restart_still_creates_one_complaint(
    complaints: RunningComplaints, database_url: str
) -> None:
    import httpx

    from services.complaints.app import create_app

    body = new_complaint()
    headers = complaints.headers(**{"Idempotency-Key": "across-restart"})
    first = await complaints.client.post("/v1/complaints", json=body, headers=headers)
    escalated = await complaints.client.post(
        f"/v1/complaints/{first.json()['id']}/escalations",
        json={"reason": "r"},
        headers=complaints.headers(**{"Idempotency-Key": "esc-across-restart"}),
    )
    assert escalated.status_code == 201

    restarted = build_complaints(database_url)
    app = create_app(restarted)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://restarted"
        ) as client,
    ):
        again = await client.post("/v1/complaints", json=body, headers=headers)
        assert again.json()["id"] == first.json()["id"]
        esc_again = await client.post(
            f"/v1/complaints/{first.json()['id']}/escalations",
            json={"reason": "r"},
            headers=complaints.headers(**{"Idempotency-Key": "esc-across-restart"}),
        )
        assert esc_again.json()["version"] == 2


async def test_a_command_whose_response_was_lost_is_not_recorded_twice(
    complaints: RunningComplaints,
) -> None:
    """The process died after recording the events but before storing the response: the
    claim is stale, the retry runs the command again, and the domain recognises it."""
    from sqlalchemy import update

    from services.complaints.readmodel.tables import idempotency_records

    complaint_id, _ = await opened(complaints)
    headers = complaints.headers(**{"Idempotency-Key": "lost-response"})
    url = f"/v1/complaints/{complaint_id}/escalations"
    first = await complaints.client.post(url, json={"reason": "r"}, headers=headers)
    assert first.json()["version"] == 2
    with complaints.service.read_engine.begin() as connection:
        connection.execute(
            update(idempotency_records).values(
                status="running", claimed_at=datetime(2000, 1, 1, tzinfo=UTC)
            )
        )
    retried = await complaints.client.post(url, json={"reason": "r"}, headers=headers)
    assert retried.status_code == 201
    assert retried.json()["version"] == 2
    assert retried.json()["tier"] == "supervisor"
