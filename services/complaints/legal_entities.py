"""The deployment's legal entities as the complaints service knows them: the registry (one
aggregate, `libs.domain.legal_entities`) and which entity each complaint belongs to.

A complaint's entity is fixed by its first event and never changes, so it is read once per
complaint from that event alone (not the whole complaint) and remembered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from libs.domain.access import DEFAULT_LEGAL_ENTITY
from libs.domain.complaint import Complaint
from libs.domain.errors import RuleViolated
from libs.domain.legal_entities import REGISTRY_ID, LegalEntities, LegalEntity, default_entity
from libs.platform.eventstore.concurrency import retry_on_conflict
from services.complaints.application import ComplaintsApplication

#: Complaints whose entity is remembered; each costs a few dozen bytes.
REMEMBERED = 200_000


class LegalEntityDirectory:
    def __init__(self, application: ComplaintsApplication, default_name: str) -> None:
        self.application = application
        self.default_name = default_name
        self._entity_of: OrderedDict[UUID, str] = OrderedDict()
        self._lock = threading.Lock()

    # -- the registry ---------------------------------------------------------------------

    def _registry(self) -> LegalEntities | None:
        try:
            registry: object = self.application.repository.get(REGISTRY_ID)
        except AggregateNotFoundError:
            return None
        assert isinstance(registry, LegalEntities)
        return registry

    def all(self) -> dict[str, LegalEntity]:
        """Every entity, the default one included, by id."""
        registry = self._registry()
        if registry is None:
            return {DEFAULT_LEGAL_ENTITY: default_entity(self.default_name)}
        return registry.known(self.default_name)

    def get(self, entity_id: str) -> LegalEntity | None:
        return self.all().get(entity_id)

    def register(self, **details: Any) -> LegalEntity:
        """Registers an entity (`LegalEntities.register`'s arguments); a registry changed by
        another writer meanwhile is read again and the registration decided again."""

        def attempt() -> LegalEntity:
            registry = self._registry() or LegalEntities.start()
            entity = registry.register(**details)
            self.application.save(registry)  # IntegrityError: another writer; decide again
            return entity

        return retry_on_conflict(
            attempt, gave_up=lambda: RuleViolated("the registry is being changed; try again")
        )

    # -- complaints -----------------------------------------------------------------------

    def remembered(self, complaint_id: UUID) -> str | None:
        """The complaint's entity if it is remembered (no database: for the event loop)."""
        with self._lock:
            return self._entity_of.get(complaint_id)

    def entity_of(self, complaint_id: UUID) -> str | None:
        """The entity a complaint belongs to; None if there is no such complaint."""
        known = self.remembered(complaint_id)
        if known is not None:
            return known
        events = list(self.application.repository.event_store.get(complaint_id, lte=1, limit=1))
        if not events or not isinstance(events[0], Complaint.ComplaintReceived):
            return None
        entity = events[0].legal_entity
        with self._lock:
            self._entity_of[complaint_id] = entity
            while len(self._entity_of) > REMEMBERED:
                self._entity_of.popitem(last=False)
        return entity
