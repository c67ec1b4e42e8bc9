"""Webhook hygiene at the ADR gateway: a webhook-id names one message, a redelivery erases
no history, a refusal names the referral it is about, a rotated secret keeps working for an
overlap, and a decision's award is a sum of money decided after the case was accepted.

The gateway and the provider's endpoint it delivers to are real HTTP servers on free ports.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest

from libs.domain.referral import Referral
from services.adr_gateway.adapters.webhook import sign
from services.adr_gateway.webhook_secrets import new_webhook_secret
from tests.support.gateway import (
    Receiver,
    RunningGateway,
    gateway_settings,
    receiving,
    served_gateway,
    sqlite_url,
)


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[RunningGateway]:
    async with served_gateway(gateway_settings(sqlite_url(tmp_path))) as running:
        yield running


def message(referral: Referral, kind: str = "referral.accepted", **fields: Any) -> bytes:
    data = fields.pop("data", {})
    return orjson.dumps({"type": kind, "referral_id": referral.reference, "data": data, **fields})


async def post(
    gateway: RunningGateway,
    provider: dict[str, Any],
    body: bytes,
    *,
    webhook_id: str | None = None,
    secret: str | None = None,
) -> Any:
    headers = sign(secret or provider["webhook_secret"], webhook_id or f"msg_{uuid4().hex}", body)
    return await gateway.client.post(
        f"/v1/providers/{provider['id']}/webhooks",
        content=body,
        headers={**headers, "content-type": "application/json"},
    )


async def settled(gateway: RunningGateway, referral: Referral, timeout: float = 10) -> Referral:
    deadline = time.monotonic() + timeout
    while True:
        current = gateway.referral(referral)
        if current.delivery in ("delivered", "dead_lettered"):
            return current
        assert time.monotonic() < deadline, f"delivery still {current.delivery}"
        await asyncio.sleep(0.05)


# -- one webhook-id, one message ----------------------------------------------------------


async def test_a_webhook_id_used_again_with_another_body_is_refused_and_nothing_is_written(
    gateway: RunningGateway,
) -> None:
    provider = await gateway.register("http://127.0.0.1:9/cases")
    referral = gateway.prepared_referral(provider["id"])
    accepted = message(referral, data={"case_officer": "Sam"})
    assert (await post(gateway, provider, accepted, webhook_id="msg_1")).status_code == 200

    retry = await post(gateway, provider, accepted, webhook_id="msg_1")
    other = await post(gateway, provider, message(referral, "referral.closed"), webhook_id="msg_1")

    assert (retry.status_code, retry.json()["status"]) == (200, "duplicate")
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    problem = other.json()
    assert problem["type"] == "urn:redress:problem:webhook-id-reused"
    assert "msg_1" in problem["detail"] and referral.reference in problem["detail"]
    current = gateway.referral(referral)
    assert current.status == "accepted"
    assert [u["type"] for u in current.provider_updates] == ["referral.accepted"]


# -- attempts are history -----------------------------------------------------------------


async def test_a_redelivery_keeps_the_earlier_failed_attempts_in_the_referral(
    tmp_path: Path,
) -> None:
    receiver = Receiver(script=[500, 500, 500, 500])
    async with served_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        with receiving(receiver) as url:
            provider = await gateway.register(url)
            receiver.secret = provider["webhook_secret"]
            referral = await settled(gateway, gateway.prepared_referral(provider["id"]))
            assert referral.delivery == "dead_lettered"
            path = f"/v1/referrals/{referral.reference}"
            redeliver = await gateway.client.post(f"{path}/redeliver", headers=gateway.headers())
            assert redeliver.status_code == 202, redeliver.text
            await settled(gateway, referral)
            shown = (await gateway.client.get(path, headers=gateway.headers())).json()

    assert shown["delivery"] == "delivered"
    assert shown["delivery_round"] == 2
    history = shown["attempt_history"]
    first_round = [a for a in history if a["round"] == 1]
    assert [a["status_code"] for a in first_round] == [500, 500, 500, 500]
    assert first_round[-1]["dead_lettered"] is True
    assert "gave up" in first_round[-1]["error"]
    assert [(a["round"], a["status_code"]) for a in history if a["round"] == 2] == [(2, 200)]
    # `attempts` stays what it was: this round's.
    assert [a["status_code"] for a in shown["attempts"]] == [200]


# -- refusals name what they are about ----------------------------------------------------


async def test_a_decision_before_acceptance_is_refused_naming_the_referral_and_its_state(
    gateway: RunningGateway,
) -> None:
    provider = await gateway.register("http://127.0.0.1:9/cases")
    referral = gateway.prepared_referral(provider["id"])
    decision = message(referral, "decision.issued", data={"outcome": "upheld"})

    response = await post(gateway, provider, decision)

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert f"referral '{referral.reference}' whose status is 'prepared'" in detail
    assert "complaint" not in detail


# -- secret rotation with an overlap ------------------------------------------------------


async def rotate(gateway: RunningGateway, provider: dict[str, Any]) -> dict[str, Any]:
    new = new_webhook_secret()
    response = await gateway.client.patch(
        f"/v1/providers/{provider['id']}", json={"webhook_secret": new}, headers=gateway.headers()
    )
    assert response.status_code == 200, response.text
    shown = response.json()
    assert "previous_webhook_secret" not in shown and "webhook_secret" not in shown
    assert shown["webhook_secret_rotated_at"] is not None
    return {**provider, "webhook_secret": new, "previous": provider["webhook_secret"]}


async def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(
    gateway: RunningGateway,
) -> None:
    provider = await rotate(gateway, await gateway.register("http://127.0.0.1:9/cases"))
    referral = gateway.prepared_referral(provider["id"])

    by_old = await post(gateway, provider, message(referral), secret=provider["previous"])
    by_new = await post(gateway, provider, message(referral, "session.scheduled"))

    assert (by_old.status_code, by_new.status_code) == (200, 200)
    assert gateway.referral(referral).status == "scheduled"


async def test_without_an_overlap_the_replaced_secret_is_refused_at_once(tmp_path: Path) -> None:
    settings = gateway_settings(sqlite_url(tmp_path), webhook_secret_overlap_seconds=0)
    async with served_gateway(settings) as gateway:
        provider = await rotate(gateway, await gateway.register("http://127.0.0.1:9/cases"))
        referral = gateway.prepared_referral(provider["id"])
        by_old = await post(gateway, provider, message(referral), secret=provider["previous"])
        assert by_old.status_code == 401
        assert gateway.referral(referral).status == "prepared"


@pytest.mark.parametrize("provider_holds", ["previous", "webhook_secret"])
async def test_during_the_overlap_a_delivery_is_signed_with_both_secrets(
    tmp_path: Path, provider_holds: str
) -> None:
    receiver = Receiver()
    async with served_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        with receiving(receiver) as url:
            provider = await rotate(gateway, await gateway.register(url))
            receiver.secret = provider[provider_holds]
            delivered = await settled(gateway, gateway.prepared_referral(provider["id"]))

    assert delivered.delivery == "delivered"
    assert [r["verified"] for r in receiver.requests] == [True]


# -- awards -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("award", "field"),
    [
        ({"amount": "-5", "currency": "GBP"}, "data.award.amount"),
        ({"amount": "5 bananas", "currency": "GBP"}, "data.award.amount"),
        ({"amount": 5, "currency": "GBP"}, "data.award.amount"),
        ({"amount": "0", "currency": "GBP"}, "data.award.amount"),
        ({"amount": "5.001", "currency": "GBP"}, "data.award.amount"),
        ({"amount": "5.00", "currency": "XXX"}, "data.award.currency"),
        ({"amount": "5.00", "currency": "BANANA"}, "data.award.currency"),
        ({"amount": "5.00"}, "data.award.currency"),
    ],
)
async def test_an_award_that_is_not_a_sum_of_money_is_refused_and_nothing_is_written(
    gateway: RunningGateway, award: dict[str, Any], field: str
) -> None:
    provider = await gateway.register("http://127.0.0.1:9/cases")
    referral = gateway.prepared_referral(provider["id"])
    assert (await post(gateway, provider, message(referral))).status_code == 200

    decision = message(referral, "decision.issued", data={"outcome": "upheld", "award": award})
    response = await post(gateway, provider, decision)

    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    current = gateway.referral(referral)
    assert (current.status, current.decision) == ("accepted", None)


async def test_a_decision_dated_before_the_acceptance_is_refused(gateway: RunningGateway) -> None:
    provider = await gateway.register("http://127.0.0.1:9/cases")
    referral = gateway.prepared_referral(provider["id"])
    now = datetime.now(UTC)
    assert (await post(gateway, provider, message(referral))).status_code == 200

    early = message(
        referral,
        "decision.issued",
        data={"outcome": "upheld", "award": {"amount": "20.00", "currency": "GBP"}},
        occurred_at=(now - timedelta(days=1)).isoformat(),
    )
    response = await post(gateway, provider, early)

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["occurred_at"]
    assert gateway.referral(referral).decision is None


async def test_a_valid_award_is_recorded_as_sent(gateway: RunningGateway) -> None:
    provider = await gateway.register("http://127.0.0.1:9/cases")
    referral = gateway.prepared_referral(provider["id"])
    assert (await post(gateway, provider, message(referral))).status_code == 200
    award = {"amount": "250.00", "currency": "EUR"}
    decision = message(referral, "decision.issued", data={"outcome": "upheld", "award": award})

    response = await post(gateway, provider, decision)

    assert response.status_code == 200, response.text
    assert gateway.referral(referral).decision["award"] == award
