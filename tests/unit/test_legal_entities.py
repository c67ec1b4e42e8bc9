"""Legal entities: the registry that names them, and the entity every complaint belongs to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from libs.domain.access import DEFAULT_LEGAL_ENTITY
from libs.domain.complaint import Complaint
from libs.domain.errors import InvalidArgument, RuleViolated
from libs.domain.legal_entities import LegalEntities
from libs.domain.values import CommandContext

CONTEXT = CommandContext(
    actor="crm:test", actor_role="crm", correlation_id="c-1", occurred_at=datetime.now(UTC)
)


def test_a_deployment_that_registered_nothing_has_the_default_entity() -> None:
    known = LegalEntities.start().known("Acme Ltd")
    assert list(known) == [DEFAULT_LEGAL_ENTITY]
    assert known[DEFAULT_LEGAL_ENTITY].name == "Acme Ltd"
    assert not known[DEFAULT_LEGAL_ENTITY].registered


def test_registering_an_entity_records_its_name_references_and_defaults() -> None:
    registry = LegalEntities.start()
    registry.register(
        entity_id="acme-uk",
        name=" Acme Bank UK plc ",
        regulator_references={"fca_frn": "123456"},
        default_regime="uk-fca-disp",
        calendar_subdivision="ENG",
        registered_by="admin:ops",
    )
    entity = registry.known("Default")["acme-uk"]
    assert (entity.name, entity.regulator_references) == ("Acme Bank UK plc", {"fca_frn": "123456"})
    assert (entity.default_regime, entity.calendar_subdivision) == ("uk-fca-disp", "ENG")
    assert [type(e).__name__ for e in registry.collect_events()] == ["Started", "Registered"]


def test_the_registry_changes_only_through_its_events() -> None:
    registry = LegalEntities.start()
    registry.register(entity_id="acme-au", name="Acme AU", registered_by="cli")
    replayed: Any = None
    for event in registry.collect_events():
        replayed = event.mutate(replayed)
    assert replayed.known("Default") == registry.known("Default")


def test_an_id_is_registered_once() -> None:
    registry = LegalEntities.start()
    registry.register(entity_id="acme-au", name="Acme AU", registered_by="cli")
    with pytest.raises(RuleViolated, match="already registered"):
        registry.register(entity_id="acme-au", name="Acme again", registered_by="cli")


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"entity_id": "Acme UK"}, "id"),
        ({"entity_id": "-acme"}, "id"),
        ({"name": "  "}, "name"),
        ({"regulator_references": {"FCA FRN": "1"}}, "regulator_references"),
        ({"regulator_references": {"fca_frn": " "}}, "regulator_references"),
    ],
)
def test_what_is_not_an_entity_is_refused_naming_the_field(
    details: dict[str, Any], field: str
) -> None:
    registry = LegalEntities.start()
    with pytest.raises(InvalidArgument) as refused:
        registry.register(
            **{"entity_id": "acme", "name": "Acme", "registered_by": "cli", **details}
        )
    assert refused.value.field == field


def test_a_complaint_belongs_to_the_entity_it_was_received_for() -> None:
    complaint = Complaint.receive(
        CONTEXT,
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada"},
        channel="email",
        category="billing",
        description="charged twice",
        legal_entity="acme-uk",
    )
    assert complaint.legal_entity == "acme-uk"
    received = complaint.collect_events()[0]
    assert isinstance(received, Complaint.ComplaintReceived)
    assert received.legal_entity == "acme-uk"


def test_complaints_received_before_entities_belong_to_the_default_one() -> None:
    state: dict[str, Any] = {}
    Complaint.ComplaintReceived.upcast_v1_v2(state)
    assert state["legal_entity"] == DEFAULT_LEGAL_ENTITY
    snapshot: dict[str, Any] = {}
    Complaint.upcast_v5_v6(snapshot)
    assert snapshot["legal_entity"] == DEFAULT_LEGAL_ENTITY
