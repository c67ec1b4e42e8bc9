"""Hostile input for the gateway's PULSE callbacks (`/v1/pulse/...`): whatever a BPP, or
anyone else, sends is refused with a 4xx problem naming what is wrong and records nothing,
unless it is a valid callback signed with the provider's secret, for its BPP and for us."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.domain.referral import Referral
from libs.domain.values import Role
from services.adr_gateway.adapters.pulse.messages import Parties, call
from services.adr_gateway.adapters.webhook import sign
from services.adr_gateway.app import create_app
from services.adr_gateway.bootstrap import GatewayService, bootstrap
from services.adr_gateway.webhook_secrets import new_webhook_secret as new_secret
from tests.hostile.test_gateway_openapi import FUZZ, JSON_VALUES
from tests.support.fuzzing import WITHOUT_AUTH_FAILURE_LIMIT
from tests.support.gateway import gateway_settings, sqlite_url
from tests.support.in_process import InProcessClient

BPP_ID = "bpp.example"


@dataclass
class Target:
    service: GatewayService
    client: InProcessClient
    secret: str
    referral: Referral

    def recorded(self) -> int:
        return int(self.service.application.recorder.max_notification_id() or 0)

    def callback(self, action: str, **changes: Any) -> dict[str, Any]:
        order = changes.pop(
            "order",
            {
                "id": "O-1",
                "status": "ACTIVE",
                "fulfillments": [{"state": {"descriptor": {"code": "arbitration-confirmed"}}}],
            },
        )
        document = call(
            action,
            {"order": order},
            transaction_id=changes.pop("transaction_id", self.referral.reference),
            parties=Parties(
                bap_id=changes.pop("bap_id", "redress-adr-gateway"),
                bap_uri="http://127.0.0.1:8002/v1/pulse/providers/odr",
                bpp_id=changes.pop("bpp_id", BPP_ID),
                bpp_uri="https://bpp.example",
            ),
        )
        document["context"].update(changes)
        return document

    def post(
        self, action: str, body: bytes, *, webhook_id: str | None = None, secret: str | None = None
    ) -> Any:
        message_id = webhook_id
        if message_id is None:
            try:
                message_id = json.loads(body)["context"]["message_id"]
            except (ValueError, KeyError, TypeError):
                message_id = str(uuid4())
        headers = {
            **sign(secret or self.secret, str(message_id), body),
            "content-type": "application/json",
        }
        return self.client.post(f"/v1/pulse/providers/odr/{action}", content=body, headers=headers)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    service = bootstrap(gateway_settings(sqlite_url(tmp_path), **WITHOUT_AUTH_FAILURE_LIMIT))
    key = service.keyring.issue(role=Role.ADMIN, name="fuzzer")[1]
    client = InProcessClient(create_app(service))
    try:
        secret = new_secret()
        created = client.post(
            "/v1/providers",
            json={
                "id": "odr",
                "name": "PULSE provider",
                "methods": ["mediation"],
                "adapter": "pulse",
                "adapter_settings": {
                    "bpp_id": BPP_ID,
                    "bpp_uri": "https://bpp.example",
                    "provider": "ODR001",
                    "item": "MED-1",
                },
                "webhook_secret": secret,
            },
            headers={"Authorization": f"Bearer {key}"},
        )
        assert created.status_code == 201, created.text
        referral = Referral.open(
            reference=str(uuid4()),
            complaint_id=str(uuid4()),
            eligibility={"eligible": True},
            referred_by="supervisor:fuzz",
            referred_at=datetime.now(UTC),
            upstream_event_id="fuzz",
        )
        referral.prepare(provider_id="odr", selection={}, bundle={"sha256": "0" * 64})
        service.application.save(referral)
        yield Target(service, client, secret, referral)
    finally:
        client.close()
        service.stop()


def assert_refused(target: Target, response: Any, before: int, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert target.recorded() == before


def test_a_valid_signed_on_confirm_accepts_the_referral_once(target: Target) -> None:
    body = orjson.dumps(target.callback("on_confirm"))
    answer = target.post("on_confirm", body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"message": {"ack": {"status": "ACK"}}}
    referral = target.service.application.referral(target.referral.reference)
    assert referral.status == "accepted"
    assert referral.provider_updates[-1]["detail"]["provider_reference"] == "O-1"
    before = target.recorded()
    assert target.post("on_confirm", body).status_code == 200  # a retry: a duplicate
    assert target.recorded() == before
    tampered = orjson.loads(body)
    tampered["message"]["order"]["id"] = "O-2"
    assert_refused(target, target.post("on_confirm", orjson.dumps(tampered)), before, 409)


@pytest.mark.parametrize(
    ("case", "status", "field"),
    [
        ("another BPP", 403, None),
        ("another BAP", 422, "context.bap_id"),
        ("webhook-id is not the message_id", 422, "context.message_id"),
        ("another domain", 422, "context.domain"),
        ("a month 13", 422, "context.timestamp"),
        ("another action", 422, "context.action"),
        ("unknown referral", 404, None),
        ("other secret", 401, None),
    ],
)
def test_callbacks_that_are_not_ours_to_record_are_refused(
    target: Target, case: str, status: int, field: str | None
) -> None:
    before = target.recorded()
    action = "on_confirm"
    document = target.callback(action)
    webhook_id = secret = None
    if case == "another BPP":
        document = target.callback(action, bpp_id="other.example")
    elif case == "another BAP":
        document = target.callback(action, bap_id="someone-else")
    elif case == "webhook-id is not the message_id":
        webhook_id = str(uuid4())
    elif case == "another domain":
        document["context"]["domain"] = "retail:1.1.0"
    elif case == "a month 13":
        document["context"]["timestamp"] = "2026-13-01T00:00:00Z"
    elif case == "another action":
        action = "on_status"
    elif case == "unknown referral":
        document = target.callback(action, transaction_id=str(uuid4()))
    elif case == "other secret":
        secret = new_secret()
    response = target.post(action, orjson.dumps(document), webhook_id=webhook_id, secret=secret)
    assert_refused(target, response, before, status)
    if field is not None:
        assert field in [e["field"] for e in response.json()["errors"]], response.text


def test_any_signed_json_that_is_not_a_valid_callback_is_refused(target: Target) -> None:
    @FUZZ
    @given(value=JSON_VALUES, action=st.sampled_from(["on_confirm", "on_status", "on_cancel"]))
    def garbage(value: object, action: str) -> None:
        before = target.recorded()
        response = target.post(action, json.dumps(value).encode())
        assert_refused(target, response, before, 400, 422)

    garbage()


def test_an_on_search_nobody_is_waiting_for_is_refused(target: Target) -> None:
    document = target.callback("on_select")
    document["context"]["action"] = "on_search"
    document["message"] = {"catalog": {"providers": []}}
    response = target.client.post("/v1/pulse/discovery/on_search", json=document)
    assert response.status_code == 404
    assert "waiting" in response.json()["detail"]
