"""Provider webhook secrets at rest (issue 19, Build 5): a secret is shown once, never kept
in clear — not in the gateway's events, snapshots or idempotency records — and replaying a
registration does not show it again. Read from the gateway's PostgreSQL database as stored,
every table, every row."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from psycopg import sql

from libs.domain.provider import REGISTRY_ID
from libs.platform.runtime.cipher import Cipher, new_key, parse_keys
from services.adr_gateway.adapters.webhook import sign
from services.adr_gateway.bootstrap import ConfigurationError, bootstrap
from services.adr_gateway.webhook_secrets import new_webhook_secret
from tests.support.databases import fresh_postgres_database
from tests.support.gateway import RunningGateway, gateway_settings, running_gateway

REGISTRATION = {
    "id": "calm",
    "name": "Calm Mediation",
    "methods": ["mediation"],
    "adapter": "webhook",
    "adapter_settings": {"url": "http://127.0.0.1:9/cases"},
}


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_postgres_database("redress_secrets") as url:
        yield url


@pytest.fixture
async def gateway(database: str, tmp_path: Path) -> AsyncIterator[RunningGateway]:
    settings = gateway_settings(database, cipher_key_file=str(tmp_path / "cipher" / "keys"))
    async with running_gateway(settings) as running:
        yield running


def stored_values(database: str) -> Iterator[tuple[str, bytes]]:
    """Every value of every row of every table, as the bytes PostgreSQL holds."""
    with psycopg.connect(database) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
        for (table,) in tables:
            for row in connection.execute(
                sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))
            ):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        yield table, bytes(value)
                    elif value is not None:
                        yield table, str(value).encode()


def clear_forms(secret: str) -> list[bytes]:
    """How a secret could show in a row: itself, or its key bytes, raw or in base64."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    return [secret.encode(), key, base64.urlsafe_b64encode(key).rstrip(b"=")]


async def test_no_secret_is_stored_in_clear_and_a_replay_withholds_the_one_shown(
    gateway: RunningGateway, database: str
) -> None:
    headers = {**gateway.headers(), "Idempotency-Key": "register-calm"}
    first = await gateway.client.post("/v1/providers", json=REGISTRATION, headers=headers)
    replay = await gateway.client.post("/v1/providers", json=REGISTRATION, headers=headers)

    assert first.status_code == 201, first.text
    generated = first.json()["webhook_secret"]
    assert generated.startswith("whsec_")
    assert "Idempotent-Withheld" not in first.headers
    # The replay is the first answer, without the secret it showed once.
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.headers["Idempotent-Withheld"] == "webhook_secret"
    assert replay.json() == {**first.json(), "webhook_secret": None}

    given = new_webhook_secret()
    brought = await gateway.client.post(
        "/v1/providers",
        json={**REGISTRATION, "id": "fair", "webhook_secret": given},
        headers={**gateway.headers(), "Idempotency-Key": "register-fair"},
    )
    assert brought.status_code == 201 and "webhook_secret" not in brought.json()
    rotated = new_webhook_secret()
    patched = await gateway.client.patch(
        "/v1/providers/fair", json={"webhook_secret": rotated}, headers=gateway.headers()
    )
    assert patched.status_code == 200, patched.text
    gateway.service.application.take_snapshot(REGISTRY_ID)  # snapshots hold providers too

    values = list(stored_values(database))
    tables = {table for table, _ in values}
    assert {"idempotency_records", "adrgateway_events", "adrgateway_snapshots"} <= tables
    assert [table for table, value in values if b"whsec_" in value] == []
    for secret in (generated, given, rotated):
        for form in clear_forms(secret):
            assert [table for table, value in values if form in value] == []
    assert any(b"sealed:v1:" in value for table, value in values if table == "adrgateway_events")


async def test_the_sealed_secret_still_verifies_the_providers_webhooks(
    gateway: RunningGateway,
) -> None:
    registered = await gateway.client.post(
        "/v1/providers", json=REGISTRATION, headers=gateway.headers()
    )
    secret = registered.json()["webhook_secret"]
    referral = gateway.prepared_referral("calm")
    body = orjson.dumps({"type": "referral.accepted", "referral_id": referral.reference})

    for key, expected in ((new_webhook_secret(), 401), (secret, 200)):
        response = await gateway.client.post(
            "/v1/providers/calm/webhooks",
            content=body,
            headers={**sign(key, "msg_1", body), "content-type": "application/json"},
        )
        assert response.status_code == expected, response.text
    assert gateway.referral(referral).status == "accepted"


async def test_a_gateway_started_with_a_cipher_key_it_cannot_use_says_which(
    database: str,
) -> None:
    settings: Any = gateway_settings(database, cipher_key=new_key()[:-3])
    with pytest.raises(ConfigurationError, match="REDRESS_CIPHER_KEY: key 1 is not 32 bytes"):
        bootstrap(settings)


async def test_a_replica_without_the_key_that_sealed_a_secret_refuses_and_records_nothing(
    database: str,
) -> None:
    mine, other = new_key(), new_key()
    sealing = gateway_settings(database, cipher_key=mine)
    lacking = gateway_settings(database, cipher_key=other)
    async with running_gateway(sealing) as first, running_gateway(lacking) as second:
        registered = await first.client.post(
            "/v1/providers", json=REGISTRATION, headers=first.headers()
        )
        referral = first.prepared_referral("calm")
        body = orjson.dumps({"type": "referral.accepted", "referral_id": referral.reference})
        signed = sign(registered.json()["webhook_secret"], "msg_1", body)
        response = await second.client.post(
            "/v1/providers/calm/webhooks",
            content=body,
            headers={**signed, "content-type": "application/json"},
        )

        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "webhook secret cannot be read" in response.json()["detail"]
        assert first.referral(referral).status == "prepared"

    # Started again with keys that cannot open it, the gateway says which key it needs.
    key_id = Cipher(parse_keys(mine, "test")).current_key_id
    with pytest.raises(ConfigurationError, match=f"sealed with key {key_id}, which is not"):
        bootstrap(lacking)
