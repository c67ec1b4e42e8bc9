"""End to end through beckn PULSE: complaints, the ADR gateway and the PULSE sandbox (a beckn
BPP for online dispute resolution) as separate processes on PostgreSQL. The firm discovers
an ODR provider (`search` → `on_search`), refers a case (`select` → `init` → `confirm`), and
follows it (`on_status` … `complaint-resolved`, `status`) to an outcome on the complaint;
every PULSE message either side sent or received is valid against the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.domain.values import Role
from services.adr_gateway.adapters.pulse.messages import validate
from services.adr_gateway.pulse_sandbox.app import PulseSandboxSettings
from tests.support.adr import RoundTrip, eventually, round_trip
from tests.support.complaints import bearer

pytestmark = pytest.mark.postgres

SECRET = PulseSandboxSettings().secret
BPP_ID = PulseSandboxSettings().bpp_id


def discover(system: RoundTrip) -> dict[str, Any]:
    assert system.pulse is not None
    response = httpx.post(
        f"{system.gateway.url}/v1/pulse/search",
        json={"bpp_uri": system.pulse.url, "category": "mediation-service", "wait_seconds": 10},
        headers=bearer(system.gateway_keys[Role.ADMIN]),
        timeout=20,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def register_pulse_provider(system: RoundTrip, provider: str, item: str) -> None:
    assert system.pulse is not None
    response = httpx.post(
        f"{system.gateway.url}/v1/providers",
        json={
            "id": "odr-sandbox",
            "name": "Sandbox Dispute Resolution (PULSE)",
            "methods": ["mediation", "arbitration"],
            "adapter": "pulse",
            "adapter_settings": {
                "bpp_id": BPP_ID,
                "bpp_uri": system.pulse.url,
                "provider": provider,
                "item": item,
            },
            "webhook_secret": SECRET,
        },
        headers=bearer(system.gateway_keys[Role.ADMIN]),
    )
    assert response.status_code == 201, response.text


def messages(system: RoundTrip) -> list[dict[str, Any]]:
    assert system.pulse is not None
    return list(httpx.get(f"{system.pulse.url}/messages").json()["messages"])


def test_a_case_found_referred_and_followed_through_pulse_comes_back_decided(
    tmp_path: Path,
) -> None:
    with round_trip(tmp_path, pulse_env={}) as system:
        found = discover(system)
        (catalog,) = found["catalogs"]
        assert catalog["bpp_id"] == BPP_ID
        (odr,) = catalog["providers"]
        mediation = next(s for s in odr["services"] if s["code"] == "mediation-service")
        register_pulse_provider(system, odr["id"], mediation["id"])

        complaint_id, referral_id = system.refer_new_complaint(
            provider_id="odr-sandbox", correlation_id="crm-pulse-1"
        )
        concluded = eventually(
            lambda: (c := system.complaint(complaint_id))["status"] == "adr_concluded" and c,
            timeout=45,
        )
        assert concluded["adr"]["provider_id"] == "odr-sandbox"
        assert concluded["adr"]["outcome"]["outcome"] == "upheld"
        assert concluded["adr"]["outcome"]["binding"] is True
        assert concluded["adr"]["outcome"]["award"] == {"amount": "42.50", "currency": "GBP"}
        assert [u["status"] for u in concluded["adr"]["updates"]] == ["accepted", "scheduled"]

        referral = system.referral(referral_id)
        assert referral["delivery"] == "delivered"
        assert referral["status"] == "decided"

        # Asking for the status again is answered (on_status) and changes nothing.
        asked = httpx.post(
            f"{system.gateway.url}/v1/pulse/referrals/{referral_id}/status",
            headers=bearer(system.gateway_keys[Role.ADMIN]),
        )
        assert asked.status_code == 202, asked.text
        eventually(
            lambda: (
                sum(
                    1
                    for m in messages(system)
                    if m["action"] == "on_status" and m["direction"] == "sent"
                )
                >= 3
            )
        )
        assert system.referral(referral_id)["status"] == "decided"

        log = messages(system)
        received = [m["action"] for m in log if m["direction"] == "received"]
        assert received == ["search", "select", "init", "confirm", "status"]
        sent = [m["action"] for m in log if m["direction"] == "sent" and m.get("answer") == 200]
        assert sent[:4] == ["on_search", "on_select", "on_init", "on_confirm"]
        assert sent.count("on_status") == 3
        assert not [m for m in log if m["direction"] == "refused"]
        for message in log:  # what the sandbox logged, checked here again
            validate(message["action"], message["document"])
        # One transaction per referral, the referral's id; every message has its own id.
        case_messages = [m for m in log if m["action"] not in ("search", "on_search")]
        assert {m["transaction_id"] for m in case_messages} == {referral_id}
        sent_ids = [m["message_id"] for m in log if m["direction"] == "sent"]
        assert len(sent_ids) == len(set(sent_ids))
        confirm = next(m["document"] for m in log if m["action"] == "confirm")
        names = [d["descriptor"]["name"] for d in confirm["message"]["order"]["docs"]]
        assert names[:2] == ["case-bundle.json", "case-bundle.pdf"]
        assert confirm["context"]["domain"] == "online-dispute-resolution:0.1.0"
        assert (
            confirm["context"]["bap_uri"] == f"{system.gateway.url}/v1/pulse/providers/odr-sandbox"
        )


def test_a_pulse_provider_that_cancels_on_confirmation_declines_the_referral(
    tmp_path: Path,
) -> None:
    with round_trip(tmp_path, pulse_env={"REDRESS_PULSE_SANDBOX_SCRIPT": "decline"}) as system:
        register_pulse_provider(system, "ODR-SANDBOX", "MEDIATION-01")
        _, referral_id = system.refer_new_complaint(provider_id="odr-sandbox")
        declined = eventually(
            lambda: (r := system.referral(referral_id)).get("status") == "declined" and r,
            timeout=30,
        )
        assert declined["delivery"] == "delivered"


def test_callbacks_not_signed_by_the_provider_are_refused_and_nothing_is_recorded(
    tmp_path: Path,
) -> None:
    with round_trip(tmp_path, pulse_env={"REDRESS_PULSE_SANDBOX_STEP_SECONDS": "30"}) as system:
        register_pulse_provider(system, "ODR-SANDBOX", "MEDIATION-01")
        _, referral_id = system.refer_new_complaint(provider_id="odr-sandbox")
        eventually(lambda: system.referral(referral_id).get("delivery") == "delivered")
        confirm = next(m["document"] for m in messages(system) if m["action"] == "confirm")
        forged = {
            "context": {
                **confirm["context"],
                "action": "on_confirm",
                "message_id": "0b3d8f3e-8a43-4a6f-9d0e-2f4a1f0b9c11",
            },
            "message": {"order": {"id": "FORGED", "status": "ACTIVE"}},
        }
        url = f"{system.gateway.url}/v1/pulse/providers/odr-sandbox/on_confirm"
        unsigned = httpx.post(url, json=forged)
        assert unsigned.status_code == 401
        assert unsigned.headers["content-type"].startswith("application/problem+json")
        invalid = httpx.post(url, json={"context": {"action": "on_confirm"}})
        assert invalid.status_code in (401, 422)
        assert system.referral(referral_id)["status"] == "prepared"


def test_a_referral_withdrawn_through_pulse_is_closed_and_its_script_stops(
    tmp_path: Path,
) -> None:
    with round_trip(
        tmp_path,
        pulse_env={
            "REDRESS_PULSE_SANDBOX_SCRIPT": "settle",
            "REDRESS_PULSE_SANDBOX_STEP_SECONDS": "1.5",
        },
    ) as system:
        register_pulse_provider(system, "ODR-SANDBOX", "MEDIATION-01")
        _, referral_id = system.refer_new_complaint(provider_id="odr-sandbox")
        eventually(lambda: system.referral(referral_id).get("status") == "accepted", timeout=30)

        withdrawn = httpx.post(
            f"{system.gateway.url}/v1/pulse/referrals/{referral_id}/cancel",
            headers=bearer(system.gateway_keys[Role.ADMIN]),
        )
        assert withdrawn.status_code == 202, withdrawn.text
        eventually(lambda: system.referral(referral_id).get("status") == "closed", timeout=30)
        cancel = next(m["document"] for m in messages(system) if m["action"] == "cancel")
        assert cancel["message"]["order_id"] == f"SBX-{referral_id[:8]}"  # the BPP's order id
        assert system.pulse is not None
        disputes = httpx.get(f"{system.pulse.url}/disputes").json()["disputes"]
        assert disputes[0]["state"] == "dispute-cancelled"
        sent = [m for m in messages(system) if m["direction"] == "sent"]
        cancelled = next(i for i, m in enumerate(sent) if m["action"] == "on_cancel")
        assert not [m for m in sent[cancelled:] if m["action"] == "on_status"]
        assert system.referral(referral_id)["status"] == "closed"
