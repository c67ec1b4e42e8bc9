"""Strong ETags (RFC 9110 section 8.8.3): `If-None-Match` on a GET answers 304 when the tag
still matches (weak comparison, section 13.1.2); `If-Match` on a write compares strongly
(section 13.1.1), so a weak tag never matches. And the replay rules of `Idempotency-Key`
as the README states them, one test per rule."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID

import pytest
from fastapi import Request
from fastapi.responses import JSONResponse

from libs.domain.values import Role
from libs.platform.http.idempotency import REPLAYED_HEADER, IdempotentRequest
from services.complaints.api.commands import current_document
from services.complaints.api.commands import etag as complaint_etag
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint
from tests.support.etags import version_of
from tests.support.gateway import gateway_settings, running_gateway, sqlite_url


class _AnyRequest:
    state = SimpleNamespace()  # no principal: the "anonymous" scope


async def opened(complaints: RunningComplaints) -> tuple[str, str]:
    response = await complaints.client.post(
        "/v1/complaints", json=new_complaint(), headers=complaints.headers()
    )
    return f"/v1/complaints/{response.json()['id']}", response.headers["etag"]


async def test_a_get_with_the_current_etag_in_if_none_match_is_304_without_a_body(
    complaints: RunningComplaints,
) -> None:
    url, etag = await opened(complaints)
    for sent in (etag, f"W/{etag}", f'"999", {etag}', "*"):
        again = await complaints.client.get(
            url, headers=complaints.headers(**{"If-None-Match": sent})
        )
        assert again.status_code == 304, sent
        assert again.headers["etag"] == etag and again.content == b""


async def test_a_get_with_an_old_etag_in_if_none_match_gets_the_complaint(
    complaints: RunningComplaints,
) -> None:
    url, etag = await opened(complaints)
    await complaints.client.post(
        f"{url}/escalations", json={"reason": "a"}, headers=complaints.headers()
    )
    fresh = await complaints.client.get(url, headers=complaints.headers(**{"If-None-Match": etag}))
    assert fresh.status_code == 200
    assert version_of(fresh.headers["etag"]) == 2 and fresh.json()["version"] == 2


async def test_a_past_version_is_304_when_its_etag_is_sent(
    complaints: RunningComplaints,
) -> None:
    url, _ = await opened(complaints)
    first = await complaints.client.get(url, params={"version": 1}, headers=complaints.headers())
    etag = first.headers["etag"]
    past = await complaints.client.get(
        url, params={"version": 1}, headers=complaints.headers(**{"If-None-Match": etag})
    )
    assert past.status_code == 304 and past.headers["etag"] == etag


async def test_a_weak_etag_in_if_match_is_412_and_changes_nothing(
    complaints: RunningComplaints,
) -> None:
    url, etag = await opened(complaints)
    weak = await complaints.client.post(
        f"{url}/escalations",
        json={"reason": "a"},
        headers=complaints.headers(**{"If-Match": f"W/{etag}"}),
    )
    assert weak.status_code == 412
    assert "strong" in weak.json()["detail"]
    current = await complaints.client.get(url, headers=complaints.headers())
    assert current.json()["version"] == 1
    strong = await complaints.client.post(
        f"{url}/escalations", json={"reason": "a"}, headers=complaints.headers(**{"If-Match": etag})
    )
    assert strong.status_code == 201


async def test_an_if_match_that_is_not_an_entity_tag_is_400(
    complaints: RunningComplaints,
) -> None:
    url, _ = await opened(complaints)
    for sent in ("1", '"1', '"a"'):
        refused = await complaints.client.post(
            f"{url}/escalations",
            json={"reason": "a"},
            headers=complaints.headers(**{"If-Match": sent}),
        )
        assert refused.status_code == 400, sent


async def test_a_provider_bundle_is_304_when_its_etag_is_sent(tmp_path: Path) -> None:
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        provider = await gateway.register("http://127.0.0.1:9/cases")
        referral = gateway.prepared_referral(provider["id"])
        url = f"/v1/referrals/{referral.reference}/bundle"
        first = await gateway.client.get(url, headers=gateway.headers())
        assert first.status_code == 200
        again = await gateway.client.get(
            url, headers={**gateway.headers(), "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304 and again.content == b""


# -- Idempotency-Key: the README's replay rules, one test each ---------------------------------


def reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    return value


async def test_rule_the_same_json_reordered_and_respaced_is_a_replay(
    complaints: RunningComplaints,
) -> None:
    body = new_complaint()
    headers = complaints.headers(
        **{"Idempotency-Key": "reordered", "Content-Type": "application/json"}
    )
    compact = json.dumps(body, separators=(",", ":"))
    reordered = json.dumps(reversed_keys(body), indent=3)  # other order, other whitespace
    assert compact != reordered and json.loads(compact) == json.loads(reordered)
    first = await complaints.client.post("/v1/complaints", content=compact, headers=headers)
    again = await complaints.client.post("/v1/complaints", content=reordered, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


async def test_rule_another_body_with_the_same_key_is_422_key_reused(
    complaints: RunningComplaints,
) -> None:
    headers = complaints.headers(**{"Idempotency-Key": "reused"})
    first = await complaints.client.post("/v1/complaints", json=new_complaint(), headers=headers)
    other = await complaints.client.post("/v1/complaints", json=new_complaint(), headers=headers)
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["type"] == "urn:redress:problem:idempotency-key-reused"


async def test_rule_a_refusal_by_the_command_is_replayed(complaints: RunningComplaints) -> None:
    url, _ = await opened(complaints)
    headers = complaints.headers(**{"Idempotency-Key": "refused-by-rule"})
    stale = {**headers, "If-Match": '"7"'}
    first = await complaints.client.post(f"{url}/escalations", json={"reason": "a"}, headers=stale)
    # Even without the stale If-Match, the stored 412 is what this key answers.
    again = await complaints.client.post(
        f"{url}/escalations", json={"reason": "a"}, headers=headers
    )
    assert first.status_code == again.status_code == 412
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


async def test_rule_a_body_that_breaks_the_schema_is_not_stored(
    complaints: RunningComplaints,
) -> None:
    headers = complaints.headers(**{"Idempotency-Key": "fix-and-retry"})
    broken = {**new_complaint(), "channel": 42}
    refused = await complaints.client.post("/v1/complaints", json=broken, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["type"] == "urn:redress:problem:validation-error"
    fixed = await complaints.client.post("/v1/complaints", json=new_complaint(), headers=headers)
    assert fixed.status_code == 201  # the key was free: not a replay, not "key reused"
    assert "idempotent-replayed" not in fixed.headers


async def test_rule_a_refused_authentication_is_not_stored(
    complaints: RunningComplaints,
) -> None:
    body = new_complaint()
    unauthorised = await complaints.client.post(
        "/v1/complaints",
        json=body,
        headers={"Authorization": "Bearer rdk_wrong", "Idempotency-Key": "auth-first"},
    )
    assert unauthorised.status_code == 401
    opened_ = await complaints.client.post(
        "/v1/complaints", json=body, headers=complaints.headers(**{"Idempotency-Key": "auth-first"})
    )
    assert opened_.status_code == 201 and "idempotent-replayed" not in opened_.headers


async def test_rule_keys_belong_to_one_api_key(complaints: RunningComplaints) -> None:
    body = new_complaint()
    crm = await complaints.client.post(
        "/v1/complaints",
        json=body,
        headers=complaints.headers(Role.CRM, **{"Idempotency-Key": "k"}),
    )
    agent = await complaints.client.post(
        "/v1/complaints",
        json=body,
        headers=complaints.headers(Role.AGENT, **{"Idempotency-Key": "k"}),
    )
    assert crm.status_code == agent.status_code == 201
    assert crm.json()["id"] != agent.json()["id"]


async def test_rule_a_422_of_a_rule_checked_when_the_command_runs_is_replayed(
    complaints: RunningComplaints,
) -> None:
    url, _ = await opened(complaints)
    headers = complaints.headers(**{"Idempotency-Key": "too-old"})
    body = {
        "kind": "note",
        "direction": "internal",
        "summary": "long ago",
        "occurred_at": "2001-01-01T00:00:00Z",  # beyond the back-dating window
    }
    first = await complaints.client.post(f"{url}/interactions", json=body, headers=headers)
    again = await complaints.client.post(f"{url}/interactions", json=body, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


async def test_rule_a_server_error_is_not_stored_and_frees_the_key(
    complaints: RunningComplaints,
) -> None:
    # The service's own store, driven as a write handler drives it.
    request = IdempotentRequest(
        complaints.service.idempotency, "crashes", "digest", cast(Request, _AnyRequest())
    )

    def crash() -> JSONResponse:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        request.run(crash)
    answered = request.run(lambda: JSONResponse({"ok": True}, status_code=201))
    assert answered.status_code == 201
    assert REPLAYED_HEADER not in answered.headers
    replayed = request.run(crash)  # now stored: the retry replays, the crash is not rerun
    assert replayed.status_code == 201 and replayed.headers[REPLAYED_HEADER] == "true"


async def test_the_tag_changes_when_a_deadlines_state_does_at_the_same_version(
    complaints: RunningComplaints,
) -> None:
    # A strong tag names one representation (RFC 9110 §8.8.1): the deadlines' states are
    # computed as of the request, so the tag carries them, and a 304 never stands in for a
    # body whose deadline has since become breached.
    url, etag = await opened(complaints)
    again = await complaints.client.get(url, headers=complaints.headers())
    assert again.headers["etag"] == etag and version_of(etag) == 1 and "." in etag
    application = complaints.service.application
    complaint = application.complaint(UUID(again.json()["id"]))
    document = current_document(complaint, complaints.service.policy)
    assert complaint_etag(complaint, document) == etag
    breached = copy.deepcopy(document)
    breached["deadlines"][0]["state"] = "breached"
    assert complaint_etag(complaint, breached) not in (etag, f'"{complaint.version}"')
