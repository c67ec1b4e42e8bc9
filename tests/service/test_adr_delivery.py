"""Delivering a case to a provider's real HTTP endpoint: retries, timeouts, 410, outages,
dead letters, redelivery, and provider URLs that must not be reached (SSRF)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from libs.domain.referral import Referral
from tests.support.gateway import (
    Receiver,
    RunningGateway,
    gateway_settings,
    receiving,
    running_gateway,
    sqlite_url,
)
from tests.support.processes import free_port


async def settled(gateway: RunningGateway, referral: Referral, timeout: float = 10) -> Referral:
    """The referral once delivery is over (delivered or dead-lettered)."""
    deadline = time.monotonic() + timeout
    while True:
        current = gateway.referral(referral)
        if current.delivery in ("delivered", "dead_lettered"):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"delivery still {current.delivery}: {current.attempts}")
        await asyncio.sleep(0.05)


async def deliver_with(
    tmp_path: Path, script: list[Any], **settings: Any
) -> tuple[Referral, Receiver]:
    receiver = Receiver(script=list(script))
    async with running_gateway(gateway_settings(sqlite_url(tmp_path), **settings)) as gateway:
        with receiving(receiver) as url:
            provider = await gateway.register(url)
            receiver.secret = provider["webhook_secret"]
            referral = await settled(gateway, gateway.prepared_referral(provider["id"]))
    return referral, receiver


async def test_a_provider_that_fails_twice_gets_the_case_on_the_third_attempt(
    tmp_path: Path,
) -> None:
    referral, receiver = await deliver_with(tmp_path, [503, 502])

    assert referral.delivery == "delivered"
    assert [a["status_code"] for a in referral.attempts] == [503, 502, 200]
    # The same case each time: one webhook-id, every request signed.
    assert receiver.webhook_ids == [referral.webhook_id] * 3
    assert all(r["verified"] for r in receiver.requests)
    assert len({r["body"] for r in receiver.requests}) == 1


async def test_a_provider_that_does_not_answer_in_time_is_tried_again(tmp_path: Path) -> None:
    referral, receiver = await deliver_with(
        tmp_path, [("sleep", 2.0)], delivery_timeout_seconds=0.5
    )

    assert referral.delivery == "delivered"
    assert referral.attempts[0]["error"].startswith("timed out")
    assert len(receiver.requests) == 2


async def test_410_gone_stops_delivery_at_once(tmp_path: Path) -> None:
    referral, receiver = await deliver_with(tmp_path, [410])

    assert referral.delivery == "dead_lettered"
    assert referral.dead_letter is not None and referral.dead_letter["status_code"] == 410
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(("status", "requests"), [(400, 1), (422, 1), (408, 2), (429, 2)])
async def test_client_errors_are_final_except_timeout_and_too_many_requests(
    tmp_path: Path, status: int, requests: int
) -> None:
    referral, receiver = await deliver_with(tmp_path, [status])
    assert len(receiver.requests) == requests
    assert referral.delivery == ("dead_lettered" if requests == 1 else "delivered")


async def test_a_provider_that_is_down_gets_the_case_when_it_is_back(tmp_path: Path) -> None:
    port = free_port()
    receiver = Receiver()
    settings = gateway_settings(sqlite_url(tmp_path), delivery_schedule_seconds=[0.3] * 20)
    async with running_gateway(settings) as gateway:
        provider = await gateway.register(f"http://127.0.0.1:{port}/cases")
        receiver.secret = provider["webhook_secret"]
        referral = gateway.prepared_referral(provider["id"])
        while len(gateway.referral(referral).attempts) < 2:
            await asyncio.sleep(0.05)
        with receiving(receiver, port=port):
            delivered = await settled(gateway, referral)
    assert delivered.delivery == "delivered"
    assert all("connection failed" in a["error"] for a in delivered.attempts[:-1])
    assert receiver.webhook_ids == [referral.webhook_id]


async def test_after_the_last_attempt_the_case_is_dead_lettered_and_can_be_redelivered(
    tmp_path: Path,
) -> None:
    receiver = Receiver(script=[500, 500, 500, 500])
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        with receiving(receiver) as url:
            provider = await gateway.register(url)
            receiver.secret = provider["webhook_secret"]
            referral = await settled(gateway, gateway.prepared_referral(provider["id"]))
            assert referral.delivery == "dead_lettered"
            assert len(receiver.requests) == 4  # at once, then the 3 retries of the schedule
            assert "gave up after 4 attempts" in referral.dead_letter["reason"]

            response = await gateway.client.post(
                f"/v1/referrals/{referral.reference}/redeliver", headers=gateway.headers()
            )
            assert response.status_code == 202, response.text
            redelivered = await settled(gateway, referral)

    assert redelivered.delivery == "delivered"
    assert receiver.webhook_ids == [referral.webhook_id] * 5


async def test_only_admins_may_redeliver_and_only_a_finished_delivery(tmp_path: Path) -> None:
    from libs.domain.values import Role

    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        provider = await gateway.register("http://127.0.0.1:9/cases")
        referral = gateway.prepared_referral(provider["id"])
        path = f"/v1/referrals/{referral.reference}/redeliver"
        assert (await gateway.client.post(path)).status_code == 401
        denied = await gateway.client.post(path, headers=gateway.headers(Role.SERVICE))
        assert denied.status_code == 403
        early = await gateway.client.post(path, headers=gateway.headers())
        assert early.status_code in (202, 409)  # 409 while the first delivery is pending
        unknown = await gateway.client.post(
            "/v1/referrals/nope/redeliver", headers=gateway.headers()
        )
        assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("url", "development"),
    [
        ("http://provider.example/cases", False),  # not https
        ("https://10.0.0.8/cases", False),  # private
        ("https://169.254.169.254/latest/meta-data", False),  # cloud metadata
        ("https://[::1]/cases", False),  # loopback outside development
        ("http://127.0.0.1:8009/cases", False),  # loopback http outside development
        ("https://user:pw@provider.example/cases", True),  # credentials in the URL
        ("ftp://provider.example/cases", True),
        ("https://[64:ff9b::a9fe:a9fe]/cases", False),  # NAT64 of the metadata address
        ("https://[2002:7f00:1::]/cases", True),  # 6to4 of loopback
        ("https://[::127.0.0.1]/cases", True),  # IPv4-compatible loopback
        ("http://2852039166/cases", True),  # 169.254.169.254 as one number
    ],
)
async def test_provider_urls_that_could_reach_inside_are_refused(
    tmp_path: Path, url: str, development: bool
) -> None:
    settings = gateway_settings(sqlite_url(tmp_path), development=development)
    async with running_gateway(settings) as gateway:
        response = await gateway.client.post(
            "/v1/providers",
            json={
                "name": "Sneaky",
                "methods": ["mediation"],
                "adapter": "webhook",
                "adapter_settings": {"url": url},
            },
            headers=gateway.headers(),
        )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "adapter_settings.url"


def test_a_name_that_resolves_to_a_private_address_is_refused_at_delivery() -> None:
    from services.adr_gateway.ssrf import UnsafeUrl, check_url

    with pytest.raises(UnsafeUrl, match="non-public"):
        check_url(
            "https://provider.example/cases",
            allow_loopback_http=False,
            resolver=lambda host, port: ["93.184.216.34", "192.168.1.20"],
        )
    target = check_url(
        "https://provider.example:8443/cases",
        allow_loopback_http=False,
        resolver=lambda host, port: ["93.184.216.34"],
    )
    # The connection goes to the checked address, presenting the name.
    assert target.url == "https://93.184.216.34:8443/cases"
    assert target.host_header == "provider.example:8443"
