"""A CRM drives a complaint through its whole internal life over REST (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from libs.domain.values import Role
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint
from tests.support.etags import version_of

DEFAULT_REGIME_LETTER = {"decision": "upheld", "adr_rights_stated": True}
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0).isoformat()


async def test_a_complaint_from_first_contact_to_closure(complaints: RunningComplaints) -> None:
    client, agent = complaints.client, complaints.headers(Role.CRM)
    opened = await client.post("/v1/complaints", json=new_complaint(), headers=agent)
    assert opened.status_code == 201, opened.text
    complaint = opened.json()
    url = f"/v1/complaints/{complaint['id']}"
    assert opened.headers["location"] == url
    assert version_of(opened.headers["etag"]) == 1
    assert complaint["status"] == "open" and complaint["tier"] == "frontline"

    steps = [
        (
            "/interactions",
            {
                "kind": "call",
                "direction": "inbound",
                "summary": "Customer rang",
                "occurred_at": YESTERDAY,
            },
            201,
        ),
        ("/escalations", {"reason": "Customer asked for a supervisor"}, 201),
        (
            "/offers",
            {"description": "Refund", "amount": {"amount": "42.50", "currency": "GBP"}},
            201,
        ),
    ]
    for path, body, status in steps:
        response = await client.post(url + path, json=body, headers=agent)
        assert response.status_code == status, (path, response.text)
    offer_id = response.json()["offers"][0]["id"]

    response = await client.post(
        f"{url}/offers/{offer_id}/response", json={"decision": "accepted"}, headers=agent
    )
    assert response.json()["offers"][0]["status"] == "accepted"
    response = await client.post(
        f"{url}/resolution",
        headers=agent,
        json={
            "outcome": "upheld",
            "summary": "Duplicate charge confirmed",
            "remedy": "Refund",
            "redress": {"amount": "42.50", "currency": "GBP"},
        },
    )
    assert response.json()["resolution"]["decided_at_tier"] == "supervisor"
    response = await client.post(
        f"{url}/final-response",
        json={"letter": "Dear Ada, …", "elements": DEFAULT_REGIME_LETTER},
        headers=agent,
    )
    assert response.json()["status"] == "final_response_issued"

    response = await client.post(
        f"{url}/appeals", json={"grounds": "Wants compensation too"}, headers=agent
    )
    assert response.status_code == 201
    appeal_id = response.json()["appeals"][0]["id"]
    decision = {"outcome": "dismissed", "decided_at_tier": "manager", "reasons": "Refund is fair"}
    refused = await client.post(f"{url}/appeals/{appeal_id}/decision", json=decision, headers=agent)
    assert refused.status_code == 403
    response = await client.post(
        f"{url}/appeals/{appeal_id}/decision",
        json=decision,
        headers=complaints.headers(Role.SUPERVISOR),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "final_response_issued"

    response = await client.post(f"{url}/closure", json={"reason": "Resolved"}, headers=agent)
    assert response.json()["status"] == "closed"
    response = await client.post(f"{url}/reopen", json={"reason": "New evidence"}, headers=agent)
    assert response.json()["status"] == "open"

    current = await client.get(url, headers=complaints.headers(Role.AUDITOR))
    assert current.status_code == 200
    assert version_of(current.headers["etag"]) == current.json()["version"]
    assert current.json()["version"] == 11  # one event per step above
    interaction = current.json()["interactions"][0]
    assert datetime.fromisoformat(interaction["occurred_at"]) == datetime.fromisoformat(YESTERDAY)
    assert interaction["occurred_at"].endswith("Z")
    assert interaction["recorded_at"] > interaction["occurred_at"]


async def test_every_event_records_actor_and_correlation_id(
    complaints: RunningComplaints,
) -> None:
    response = await complaints.client.post(
        "/v1/complaints",
        json=new_complaint(),
        headers=complaints.headers(Role.AGENT, **{"X-Correlation-ID": "crm-req-77"}),
    )
    assert response.headers["x-correlation-id"] == "crm-req-77"
    application = complaints.service.application
    events = list(
        application.events.get(
            application.recorder.select_notifications(start=1, limit=10_000)[-1].originator_id
        )
    )
    assert [(e.actor, e.correlation_id) for e in events] == [  # type: ignore[attr-defined]
        ("agent:test-agent", "crm-req-77")
    ]


async def test_the_list_filters_and_pages_newest_first(complaints: RunningComplaints) -> None:
    client, headers = complaints.client, complaints.headers()
    customer = {"id": "C-list-" + complaints.keys[Role.AGENT][-6:], "name": "Grace"}
    ids = []
    for category in ("billing", "refund", "billing", "billing", "service"):
        response = await client.post(
            "/v1/complaints",
            json=new_complaint(customer=customer, category=category),
            headers=headers,
        )
        ids.append(response.json()["id"])
    await client.post(f"/v1/complaints/{ids[0]}/escalations", json={"reason": "r"}, headers=headers)

    seen: list[str] = []
    cursor = None
    while True:
        params = {"customer_id": customer["id"], "category": "billing", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/complaints", params=params, headers=headers)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [ids[3], ids[2], ids[0]]

    escalated = await client.get(
        "/v1/complaints",
        headers=headers,
        params={"customer_id": customer["id"], "status": "escalated"},
    )
    assert [item["id"] for item in escalated.json()["items"]] == [ids[0]]
    assert escalated.json()["items"][0]["tier"] == "supervisor"
