"""The legal entities a deployment handles complaints for, kept as one registry aggregate.

A group with several regulated firms, or a firm handling complaints for several clients,
keeps each entity's complaints apart: every complaint belongs to exactly one entity, and a
key scoped to one entity sees only that entity's complaints (see `libs.domain.access`).
Regulators count per entity too: FCA PS25/19 moves the complaints return to legal-entity
level, so reports break their figures down by entity.

An entity is known by a short id (`acme-uk`), its name, its regulator references (an FCA
firm reference number, an ASIC AFSL, a CFPB company id, ...) and the regime and calendar a
complaint opened for it follows unless told otherwise.

A deployment that names no entity has one: `DEFAULT_LEGAL_ENTITY`, which exists without
being registered (so one firm needs no configuration). Registering it gives it details.

The registry is one aggregate, so an id is taken once (a second registration of it
conflicts on the registry's version, and is refused when decided again), and listing the
entities reads one aggregate. Entities are few.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from libs.domain.access import DEFAULT_LEGAL_ENTITY
from libs.domain.errors import InvalidArgument, RuleViolated

#: The registry aggregate's id: there is one per deployment.
REGISTRY_ID = UUID("3a1f0c2e-8d4b-4e6a-9b7c-5e2d1f0a9c81")

ENTITY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
REFERENCE_SCHEME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

#: Regulator reference schemes the docs name; others are accepted (lower-case words).
KNOWN_REFERENCE_SCHEMES = {
    "fca_frn": "FCA firm reference number (UK)",
    "afsl": "ASIC Australian financial services licence number",
    "acl": "ASIC Australian credit licence number",
    "cfpb_company_id": "CFPB company id (US)",
    "lei": "Legal Entity Identifier (ISO 17442)",
}


@dataclass(frozen=True)
class LegalEntity:
    """One legal entity, as registered."""

    id: str
    name: str
    regulator_references: dict[str, str] = field(default_factory=dict)
    default_regime: str = "default"
    calendar_subdivision: str | None = None
    #: False for the default entity of a deployment that never registered it.
    registered: bool = True

    def record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "regulator_references": dict(self.regulator_references),
            "default_regime": self.default_regime,
            "calendar_subdivision": self.calendar_subdivision,
            "registered": self.registered,
        }


def default_entity(name: str) -> LegalEntity:
    """The default entity, as a deployment that has not registered it knows it."""
    return LegalEntity(id=DEFAULT_LEGAL_ENTITY, name=name, registered=False)


def check_entity_id(entity_id: str) -> str:
    if not ENTITY_ID.match(entity_id):
        raise InvalidArgument(
            "id",
            f"'{entity_id}' is not a legal entity id: lower-case letters, digits and '-', "
            "1 to 64 characters, starting with a letter or digit",
        )
    return entity_id


class LegalEntities(Aggregate):
    """The registry of the deployment's legal entities."""

    class Started(Aggregate.Created):
        pass

    class Registered(Aggregate.Event):
        entity_id: str
        name: str
        regulator_references: dict[str, str]
        default_regime: str
        calendar_subdivision: str | None
        registered_by: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, LegalEntities)
            aggregate.entities[self.entity_id] = LegalEntity(
                id=self.entity_id,
                name=self.name,
                regulator_references=dict(self.regulator_references),
                default_regime=self.default_regime,
                calendar_subdivision=self.calendar_subdivision,
            )

    def __init__(self) -> None:
        self.entities: dict[str, LegalEntity] = {}

    @classmethod
    def start(cls) -> LegalEntities:
        return cls._create(cls.Started, id=REGISTRY_ID)

    def register(
        self,
        *,
        entity_id: str,
        name: str,
        registered_by: str,
        regulator_references: dict[str, str] | None = None,
        default_regime: str = "default",
        calendar_subdivision: str | None = None,
    ) -> LegalEntity:
        check_entity_id(entity_id)
        if entity_id in self.entities:
            raise RuleViolated(f"a legal entity with id '{entity_id}' is already registered")
        if not name.strip():
            raise InvalidArgument("name", "a legal entity needs a name")
        references = dict(regulator_references or {})
        for scheme, reference in references.items():
            if not REFERENCE_SCHEME.match(scheme):
                raise InvalidArgument(
                    "regulator_references",
                    f"'{scheme}' is not a reference scheme: lower-case letters, digits and "
                    "'_' (e.g. fca_frn, afsl, cfpb_company_id)",
                )
            if not reference.strip():
                raise InvalidArgument(
                    "regulator_references", f"the '{scheme}' reference must not be blank"
                )
        self.trigger_event(
            self.Registered,
            entity_id=entity_id,
            name=name.strip(),
            regulator_references=references,
            default_regime=default_regime,
            calendar_subdivision=calendar_subdivision,
            registered_by=registered_by,
        )
        return self.entities[entity_id]

    def known(self, default_name: str) -> dict[str, LegalEntity]:
        """Every entity of the deployment, the default one included, by id."""
        known = {DEFAULT_LEGAL_ENTITY: default_entity(default_name)}
        known.update(self.entities)
        return known
