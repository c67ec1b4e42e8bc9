"""Development keys: a key issued once into a service's key store and kept under ./var, so
that each `redress up` reuses it (scripts keep working) until the store stops accepting it
(a fresh database, a revoked key), when a new one is issued in its place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from libs.domain.values import Role
from libs.platform.http.auth import KeyRing

#: The admin key `redress up` prints, for the developer's own requests.
DEVELOPER_KEY = Path("var/dev-api-key")
#: One file per `service` key with which one service reads another.
SERVICE_KEYS = Path("var/service-keys")


def kept_key(
    application: Any, path: Path, *, role: Role, name: str, service: str | None = None
) -> str:
    """The secret kept at `path` while `application`'s key store accepts it, else a new key
    of `role` (limited to `service`, if given) issued there and kept at `path` (readable by
    its owner only)."""
    keyring = KeyRing(application)
    if path.exists():
        secret = path.read_text().strip()
        if keyring.verify(secret) is not None:
            return secret
    _, secret = keyring.issue(role=role, name=name, service=service)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret


def developer_key(application: Any) -> str:
    return kept_key(application, DEVELOPER_KEY, role=Role.ADMIN, name="developer")


def service_key(application: Any, name: str, *, service: str | None = None) -> str:
    """A `service` key for `name`; limited to `service` (the one it reads), if given."""
    return kept_key(application, SERVICE_KEYS / name, role=Role.SERVICE, name=name, service=service)
