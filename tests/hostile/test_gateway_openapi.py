"""Hostile input for the ADR gateway: schemathesis generates requests from its own OpenAPI
document, valid and invalid, with an admin key; no response may be a 5xx or break the
documented schema. Then the inbound provider webhook is fuzzed: bad signatures, stale or
garbage headers, huge bodies, wrong content types and garbage JSON are refused with a 4xx
and record nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libs.domain.referral import Referral
from libs.domain.values import Role
from services.adr_gateway.adapters.webhook import sign
from services.adr_gateway.app import create_app
from services.adr_gateway.bootstrap import GatewayService, bootstrap
from services.adr_gateway.webhook_secrets import new_webhook_secret as new_secret
from tests.support.fuzzing import WITHOUT_AUTH_FAILURE_LIMIT, exercise
from tests.support.gateway import gateway_settings, sqlite_url
from tests.support.in_process import InProcessClient

MAX_BODY = 65_536
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@dataclass
class Target:
    service: GatewayService
    client: InProcessClient
    admin: dict[str, str]
    provider: dict[str, Any]
    referral: Referral

    @property
    def url(self) -> str:
        return f"/v1/providers/{self.provider['id']}/webhooks"

    def recorded(self) -> int:
        """How many events the gateway holds: nothing refused may add one."""
        return int(self.service.application.recorder.max_notification_id() or 0)

    def signed(self, body: bytes, **headers: str) -> dict[str, str]:
        """Standard Webhooks headers over the raw bytes (any bytes, not only UTF-8 text)."""
        webhook_id, timestamp = f"msg_{uuid4().hex}", str(int(time.time()))
        key = base64.b64decode(self.provider["webhook_secret"].removeprefix("whsec_"))
        mac = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256)
        return {
            "webhook-id": webhook_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": f"v1,{base64.b64encode(mac.digest()).decode()}",
            "content-type": "application/json",
            **headers,
        }


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    service = bootstrap(
        gateway_settings(
            sqlite_url(tmp_path), max_body_bytes=MAX_BODY, **WITHOUT_AUTH_FAILURE_LIMIT
        )
    )
    key = service.keyring.issue(role=Role.ADMIN, name="fuzzer")[1]
    admin = {"Authorization": f"Bearer {key}"}
    # Without its lifespan: no worker delivers (or dead-letters) the referral meanwhile, so
    # every event recorded during a test was recorded by the request under test.
    client = InProcessClient(create_app(service))
    try:
        secret = new_secret()
        created = client.post(
            "/v1/providers",
            json={
                "name": "Fuzzed provider",
                "methods": ["mediation"],
                "adapter": "webhook",
                "adapter_settings": {"url": "http://127.0.0.1:9/cases"},
                "webhook_secret": secret,
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text
        provider = {**created.json(), "webhook_secret": secret}
        referral = Referral.open(
            reference=str(uuid4()),
            complaint_id=str(uuid4()),
            eligibility={"eligible": True},
            referred_by="supervisor:fuzz",
            referred_at=datetime.now(UTC),
            upstream_event_id="fuzz",
        )
        referral.prepare(provider_id=provider["id"], selection={}, bundle={"sha256": "0" * 64})
        service.application.save(referral)
        yield Target(service, client, admin, provider, referral)
    finally:
        client.close()
        service.stop()


def test_no_request_breaks_the_gateway_api(target: Target) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.client.app)
    exercised = exercise(schema, target.admin, examples=20)
    assert "POST /v1/providers" in exercised
    assert "POST /v1/providers/{provider_id}/webhooks" in exercised


# -- the inbound webhook, fuzzed ------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def to_json(value: object) -> bytes:
    """The standard library's JSON: integers beyond 64 bits and Infinity included."""
    return json.dumps(value).encode()


HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=0, max_size=120
)


def assert_refused(target: Target, response: Any, before: int, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert target.recorded() == before


def test_bad_signatures_are_refused_and_record_nothing(target: Target) -> None:
    message = orjson.dumps(
        {"type": "referral.accepted", "referral_id": target.referral.reference, "data": {}}
    )

    @FUZZ
    @given(
        webhook_id=HEADER_TEXT,
        timestamp=HEADER_TEXT | st.integers(-(2**40), 2**40).map(str),
        signature=HEADER_TEXT
        | st.lists(
            st.tuples(st.sampled_from(["v1", "v1a", "", "v2"]), st.binary(max_size=40)),
            max_size=3,
        ).map(lambda parts: " ".join(f"{v},{b.hex()}" for v, b in parts)),
    )
    def forged(webhook_id: str, timestamp: str, signature: str) -> None:
        before = target.recorded()
        response = target.client.post(
            target.url,
            content=message,
            headers={
                "webhook-id": webhook_id,
                "webhook-timestamp": timestamp,
                "webhook-signature": signature,
                "content-type": "application/json",
            },
        )
        assert_refused(target, response, before, 400, 401)

    forged()


@pytest.mark.parametrize(
    "change",
    ["other-secret", "tampered-body", "stale", "future", "no-headers", "other-provider"],
)
def test_a_webhook_signed_wrongly_is_refused(target: Target, change: str) -> None:
    body = orjson.dumps(
        {"type": "referral.accepted", "referral_id": target.referral.reference, "data": {}}
    )
    secret = new_secret() if change == "other-secret" else target.provider["webhook_secret"]
    at = {
        "stale": datetime.now(UTC) - timedelta(minutes=10),
        "future": datetime.now(UTC) + timedelta(minutes=10),
    }.get(change)
    headers = {**sign(secret, f"msg_{uuid4().hex}", body, at), "content-type": "application/json"}
    if change == "no-headers":
        headers = {"content-type": "application/json"}
    url = target.url
    if change == "other-provider":
        url = f"/v1/providers/{uuid4()}/webhooks"
    sent = body + b" " if change == "tampered-body" else body
    before = target.recorded()
    response = target.client.post(url, content=sent, headers=headers)
    assert_refused(target, response, before, 401, 404)


def test_garbage_bodies_correctly_signed_are_refused_and_record_nothing(target: Target) -> None:
    @FUZZ
    @given(
        body=st.binary(max_size=300)
        | JSON_VALUES.map(to_json)
        | st.fixed_dictionaries(
            {"type": st.text(max_size=120) | st.integers(), "referral_id": JSON_VALUES},
            optional={"data": JSON_VALUES, "occurred_at": JSON_VALUES},
        ).map(to_json)
    )
    def garbage(body: bytes) -> None:
        before = target.recorded()
        response = target.client.post(target.url, content=body, headers=target.signed(body))
        assert_refused(target, response, before, 400, 401, 404, 409, 422)

    garbage()


def test_huge_bodies_are_refused_before_they_are_read(target: Target) -> None:
    for size in (MAX_BODY + 1, 10 * MAX_BODY):
        body = b'{"type":"referral.accepted","referral_id":"' + b"x" * size + b'"}'
        before = target.recorded()
        response = target.client.post(target.url, content=body, headers=target.signed(body))
        assert_refused(target, response, before, 413)
        # Streamed without a length, too.
        response = target.client.post(
            target.url,
            content=iter([body[:1000], body[1000:]]),
            headers={k: v for k, v in target.signed(body).items() if k != "content-length"},
        )
        assert_refused(target, response, before, 413)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"],
)
def test_wrong_content_types_are_refused(target: Target, content_type: str) -> None:
    body = {
        "application/x-www-form-urlencoded": b"type=referral.accepted&referral_id=x",
        "application/xml": b"<webhook><type>referral.accepted</type></webhook>",
        "multipart/form-data": b"--b\r\nContent-Disposition: form-data; name=t\r\n\r\nx\r\n--b--",
    }.get(content_type, b"referral accepted, honest")
    before = target.recorded()
    response = target.client.post(
        target.url, content=body, headers=target.signed(body, **{"content-type": content_type})
    )
    assert_refused(target, response, before, 400, 415, 422)
    # Unsigned, the signature is what refuses it.
    response = target.client.post(target.url, content=body, headers={"content-type": content_type})
    assert_refused(target, response, before, 401)


def test_a_correct_webhook_still_goes_through(target: Target) -> None:
    """The fuzzing above proves nothing if a good message is refused too."""
    body = orjson.dumps(
        {"type": "referral.accepted", "referral_id": target.referral.reference, "data": {}}
    )
    before = target.recorded()
    response = target.client.post(target.url, content=body, headers=target.signed(body))
    assert response.status_code == 200, response.text
    assert target.recorded() == before + 1
