"""API keys: who may call a service, in which role, for which legal entity.

A key's secret is never stored: only its SHA-256 digest, from which the key's id is derived,
so a presented key is found by hashing it, with no table to search.

A key acts for one legal entity of the deployment, or for all of them (group-wide). Only the
roles that oversee a group are group-wide by default; a key of a role that works cases (a CRM,
an agent, a supervisor) always acts for one entity, the default one unless told otherwise, so
a deployment with one entity needs no configuration.

A key of the `provider` role belongs to an ADR provider (issue 19): it records the provider
it acts for (`provider_id`), works only on the ADR gateway, and sees only that provider's
referrals, whatever their legal entity (a provider may serve several entities).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from libs.domain.errors import RuleViolated

API_KEY_NAMESPACE = UUID("6f1d3c8e-2b7a-4f0e-9a51-3c6d2e8b7f40")

#: The legal entity of a deployment that has not named any: every complaint and every key
#: of a case-working role belongs to it unless told otherwise.
DEFAULT_LEGAL_ENTITY = "default"

#: Roles whose keys may act for every legal entity at once (and do, unless scoped).
GROUP_WIDE_ROLES = frozenset({"admin", "auditor", "service"})

#: The role of an ADR provider's own key: scoped to its provider, not to a legal entity.
PROVIDER_ROLE = "provider"

#: The one service on which a provider's key works (its referrals live there).
PROVIDER_SERVICE = "adr_gateway"


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_id_for(secret: str) -> UUID:
    return uuid5(API_KEY_NAMESPACE, digest_of(secret))


def entity_or_default(legal_entity: str | None) -> str:
    """The legal entity something recorded belongs to: what was recorded, or the default one
    for what was recorded before a deployment had entities (no `legal_entity` field)."""
    return legal_entity or DEFAULT_LEGAL_ENTITY


def legal_entity_of_key(role: str, legal_entity: str | None) -> str | None:
    """The legal entity a key of `role` acts for, given the one it was issued for (None:
    not said); None in the answer means every entity (group-wide)."""
    if legal_entity is not None:
        return legal_entity
    if role in GROUP_WIDE_ROLES or role == PROVIDER_ROLE:
        return None  # a provider's key is scoped by its provider (`ApiKey.provider_id`)
    return DEFAULT_LEGAL_ENTITY


class ApiKey(Aggregate):
    # Version 2: a key records its legal entity and service; snapshots taken before are
    # upcast so a key reads the same from a snapshot or from its events.
    # Version 3: a key records the ADR provider it belongs to (`provider_id`, for the
    # `provider` role; None for every other key, and for every key issued before).
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("legal_entity", None)
        state.setdefault("service", None)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state.setdefault("provider_id", None)

    class Issued(Aggregate.Created):
        # Version 2: a key records the legal entity it acts for and, if it is limited to
        # one service, which. A key issued before acts for the entity its role implies
        # (see `legal_entity_of_key`) and is limited to no service.
        # Version 3: the ADR provider a `provider` key belongs to; None before.
        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("legal_entity", None)
            state.setdefault("service", None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state.setdefault("provider_id", None)

        name: str
        role: str
        secret_sha256: str
        issued_by: str
        legal_entity: str | None
        service: str | None
        provider_id: str | None

    class Revoked(Aggregate.Event):
        revoked_by: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ApiKey)
            aggregate.revoked_at = self.timestamp

    def __init__(
        self,
        *,
        name: str,
        role: str,
        secret_sha256: str,
        issued_by: str,
        legal_entity: str | None,
        service: str | None,
        provider_id: str | None,
    ) -> None:
        self.name = name
        self.role = role
        self.secret_sha256 = secret_sha256
        self.issued_by = issued_by
        #: The entity it acts for, as issued (see `acts_for`).
        self.legal_entity = legal_entity
        #: The one service it is limited to; None: every service of the deployment.
        self.service = service
        #: The ADR provider a `provider` key belongs to (None for every other role).
        self.provider_id = provider_id
        self.revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        secret: str,
        name: str,
        role: str,
        issued_by: str,
        legal_entity: str | None = None,
        service: str | None = None,
        provider_id: str | None = None,
    ) -> ApiKey:
        if legal_entity is not None and not legal_entity.strip():
            raise RuleViolated("a key's legal entity, if given, must not be blank")
        if role == PROVIDER_ROLE:
            if provider_id is None or not provider_id.strip():
                raise RuleViolated("a provider's key must name its provider (--provider ID)")
            if service not in (None, PROVIDER_SERVICE):
                raise RuleViolated(f"a provider's key works only on {PROVIDER_SERVICE}")
            service = PROVIDER_SERVICE
        elif provider_id is not None:
            raise RuleViolated(f"only a key of the '{PROVIDER_ROLE}' role names a provider")
        return cls._create(
            cls.Issued,
            id=api_key_id_for(secret),
            name=name,
            role=role,
            secret_sha256=digest_of(secret),
            issued_by=issued_by,
            legal_entity=legal_entity_of_key(role, legal_entity),
            service=service,
            provider_id=provider_id,
        )

    @property
    def acts_for(self) -> str | None:
        """The legal entity this key acts for; None: every entity (group-wide)."""
        return legal_entity_of_key(self.role, self.legal_entity)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, *, revoked_by: str) -> None:
        if not self.is_active:
            raise RuleViolated(f"API key {self.id} was already revoked")
        self.trigger_event(self.Revoked, revoked_by=revoked_by)
