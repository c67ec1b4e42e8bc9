"""InteractionRecorded gained `language` (class_version 2). Events stored by version 1,
without it, still load (the library upcasts them on reading), and the hash chain, which
covers the stored bytes, still verifies: upcasting changes what is read, never what is
stored. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext, Role
from libs.platform.eventstore.integrity.audit import chain_recorder, verify_aggregate
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint
from tests.support.tamper import StoredRows


def as_version_1_would_have_stored_it(
    complaints: RunningComplaints, complaint_id: UUID
) -> StoredEvent:
    """An InteractionRecorded event encoded exactly as the version 1 class was: its fields
    without `language`, and no `class_version` (the mapper writes one only above 1)."""
    application = complaints.service.application
    complaint = application.complaint(complaint_id)
    context = CommandContext(
        actor="crm:legacy",
        actor_role="crm",
        correlation_id="legacy-import",
        occurred_at=datetime.now(UTC),
        command_id=None,
    )
    complaint.record_interaction(
        context, interaction_id="legacy-1", kind="call", direction="inbound", summary="old call"
    )
    (event,) = complaint.collect_events()
    state = dict(vars(event))
    for new_or_envelope in ("language", "originator_id", "originator_version"):
        state.pop(new_or_envelope)
    return StoredEvent(
        originator_id=event.originator_id,
        originator_version=event.originator_version,
        topic="libs.domain.complaint:Complaint.InteractionRecorded",
        state=application.mapper.transcoder.encode(state),
    )


async def test_a_version_1_event_still_loads_and_the_chain_verifies(
    complaints: RunningComplaints, database_url: str
) -> None:
    client, crm = complaints.client, complaints.headers(Role.CRM)
    opened = await client.post("/v1/complaints", json=new_complaint(), headers=crm)
    complaint_id = UUID(opened.json()["id"])
    old = as_version_1_would_have_stored_it(complaints, complaint_id)
    # Written through the application's recorder, as version 1 of the code would have.
    complaints.service.application.recorder.insert_events([old])
    assert b"language" not in old.state and b"class_version" not in old.state

    # A new-style event after it, with the new field.
    response = await client.post(
        f"/v1/complaints/{complaint_id}/interactions",
        json={"kind": "message", "direction": "outbound", "summary": "reply", "language": "cy"},
        headers=crm,
    )
    assert response.status_code == 201, response.text
    interactions = response.json()["interactions"]
    assert [(i["summary"], i["language"]) for i in interactions] == [
        ("old call", None),
        ("reply", "cy"),
    ]

    # The stored row is still the version 1 bytes, and the chain verifies over them.
    _, stored = StoredRows(database_url).state(complaint_id, 2)
    assert stored == old.state
    verdict = verify_aggregate(
        chain_recorder(complaints.service.application.recorder), complaint_id
    )
    assert verdict.valid and verdict.events == 3

    auditor = complaints.headers(Role.AUDITOR)
    history = await client.get(f"/v1/complaints/{complaint_id}/history", headers=auditor)
    v2 = history.json()["items"][1]
    assert v2["type"] == "InteractionRecorded" and v2["data"]["language"] is None
    past = await client.get(
        f"/v1/complaints/{complaint_id}", params={"version": 2}, headers=auditor
    )
    assert past.json()["interactions"][0]["language"] is None


def test_a_snapshot_taken_before_the_change_is_upcast_too() -> None:
    state = {"interactions": [{"id": "a", "summary": "old"}], "_version": 7}
    Complaint.upcast_v1_v2(state)
    assert state["interactions"] == [{"id": "a", "summary": "old", "language": None}]


async def test_a_language_tag_is_validated(complaints: RunningComplaints) -> None:
    client, crm = complaints.client, complaints.headers(Role.CRM)
    opened = await client.post("/v1/complaints", json=new_complaint(), headers=crm)
    response = await client.post(
        f"/v1/complaints/{opened.json()['id']}/interactions",
        json={"kind": "note", "direction": "internal", "summary": "x", "language": "not a tag"},
        headers=crm,
    )
    assert response.status_code == 422
    assert "language" in response.json()["detail"]
