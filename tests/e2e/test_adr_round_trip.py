"""End to end, as a user runs it: complaints, ADR gateway and sandbox provider as separate
processes on PostgreSQL; a complaint is referred and comes back decided."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from libs.domain.values import Role
from tests.support.adr import eventually, round_trip
from tests.support.complaints import bearer

pytestmark = pytest.mark.postgres


def test_a_referred_complaint_comes_back_with_the_providers_decision(tmp_path: Path) -> None:
    with round_trip(tmp_path) as system:
        system.register_sandbox()
        complaint_id, referral_id = system.refer_new_complaint(correlation_id="crm-request-4711")

        concluded = eventually(
            lambda: (c := system.complaint(complaint_id))["status"] == "adr_concluded" and c,
            timeout=30,
        )

        assert concluded["adr"]["provider_id"] == "sandbox"
        assert concluded["adr"]["outcome"]["outcome"] == "upheld"
        assert concluded["adr"]["outcome"]["binding"] is True
        assert concluded["adr"]["outcome"]["award"] == {"amount": "42.50", "currency": "GBP"}
        statuses = [u["status"] for u in concluded["adr"]["updates"]]
        assert statuses == ["accepted", "scheduled"]

        referral = system.referral(referral_id)
        assert referral["delivery"] == "delivered"
        assert referral["status"] == "decided"
        assert referral["selection"]["how"] == "requested by the firm"

        cases = system.sandbox_cases()["cases"]
        assert [c["referral_id"] for c in cases] == [referral_id]
        assert cases[0]["webhook_id"] == referral["webhook_id"]
        # The CRM's request id travels with the case, through the feed, to the provider.
        assert cases[0]["correlation_id"] == "crm-request-4711"

        admin = bearer(system.gateway_keys[Role.ADMIN])
        bundle = httpx.get(f"{system.gateway.url}/v1/referrals/{referral_id}/bundle", headers=admin)
        assert bundle.status_code == 200
        document = bundle.json()
        assert document["summary"]["id"] == complaint_id
        assert set(document["manifest"]["parts"]) >= {"summary", "timeline", "offers"}
        assert bundle.headers["etag"] == f'"{referral["bundle"]["sha256"]}"'
        pdf = httpx.get(
            f"{system.gateway.url}/v1/referrals/{referral_id}/bundle?format=pdf", headers=admin
        )
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")

        candidates = httpx.get(
            f"{system.gateway.url}/v1/referrals/{referral_id}/candidates", headers=admin
        ).json()
        assert candidates["chosen"] == "sandbox"
        assert candidates["candidates"][0]["provider_id"] == "sandbox"
        assert "requested by the firm" in candidates["candidates"][0]["reasons"]

        provider = httpx.get(f"{system.gateway.url}/v1/providers/sandbox", headers=admin).json()
        assert "webhook_secret" not in provider or provider["webhook_secret"] is None
        assert provider["track_record"]["accepted"] == 1
        assert provider["track_record"]["outcomes"] == {"upheld": 1}


def test_a_gateway_killed_mid_delivery_still_hands_over_exactly_one_case(tmp_path: Path) -> None:
    with round_trip(
        tmp_path,
        # The provider holds each delivery for 3 s: long enough to kill the gateway during it.
        sandbox_env={"REDRESS_SANDBOX_RESPOND_AFTER_SECONDS": "3"},
        gateway_env={"REDRESS_LEASE_SECONDS": "2", "REDRESS_DELIVERY_TIMEOUT_SECONDS": "10"},
    ) as system:
        system.register_sandbox()
        complaint_id, referral_id = system.refer_new_complaint()
        eventually(lambda: system.sandbox_cases()["requests"] >= 1, timeout=20)

        system.gateway.kill()  # SIGKILL while the provider is still holding the request
        system.gateway.start()

        concluded = eventually(
            lambda: (c := system.complaint(complaint_id))["status"] == "adr_concluded" and c,
            timeout=45,
        )
        assert concluded["adr"]["outcome"]["outcome"] == "upheld"
        cases = system.sandbox_cases()["cases"]
        assert len(cases) == 1  # one case, however many times it was sent
        assert cases[0]["referral_id"] == referral_id
        referral = system.referral(referral_id)
        assert referral["delivery"] == "delivered"
        assert cases[0]["webhook_id"] == referral["webhook_id"]
        assert sum(1 for a in referral["attempts"] if a["status_code"] == 200) == 1
        assert cases[0]["deliveries"] == 2  # sent again after the restart, dropped as a duplicate
