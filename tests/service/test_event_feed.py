"""The complaints service's event feed: what downstream services follow."""

from __future__ import annotations

import asyncio
import time

from libs.domain.values import Role
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint


async def open_complaint(complaints: RunningComplaints) -> str:
    response = await complaints.client.post(
        "/v1/complaints", json=new_complaint(), headers=complaints.headers(Role.CRM)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def read_feed(complaints: RunningComplaints, **params: object) -> dict:
    response = await complaints.client.get(
        "/v1/events", params=params, headers=complaints.headers(Role.SERVICE)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_the_feed_lists_complaint_events_in_order_as_cloudevents(
    complaints: RunningComplaints,
) -> None:
    head = (await read_feed(complaints, after=0))["head"]
    complaint_id = await open_complaint(complaints)
    await complaints.client.post(
        f"/v1/complaints/{complaint_id}/escalations",
        json={"reason": "customer asked for a manager"},
        headers=complaints.headers(Role.AGENT),
    )

    page = await read_feed(complaints, after=head)

    kinds = [item["type"] for item in page["items"]]
    assert kinds == [
        "dev.redress.complaints.ComplaintReceived",
        "dev.redress.complaints.Escalated",
    ]
    received = page["items"][0]
    assert received["specversion"] == "1.0"
    assert received["source"] == "/redress/complaints"
    assert received["subject"] == complaint_id
    assert received["id"] == f"{complaint_id}/1"
    assert received["datacontenttype"] == "application/json"
    assert received["data"]["amount_in_dispute"] == "42.50"  # decimals stay exact
    assert received["time"].endswith("Z")  # instants in UTC with Z, as in every response
    positions = [item["position"] for item in page["items"]]
    assert positions == sorted(positions)
    assert page["next_after"] == positions[-1] == page["head"]


async def test_api_key_events_are_skipped_but_the_cursor_moves_past_them(
    complaints: RunningComplaints,
) -> None:
    head = (await read_feed(complaints, after=0))["head"]
    complaints.service.keyring.issue(role=Role.CRM, name="another crm")
    complaint_id = await open_complaint(complaints)

    key_only = await read_feed(complaints, after=head, limit=1)
    assert key_only["items"] == []
    assert key_only["next_after"] > head

    page = await read_feed(complaints, after=key_only["next_after"])
    assert complaint_id in [item["subject"] for item in page["items"]]


async def test_pages_are_gap_free_when_read_in_small_steps(
    complaints: RunningComplaints,
) -> None:
    after = (await read_feed(complaints, after=0))["head"]
    opened = [await open_complaint(complaints) for _ in range(5)]
    seen: list[str] = []
    while True:
        page = await read_feed(complaints, after=after, limit=2)
        if page["next_after"] == after:
            break
        seen += [item["subject"] for item in page["items"]]
        after = page["next_after"]
    assert seen == opened


async def test_a_long_poll_returns_as_soon_as_a_complaint_is_saved(
    complaints: RunningComplaints,
) -> None:
    head = (await read_feed(complaints, after=0))["head"]

    async def open_later() -> str:
        await asyncio.sleep(0.3)
        return await open_complaint(complaints)

    started = time.monotonic()
    page, complaint_id = await asyncio.gather(
        read_feed(complaints, after=head, wait=10), open_later()
    )
    assert time.monotonic() - started < 2
    assert [item["subject"] for item in page["items"]] == [complaint_id]


async def test_a_long_poll_with_nothing_new_ends_after_the_wait(
    complaints: RunningComplaints,
) -> None:
    head = (await read_feed(complaints, after=0))["head"]
    started = time.monotonic()
    page = await read_feed(complaints, after=head, wait=0.5)
    assert 0.4 < time.monotonic() - started < 3
    assert page == {"items": [], "next_after": head, "head": head}


async def test_only_services_admins_and_auditors_may_read_the_feed(
    complaints: RunningComplaints,
) -> None:
    anonymous = await complaints.client.get("/v1/events")
    assert anonymous.status_code == 401
    for role in (Role.CRM, Role.AGENT, Role.SUPERVISOR):
        response = await complaints.client.get("/v1/events", headers=complaints.headers(role))
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
    for role in (Role.SERVICE, Role.ADMIN, Role.AUDITOR):
        response = await complaints.client.get("/v1/events", headers=complaints.headers(role))
        assert response.status_code == 200


async def test_bad_feed_parameters_are_problems_naming_the_parameter(
    complaints: RunningComplaints,
) -> None:
    for params, field in (
        ({"after": -1}, "after"),
        ({"after": "x"}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 100_000}, "limit"),
        ({"wait": 31}, "wait"),
        ({"wait": "soon"}, "wait"),
    ):
        response = await complaints.client.get(
            "/v1/events", params=params, headers=complaints.headers(Role.SERVICE)
        )
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.json()["detail"]
