"""API keys: who may call a service, and in which role.

A key's secret is never stored: only its SHA-256 digest, from which the key's id is derived,
so a presented key is found by hashing it, with no table to search.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from libs.domain.errors import RuleViolated

API_KEY_NAMESPACE = UUID("6f1d3c8e-2b7a-4f0e-9a51-3c6d2e8b7f40")


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_id_for(secret: str) -> UUID:
    return uuid5(API_KEY_NAMESPACE, digest_of(secret))


class ApiKey(Aggregate):
    class Issued(Aggregate.Created):
        name: str
        role: str
        secret_sha256: str
        issued_by: str

    class Revoked(Aggregate.Event):
        revoked_by: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ApiKey)
            aggregate.revoked_at = self.timestamp

    def __init__(self, *, name: str, role: str, secret_sha256: str, issued_by: str) -> None:
        self.name = name
        self.role = role
        self.secret_sha256 = secret_sha256
        self.issued_by = issued_by
        self.revoked_at: datetime | None = None

    @classmethod
    def issue(cls, *, secret: str, name: str, role: str, issued_by: str) -> ApiKey:
        return cls._create(
            cls.Issued,
            id=api_key_id_for(secret),
            name=name,
            role=role,
            secret_sha256=digest_of(secret),
            issued_by=issued_by,
        )

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, *, revoked_by: str) -> None:
        if not self.is_active:
            raise RuleViolated(f"API key {self.id} was already revoked")
        self.trigger_event(self.Revoked, revoked_by=revoked_by)
