"""`redress keys cipher show|rotate`, run as an operator would: the keys sealing provider
secrets are named by id (never printed), rotation seals every secret again under a new key
at once, and the old key stays to open what it sealed until none is left."""

from __future__ import annotations

from pathlib import Path

from libs.platform.eventstore.application import event_store_env
from libs.platform.runtime.cipher import Cipher, KeyFile, cipher_from_env, new_key
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.webhook_secrets import new_webhook_secret, sealed_secret, secret_of
from tests.support.processes import redress

PROFILE = {"name": "Calm", "methods": ["mediation"], "adapter": "email", "active": True}


def test_show_and_rotate_the_cipher_keys(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'gateway.db'}"
    key_file = tmp_path / "cipher" / "keys"
    env = {"REDRESS_DATABASE_URL": database, "REDRESS_CIPHER_KEY_FILE": str(key_file)}
    redress("migrate", "adr-gateway", env=env)
    first = cipher_from_env(None, key_file)
    secret = new_webhook_secret()
    gateway = GatewayApplication(env=event_store_env(database, pool_size=1))
    try:
        gateway.change_registry(
            lambda r: r.register(
                "calm",
                {**PROFILE, "webhook_secret": sealed_secret(secret, first)},
                registered_by="t",
            )
        )
        # As a version before sealing recorded it.
        gateway.change_registry(
            lambda r: r.register(
                "old", {**PROFILE, "webhook_secret": new_webhook_secret()}, registered_by="t"
            )
        )
    finally:
        gateway.close()

    shown = redress("keys", "cipher", "show", env=env)
    assert f"source: {key_file}" in shown
    assert f"sealing key: {first.current_key_id}" in shown
    assert f"provider secrets sealed with {first.current_key_id}: 1" in shown
    assert "provider secrets in clear: 1" in shown
    assert KeyFile(key_file).path.read_text().split()[0] not in shown  # ids, never keys

    rotated = redress("keys", "cipher", "rotate", env=env)
    second = cipher_from_env(None, key_file)
    assert second.key_ids == [second.current_key_id, first.current_key_id]
    assert f"sealing key {second.current_key_id}" in rotated
    assert "provider secrets sealed again: 2" in rotated

    shown = redress("keys", "cipher", "show", env=env)
    assert f"opening key: {first.current_key_id}" in shown
    assert f"provider secrets sealed with {second.current_key_id}: 2" in shown
    assert f"provider secrets sealed with {first.current_key_id}: 0" in shown
    assert "in clear" not in shown
    gateway = GatewayApplication(env=event_store_env(database, pool_size=1))
    try:
        stored = gateway.provider("calm").webhook_secret
    finally:
        gateway.close()
    # The old key is no longer needed to open it: the same secret, under the new key.
    assert secret_of(stored, cipher_from_env(None, key_file)) == secret
    assert secret_of(stored, Cipher([KeyFile(key_file).read()[0]])) == secret


def test_with_the_key_in_the_environment_rotate_only_proposes_a_new_one(tmp_path: Path) -> None:
    configured = new_key()
    env = {
        "REDRESS_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
        "REDRESS_CIPHER_KEY": configured,
        "REDRESS_CIPHER_KEY_FILE": str(tmp_path / "keys"),
    }
    proposed = redress("keys", "cipher", "rotate", env=env).strip().splitlines()[-1]

    assert proposed != configured and len(proposed) == 43
    assert not (tmp_path / "keys").exists()
