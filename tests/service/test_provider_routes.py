"""The provider API on the ADR gateway (issue 19): an ADR provider's own key sees the
referrals given to it and nothing else, fetches their documents through links that expire
and work only with the key they were made for, and writes to the firm, which answers.

The gateway runs in-process on SQLite here; tests/e2e/test_provider_api.py runs the whole
journey with real processes on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from libs.domain.referral import Referral
from libs.domain.values import Role
from tests.support.gateway import RunningGateway, gateway_settings, running_gateway, sqlite_url


@dataclass
class TwoProviders:
    gateway: RunningGateway
    ours: str  # the key of provider "ours"
    theirs: str  # the key of provider "theirs"
    referral: Referral  # given to "ours"

    def get(self, key: str, path: str, **params: Any) -> Any:
        return self.gateway.client.get(
            path, params=params or None, headers={"Authorization": f"Bearer {key}"}
        )

    def post(self, key: str, path: str, body: Any) -> Any:
        return self.gateway.client.post(
            path,
            json=body,
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid4())},
        )


@pytest.fixture
async def providers(tmp_path: Path) -> AsyncIterator[TwoProviders]:
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        for provider_id in ("ours", "theirs"):
            await gateway.register(
                "unused",
                id=provider_id,
                adapter="email",
                adapter_settings={"to": f"cases@{provider_id}.example"},
            )
        keyring = gateway.service.keyring
        ours = keyring.issue(role=Role.PROVIDER, name="ours", provider_id="ours")[1]
        theirs = keyring.issue(role=Role.PROVIDER, name="theirs", provider_id="theirs")[1]
        referral = gateway.prepared_referral("ours", "default")
        yield TwoProviders(gateway, ours, theirs, referral)


async def listed(providers: TwoProviders, key: str, **params: Any) -> list[str]:
    """The references a key lists, once the projection has caught up with the referral."""
    for _ in range(100):
        response = await providers.get(key, "/v1/provider/referrals", **params)
        assert response.status_code == 200, response.text
        references = [r["id"] for r in response.json()["referrals"]]
        if references or key == providers.theirs or params:
            return references
        await asyncio.sleep(0.1)
    return []


async def test_a_provider_sees_its_own_referral_and_another_provider_nothing(
    providers: TwoProviders,
) -> None:
    reference = providers.referral.reference
    assert await listed(providers, providers.ours) == [reference]
    assert await listed(providers, providers.ours, status="prepared") == [reference]
    assert await listed(providers, providers.ours, status="decided") == []
    assert await listed(providers, providers.theirs) == []

    own = await providers.get(providers.ours, f"/v1/provider/referrals/{reference}")
    assert own.status_code == 200
    assert own.json()["provider_id"] == "ours"
    assert "attempt_history" not in own.json()  # the firm's delivery internals stay ours
    for path in ("", "/bundle", "/documents", "/messages"):
        other = await providers.get(providers.theirs, f"/v1/provider/referrals/{reference}{path}")
        missing = await providers.get(providers.theirs, f"/v1/provider/referrals/nope{path}")
        assert other.status_code == missing.status_code == 404, (path, other.text)
        assert other.json()["type"] == missing.json()["type"]


async def test_a_provider_key_works_only_on_the_provider_routes(providers: TwoProviders) -> None:
    reference = providers.referral.reference
    staff_route = await providers.get(providers.ours, f"/v1/referrals/{reference}")
    assert staff_route.status_code == 403
    admin = providers.gateway.keys[Role.ADMIN]
    provider_route = await providers.get(admin, f"/v1/provider/referrals/{reference}")
    assert provider_route.status_code == 403
    assert "provider" in provider_route.json()["detail"]


async def test_documents_come_through_links_that_work_only_for_the_key_they_were_made_for(
    providers: TwoProviders,
) -> None:
    reference = providers.referral.reference
    listing = await providers.get(providers.ours, f"/v1/provider/referrals/{reference}/documents")
    assert listing.status_code == 200, listing.text
    documents = {d["name"]: d for d in listing.json()["documents"]}
    assert "bundle.json" in documents
    link = documents["bundle.json"]["url"]

    fetched = await providers.get(providers.ours, link)
    assert fetched.status_code == 200
    assert (
        fetched.content == providers.gateway.service.bundles.stored(str(providers.referral.id)).body
    )  # type: ignore[union-attr]

    # Another provider's key: the referral is not found for it, link or no link.
    assert (await providers.get(providers.theirs, link)).status_code == 404
    # A second key of the same provider: the link was not made for it.
    other_key = providers.gateway.service.keyring.issue(
        role=Role.PROVIDER, name="ours-2", provider_id="ours"
    )[1]
    refused = await providers.get(other_key, link)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("link-refused")
    # An altered link, or none.
    altered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert (await providers.get(providers.ours, altered)).status_code == 403
    bare = link.split("?")[0]
    assert (await providers.get(providers.ours, bare)).status_code in (400, 422)


async def test_a_link_expires(providers: TwoProviders) -> None:
    reference = providers.referral.reference
    providers.gateway.service.settings.document_link_seconds = 0.5  # REDRESS_DOCUMENT_LINK_SECONDS
    listing = await providers.get(providers.ours, f"/v1/provider/referrals/{reference}/documents")
    assert listing.json()["link_seconds"] == 0.5
    link = listing.json()["documents"][0]["url"]
    assert (await providers.get(providers.ours, link)).status_code == 200
    await asyncio.sleep(0.6)
    expired = await providers.get(providers.ours, link)
    assert expired.status_code == 403
    assert "expired" in expired.json()["detail"]


async def test_a_provider_asks_and_the_firm_answers(providers: TwoProviders) -> None:
    reference = providers.referral.reference
    asked = await providers.post(
        providers.ours,
        f"/v1/provider/referrals/{reference}/messages",
        {"kind": "request_for_information", "body": "Please send the call recording."},
    )
    assert asked.status_code == 201, asked.text
    question = asked.json()
    assert question["from"] == "provider"

    refused = await providers.post(
        providers.ours,
        f"/v1/provider/referrals/{reference}/messages",
        {"kind": "gossip", "body": "x"},
    )
    assert refused.status_code == 422
    theirs = await providers.post(
        providers.theirs,
        f"/v1/provider/referrals/{reference}/messages",
        {"kind": "message", "body": "Is this ours?"},
    )
    assert theirs.status_code == 404

    answered = await providers.post(
        providers.gateway.keys[Role.ADMIN],
        f"/v1/referrals/{reference}/messages",
        {"in_reply_to": question["id"], "body": "The recording is attached."},
    )
    assert answered.status_code == 201, answered.text
    unknown = await providers.post(
        providers.gateway.keys[Role.ADMIN],
        f"/v1/referrals/{reference}/messages",
        {"in_reply_to": "msg_nothing", "body": "An answer to nothing."},
    )
    assert unknown.status_code == 422
    assert "in_reply_to" in unknown.text

    conversation = await providers.get(
        providers.ours, f"/v1/provider/referrals/{reference}/messages"
    )
    messages = conversation.json()["messages"]
    assert [(m["from"], m["kind"]) for m in messages] == [
        ("provider", "request_for_information"),
        ("firm", "message"),
    ]
    assert messages[1]["in_reply_to"] == question["id"]
    assert messages[1]["body"] == "The recording is attached."
    stored = providers.gateway.referral(providers.referral)
    assert [m["id"] for m in stored.messages] == [m["id"] for m in messages]


async def test_a_provider_uploads_its_decision_letter_kept_with_its_digest(
    providers: TwoProviders,
) -> None:
    reference = providers.referral.reference
    letter = b"%PDF-1.7\n% the decision letter\n%%EOF\n"

    def upload(key: str, content: bytes, media_type: str) -> Any:
        return providers.gateway.client.post(
            f"/v1/provider/referrals/{reference}/documents",
            params={"filename": "decision.pdf"},
            content=content,
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": media_type,
                "Idempotency-Key": str(uuid4()),
            },
        )

    uploaded = await upload(providers.ours, letter, "application/pdf")
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert document["sha256"] == hashlib.sha256(letter).hexdigest()
    assert (document["size"], document["filename"]) == (len(letter), "decision.pdf")

    not_a_pdf = await upload(providers.ours, b"<html>", "application/pdf")
    assert not_a_pdf.status_code == 422
    assert "not application/pdf" in not_a_pdf.json()["detail"]
    a_program = await upload(providers.ours, b"MZ\x90\x00", "application/x-msdownload")
    assert a_program.status_code == 415
    assert (await upload(providers.theirs, letter, "application/pdf")).status_code == 404

    # Listed on the referral, fetched through its link, read by the firm.
    stored = providers.gateway.referral(providers.referral)
    assert [d["id"] for d in stored.documents] == [document["id"]]
    listing = await providers.get(providers.ours, f"/v1/provider/referrals/{reference}/documents")
    (listed,) = [d for d in listing.json()["documents"] if d["name"] == document["id"]]
    fetched = await providers.get(providers.ours, listed["url"])
    assert (fetched.status_code, fetched.content) == (200, letter)
    assert fetched.headers["content-type"] == "application/pdf"
    firm = await providers.get(
        providers.gateway.keys[Role.ADMIN], f"/v1/referrals/{reference}/documents/{document['id']}"
    )
    assert (firm.status_code, firm.content) == (200, letter)
