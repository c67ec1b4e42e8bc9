"""An auditor replays a complaint: every event, any past moment, proof, export, page.

Runs on SQLite and PostgreSQL (the `complaints` fixture)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from libs.domain.values import Role
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint

pytestmark = pytest.mark.usefixtures("complaints")


async def open_with_interactions(
    complaints: RunningComplaints, count: int
) -> tuple[str, list[dict[str, Any]]]:
    """Opens a complaint and records `count` interactions; returns the id and every
    response body in order (the complaint as the API showed it after each write)."""
    client, crm = complaints.client, complaints.headers(Role.CRM)
    opened = await client.post("/v1/complaints", json=new_complaint(), headers=crm)
    assert opened.status_code == 201, opened.text
    seen = [opened.json()]
    for n in range(count):
        response = await client.post(
            f"/v1/complaints/{seen[0]['id']}/interactions",
            json={"kind": "note", "direction": "internal", "summary": f"note {n + 1}"},
            headers=crm,
        )
        assert response.status_code == 201, response.text
        seen.append(response.json())
    return seen[0]["id"], seen


def without_deadlines(view: dict[str, Any]) -> dict[str, Any]:
    # Deadlines are computed as of the moment asked about, not stored: compare the rest.
    return {k: v for k, v in view.items() if k != "deadlines"}


async def test_the_history_lists_every_event_in_order_with_who_when_and_its_hash(
    complaints: RunningComplaints,
) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 4)
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history", headers=complaints.headers(Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["head_version"] == 5 and page["next_cursor"] is None
    items = page["items"]
    assert [item["version"] for item in items] == [1, 2, 3, 4, 5]
    assert [item["type"] for item in items] == ["ComplaintReceived"] + ["InteractionRecorded"] * 4
    first = items[0]
    assert first["actor"] == "crm:test-crm" and first["actor_role"] == "crm"
    assert first["recorded_at"] and first["occurred_at"] and "correlation_id" in first
    assert first["data"]["description"] == new_complaint()["description"]
    assert items[1]["data"]["summary"] == "note 1" and items[1]["data"]["language"] is None
    assert first["prev_hash"] == "0" * 64
    for before, after in itertools.pairwise(items):
        assert after["prev_hash"] == before["hash"]


async def test_the_history_pages_with_a_cursor(complaints: RunningComplaints) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 6)
    auditor = complaints.headers(Role.AUDITOR)
    versions: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await complaints.client.get(
            f"/v1/complaints/{complaint_id}/history", params=params, headers=auditor
        )
        assert response.status_code == 200, response.text
        versions += [item["version"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert versions == list(range(1, 8))


async def test_every_past_version_replays_to_what_the_api_returned_then(
    complaints: RunningComplaints,
) -> None:
    complaint_id, seen = await open_with_interactions(complaints, 4)
    auditor = complaints.headers(Role.AUDITOR)
    for version, then in enumerate(seen, start=1):
        response = await complaints.client.get(
            f"/v1/complaints/{complaint_id}", params={"version": version}, headers=auditor
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == f'"{version}"'
        assert without_deadlines(response.json()) == without_deadlines(then)


async def test_as_of_a_time_replays_what_was_recorded_by_then(
    complaints: RunningComplaints,
) -> None:
    complaint_id, seen = await open_with_interactions(complaints, 3)
    auditor = complaints.headers(Role.AUDITOR)
    for then in seen:
        # Exactly when a version was recorded, and a moment later, show that version.
        for moment in (
            then["updated_at"],
            (datetime.fromisoformat(then["updated_at"]) + timedelta(microseconds=1)).isoformat(),
        ):
            response = await complaints.client.get(
                f"/v1/complaints/{complaint_id}", params={"as_of": moment}, headers=auditor
            )
            assert response.status_code == 200, response.text
            assert without_deadlines(response.json()) == without_deadlines(then)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}", params={"as_of": later}, headers=auditor
    )
    assert response.json()["version"] == len(seen)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"version": 0}, 422, "version"),
        ({"version": 99}, 422, "version"),
        ({"version": "two"}, 422, "version"),
        ({"as_of": "yesterday"}, 422, "as_of"),
        ({"as_of": "2025-03-01T12:00:00"}, 422, "as_of"),  # no offset: not RFC 3339
        ({"as_of": "2025-02-30T12:00:00Z"}, 422, "as_of"),
        ({"version": 1, "as_of": "2025-03-01T12:00:00Z"}, 422, "as_of"),
    ],
)
async def test_bad_points_in_time_are_refused_naming_the_field(
    complaints: RunningComplaints, params: dict[str, Any], status: int, field: str
) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 1)
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}", params=params, headers=complaints.headers(Role.AUDITOR)
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert f"query.{field}" in {error["field"] for error in response.json()["errors"]}


async def test_a_time_before_the_complaint_existed_is_not_found(
    complaints: RunningComplaints,
) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 1)
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}",
        params={"as_of": "2001-01-01T00:00:00Z"},
        headers=complaints.headers(Role.AUDITOR),
    )
    assert response.status_code == 404
    problem = response.json()
    assert problem["type"] == "urn:redress:problem:not-yet-recorded"
    assert "did not exist" in problem["detail"] and problem["first_recorded_at"]


@pytest.mark.parametrize(
    "path",
    ["", "/history", "/history/verify", "/history/export", "/history/view", "/history/view-link"],
)
async def test_unknown_complaints_are_not_found_everywhere(
    complaints: RunningComplaints, path: str
) -> None:
    auditor = complaints.headers(Role.AUDITOR)
    for identity in ("6a1f7c1e-0000-4000-8000-000000000000", "not-a-uuid"):
        response = await complaints.client.get(
            f"/v1/complaints/{identity}{path}" if path else f"/v1/complaints/{identity}",
            params={"version": 1} if not path else None,
            headers=auditor,
        )
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"


async def test_an_api_keys_history_is_not_a_complaints(complaints: RunningComplaints) -> None:
    key, _ = complaints.service.keyring.issue(role=Role.CRM, name="someone")
    response = await complaints.client.get(
        f"/v1/complaints/{key.id}/history", headers=complaints.headers(Role.AUDITOR)
    )
    assert response.status_code == 404


async def test_a_bad_cursor_or_limit_is_refused(complaints: RunningComplaints) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 1)
    auditor = complaints.headers(Role.AUDITOR)
    for params in ({"cursor": "nonsense!"}, {"limit": 0}, {"limit": 5000}):
        response = await complaints.client.get(
            f"/v1/complaints/{complaint_id}/history", params=params, headers=auditor
        )
        assert response.status_code == 422, (params, response.text)


async def test_an_untouched_history_verifies(complaints: RunningComplaints) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 3)
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history/verify", headers=complaints.headers(Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["valid"] is True and result["events"] == 4 and result["head_version"] == 4
    assert result["first_bad_version"] is None and len(result["head_hash"]) == 64


async def test_the_export_carries_events_hashes_and_the_verification(
    complaints: RunningComplaints,
) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 2)
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history/export", headers=complaints.headers(Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    document = response.json()
    assert document["verification"]["valid"] is True
    assert [e["version"] for e in document["events"]] == [1, 2, 3]
    assert document["events"][-1]["hash"] == document["verification"]["head_hash"]
    assert document["state"]["version"] == 3


async def test_the_export_as_pdf_is_a_readable_report(complaints: RunningComplaints) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 2)
    for params, headers in (
        ({"format": "pdf"}, {}),
        ({}, {"Accept": "application/pdf"}),
    ):
        response = await complaints.client.get(
            f"/v1/complaints/{complaint_id}/history/export",
            params=params,
            headers=complaints.headers(Role.AUDITOR, **headers),
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-") and len(response.content) > 2000
    bad = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history/export",
        params={"format": "docx"},
        headers=complaints.headers(Role.AUDITOR),
    )
    assert bad.status_code == 422


async def test_the_page_opens_with_a_read_key_or_a_signed_link_only(
    complaints: RunningComplaints,
) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 2)
    client, auditor = complaints.client, complaints.headers(Role.AUDITOR)
    page = f"/v1/complaints/{complaint_id}/history/view"

    with_key = await client.get(page, params={"version": 2}, headers=auditor)
    assert with_key.status_code == 200, with_key.text
    assert with_key.headers["content-type"].startswith("text/html")
    assert 'data-testid="state-version">2<' in with_key.text
    assert (await client.get(page)).status_code == 401

    minted = await client.get(f"{page}-link", params={"ttl_seconds": 60}, headers=auditor)
    assert minted.status_code == 200, minted.text
    token = minted.json()["path"].split("token=")[1]
    opened = await client.get(page, params={"token": token})
    assert opened.status_code == 200 and ">VALID<" in opened.text

    other_id, _ = await open_with_interactions(complaints, 0)
    elsewhere = await client.get(f"/v1/complaints/{other_id}/history/view", params={"token": token})
    assert elsewhere.status_code == 401
    forged = await client.get(page, params={"token": token[:-2] + "xx"})
    assert forged.status_code == 401
    assert (await client.get(page, params={"token": "garbage"})).status_code == 401
    too_long = await client.get(f"{page}-link", params={"ttl_seconds": 10**9}, headers=auditor)
    assert too_long.status_code == 422


async def test_the_pages_signed_link_also_opens_that_complaints_exports_only(
    complaints: RunningComplaints,
) -> None:
    """The page links to the exports with its own token: a browser opened from a link has
    no API key to send. The token opens no other complaint's export."""
    complaint_id, _ = await open_with_interactions(complaints, 1)
    other_id, _ = await open_with_interactions(complaints, 0)
    client, auditor = complaints.client, complaints.headers(Role.AUDITOR)
    minted = await client.get(f"/v1/complaints/{complaint_id}/history/view-link", headers=auditor)
    token = minted.json()["path"].split("token=")[1]
    page = await client.get(f"/v1/complaints/{complaint_id}/history/view", params={"token": token})
    assert f'href="export?format=json&amp;token={token}"' in page.text
    assert f'href="export?format=pdf&amp;token={token}"' in page.text

    export = f"/v1/complaints/{complaint_id}/history/export"
    as_json = await client.get(export, params={"format": "json", "token": token})
    assert as_json.status_code == 200, as_json.text
    assert as_json.json()["complaint_id"] == complaint_id
    as_pdf = await client.get(export, params={"format": "pdf", "token": token})
    assert as_pdf.status_code == 200 and as_pdf.content.startswith(b"%PDF-")

    elsewhere = await client.get(
        f"/v1/complaints/{other_id}/history/export", params={"token": token}
    )
    assert elsewhere.status_code == 401
    assert (await client.get(export, params={"token": "garbage"})).status_code == 401
    assert (await client.get(export)).status_code == 401


async def test_an_expired_link_no_longer_opens_the_page(complaints: RunningComplaints) -> None:
    complaint_id, _ = await open_with_interactions(complaints, 0)
    from services.complaints.api.history import view_links

    class FakeRequest:
        app = complaints.client._transport.app  # type: ignore[attr-defined]

    links = view_links(FakeRequest())  # type: ignore[arg-type]
    token, _ = type(links)(links.secret, clock=lambda: 0.0).sign(
        __import__("uuid").UUID(complaint_id), 60
    )
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/history/view", params={"token": token}
    )
    assert response.status_code == 401 and "expired" in response.json()["detail"]


async def test_an_auditor_can_read_everything_here_and_write_nothing(
    complaints: RunningComplaints,
) -> None:
    from tests.support.routes import write_routes

    complaint_id, _ = await open_with_interactions(complaints, 1)
    app = complaints.client._transport.app  # type: ignore[attr-defined]
    routes = write_routes(app)
    assert len(routes) >= 8, routes  # the complaints API has many write routes
    auditor = complaints.headers(Role.AUDITOR)

    async def attempt(method: str, path: str) -> tuple[str, str, int]:
        concrete = path
        for name in ("complaint_id", "offer_id", "appeal_id", "referral_id", "key_id"):
            concrete = concrete.replace("{" + name + "}", complaint_id)
        response = await complaints.client.request(method, concrete, json={}, headers=auditor)
        return method, path, response.status_code

    results = await asyncio.gather(*(attempt(method, path) for method, path in routes))
    assert [r for r in results if r[2] != 403] == []

    reads = ["", "/history", "/history/verify", "/history/export", "/history/view-link"]
    for path in reads:
        response = await complaints.client.get(
            f"/v1/complaints/{complaint_id}{path}", headers=auditor
        )
        assert response.status_code == 200, (path, response.text)
    assert (await complaints.client.get("/v1/complaints", headers=auditor)).status_code == 200
    assert (
        await complaints.client.get("/v1/audit/checkpoints", headers=auditor)
    ).status_code == 200
