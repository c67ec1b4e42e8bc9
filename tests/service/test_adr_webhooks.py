"""Inbound provider webhooks: only a correctly signed, fresh, first-time message from the
provider that holds the referral changes anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest

from libs.domain.referral import Referral
from services.adr_gateway.adapters.webhook import sign
from services.adr_gateway.webhook_secrets import new_webhook_secret as new_secret
from tests.support.gateway import RunningGateway, gateway_settings, running_gateway, sqlite_url


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[RunningGateway]:
    # The providers' endpoints are never reached here: delivery is not what is tested.
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as running:
        yield running


async def providers_and_referral(
    gateway: RunningGateway,
) -> tuple[dict[str, Any], dict[str, Any], Referral]:
    mine = await gateway.register("http://127.0.0.1:9/cases")
    theirs = await gateway.register("http://127.0.0.1:9/cases")
    return mine, theirs, gateway.prepared_referral(mine["id"])


def message(referral: Referral, kind: str = "referral.accepted", **data: Any) -> bytes:
    return orjson.dumps({"type": kind, "referral_id": referral.reference, "data": data})


async def post(
    gateway: RunningGateway,
    provider: dict[str, Any],
    body: bytes,
    *,
    secret: str | None = None,
    webhook_id: str | None = None,
    at: datetime | None = None,
    tamper: bytes | None = None,
) -> Any:
    headers = sign(
        secret or provider["webhook_secret"], webhook_id or f"msg_{uuid4().hex}", body, at
    )
    return await gateway.client.post(
        f"/v1/providers/{provider['id']}/webhooks",
        content=tamper if tamper is not None else body,
        headers={**headers, "content-type": "application/json"},
    )


async def test_a_signed_update_is_recorded_once_and_a_replay_is_acknowledged(
    gateway: RunningGateway,
) -> None:
    mine, _, referral = await providers_and_referral(gateway)
    body = message(referral, case_officer="Sam")

    first = await post(gateway, mine, body, webhook_id="msg_1")
    again = await post(gateway, mine, body, webhook_id="msg_1")

    assert (first.status_code, first.json()["status"]) == (200, "recorded")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    current = gateway.referral(referral)
    assert current.status == "accepted"
    assert len(current.provider_updates) == 1


async def test_a_decision_carries_outcome_binding_and_award(gateway: RunningGateway) -> None:
    mine, _, referral = await providers_and_referral(gateway)
    await post(gateway, mine, message(referral))
    response = await post(
        gateway,
        mine,
        message(
            referral,
            "decision.issued",
            outcome="partially_upheld",
            binding=False,
            award={"amount": "20.00", "currency": "GBP"},
            summary="Half the fee back.",
        ),
    )
    assert response.status_code == 200, response.text
    assert gateway.referral(referral).decision["outcome"] == "partially_upheld"


async def test_the_wrong_secret_is_refused(gateway: RunningGateway) -> None:
    mine, _, referral = await providers_and_referral(gateway)
    response = await post(gateway, mine, message(referral), secret=new_secret())
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert gateway.referral(referral).status == "prepared"


async def test_a_message_older_than_five_minutes_is_refused(gateway: RunningGateway) -> None:
    mine, _, referral = await providers_and_referral(gateway)
    stale = datetime.now(UTC) - timedelta(minutes=6)
    response = await post(gateway, mine, message(referral), at=stale)
    assert response.status_code == 401
    assert "too old" in response.json()["detail"]


async def test_a_tampered_body_is_refused(gateway: RunningGateway) -> None:
    mine, _, referral = await providers_and_referral(gateway)
    body = message(referral, "referral.declined", reason="not ours")
    forged = message(referral, "referral.accepted")
    response = await post(gateway, mine, body, tamper=forged)
    assert response.status_code == 401
    assert gateway.referral(referral).status == "prepared"


async def test_missing_or_malformed_signature_headers_are_refused(gateway: RunningGateway) -> None:
    mine, _, referral = await providers_and_referral(gateway)
    path = f"/v1/providers/{mine['id']}/webhooks"
    bare = await gateway.client.post(path, content=message(referral))
    assert bare.status_code == 401
    garbled = await gateway.client.post(
        path,
        content=b"\xff\xfe not utf-8",
        headers={
            "webhook-id": "x",
            "webhook-timestamp": str(int(datetime.now(UTC).timestamp())),
            "webhook-signature": "no-comma-here",
        },
    )
    assert garbled.status_code == 401


async def test_a_provider_cannot_update_another_providers_referral(
    gateway: RunningGateway,
) -> None:
    _, theirs, referral = await providers_and_referral(gateway)
    # Correctly signed by the other provider, with its own secret, at its own URL.
    response = await post(gateway, theirs, message(referral))
    assert response.status_code == 403
    assert gateway.referral(referral).status == "prepared"


async def test_unknown_event_types_are_422(gateway: RunningGateway) -> None:
    mine, _, referral = await providers_and_referral(gateway)
    response = await post(gateway, mine, message(referral, "referral.teleported"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "type"


async def test_bad_messages_get_problems_not_errors(gateway: RunningGateway) -> None:
    mine, _, referral = await providers_and_referral(gateway)
    not_json = await post(gateway, mine, b"{not json")
    assert not_json.status_code == 400
    missing = await post(gateway, mine, orjson.dumps({"type": "referral.accepted"}))
    assert missing.status_code == 422
    unknown_referral = await post(
        gateway, mine, orjson.dumps({"type": "referral.accepted", "referral_id": "nope"})
    )
    assert unknown_referral.status_code == 404
    out_of_order = await post(gateway, mine, message(referral, "decision.issued", outcome="upheld"))
    assert out_of_order.status_code == 409  # not accepted yet
    no_outcome = await post(gateway, mine, message(referral))
    assert no_outcome.status_code == 200
    bad_outcome = await post(gateway, mine, message(referral, "decision.issued", outcome="won"))
    assert bad_outcome.status_code == 422
    unknown_provider = await gateway.client.post(
        "/v1/providers/nobody/webhooks", content=message(referral)
    )
    assert unknown_provider.status_code == 404
