"""Snapshots of complaints: a complaint read from its latest snapshot is the complaint its
events make, whichever form the snapshot was stored in. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import orjson
import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Mapper, StoredEvent

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext
from services.complaints.application import ComplaintsApplication
from services.complaints.snapshots import InteractionLog, InteractionLogAsRecords
from tests.conftest import build_complaints

STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def context(minutes: int) -> CommandContext:
    return CommandContext(
        "agent:a",
        "agent",
        f"corr-{minutes}",
        STARTED + timedelta(minutes=minutes),
        f"cmd-{uuid4()}",
    )


def a_complaint_with_interactions(count: int) -> Complaint:
    complaint = Complaint.receive(
        context(0),
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada"},
        channel="web",
        category="billing",
        description="charged twice",
    )
    for n in range(count):
        if n % 3 == 0:
            kind, document = (
                "document",
                {
                    "sha256": "ab" * 32,
                    "media_type": "application/pdf",
                    "size": 1024 + n,
                    "storage_ref": f"s3://bucket/{n}.pdf",
                },
            )
        else:
            kind, document = "message", None
        complaint.record_interaction(
            context(n + 1),
            interaction_id=f"i-{n}",
            kind=kind,
            direction=("inbound", "outbound", "internal")[n % 3],
            summary=f"interaction {n} — “quoted” \\ back\\slash",
            body=None if n % 2 else f"body {n}\nline two",
            document=document,
            language=("cy", None)[n % 2],
        )
    return complaint


def without_snapshots(application: ComplaintsApplication) -> ComplaintsApplication:
    return ComplaintsApplication(env={**application.env, "IS_SNAPSHOTTING_ENABLED": "n"})


@contextmanager
def saved(
    database_url: str, interactions: int
) -> Iterator[tuple[ComplaintsApplication, Complaint]]:
    """A complaint with `interactions` interactions, saved in one go."""
    service = build_complaints(database_url)
    complaint = a_complaint_with_interactions(interactions)
    service.application.save(complaint)
    try:
        yield service.application, complaint
    finally:
        service.stop()


def latest_stored_snapshot(application: ComplaintsApplication, complaint: Complaint) -> Any:
    """The latest stored snapshot, its state as the transcoder wrote it (inflated, where
    the store compresses snapshots)."""
    assert application.snapshots is not None
    (stored,) = application.snapshots.recorder.select_events(complaint.id, desc=True, limit=1)
    compressor = application.snapshots.mapper.compressor
    state = compressor.decompress(stored.state) if compressor else stored.state
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, state)


@pytest.mark.parametrize("interactions", [99, 250])
def test_a_complaint_from_its_snapshot_is_the_complaint_its_events_make(
    database_url: str, interactions: int
) -> None:
    with saved(database_url, interactions) as (application, complaint):
        replayer = without_snapshots(application)
        try:
            from_snapshot = application.complaint(complaint.id)
            from_events = replayer.complaint(complaint.id)
        finally:
            replayer.close()
    assert from_snapshot.version == from_events.version == interactions + 1
    assert vars(from_snapshot) == vars(from_events)
    assert isinstance(from_snapshot.interactions[0]["occurred_at"], datetime)


def test_the_interaction_log_is_stored_as_plain_records(database_url: str) -> None:
    with saved(database_url, 199) as (application, complaint):
        stored = latest_stored_snapshot(application, complaint)
    assert stored.originator_version == 200
    log = orjson.loads(stored.state)["state"]["interactions"]
    assert log["_type_"] == "interaction_log"
    assert log["_data_"][0]["occurred_at"] == "2026-03-02T09:31:00+00:00"
    assert b"_type_" not in orjson.dumps(log["_data_"])  # nothing inside left to revive


def test_a_snapshot_stored_the_librarys_way_still_reads(database_url: str) -> None:
    """Snapshots taken before the interaction log had a form of its own."""
    with saved(database_url, 120) as (application, complaint):
        assert application.snapshots is not None
        application.snapshots.put([Snapshot.take(complaint)])
        stored = latest_stored_snapshot(application, complaint)
        assert stored.originator_version == complaint.version
        assert b"interaction_log" not in stored.state
        assert vars(application.complaint(complaint.id)) == vars(complaint)


def test_on_postgresql_snapshots_travel_compressed_and_old_uncompressed_ones_still_read(
    postgres_url: str,
) -> None:
    with saved(postgres_url, 199) as (application, complaint):
        assert application.snapshots is not None
        recorder = application.snapshots.recorder
        (stored,) = recorder.select_events(complaint.id, desc=True, limit=1)
        inflated = latest_stored_snapshot(application, complaint).state
        assert len(stored.state) * 4 < len(inflated)
        # A snapshot as stored before compression: the transcoder's JSON as it is.
        complaint.record_interaction(
            context(500), interaction_id="later", kind="note", direction="internal", summary="s"
        )
        application.save(complaint)
        uncompressed = Mapper(transcoder=application.snapshots.mapper.transcoder)
        plain = uncompressed.to_stored_event(application.snapshot_of(complaint))
        assert plain.state[:1] == b"{"
        recorder.insert_events([plain])
        assert vars(application.complaint(complaint.id)) == vars(complaint)


def test_an_interaction_field_json_cannot_hold_as_it_is_is_refused() -> None:
    record = {"id": "i-1", "occurred_at": STARTED, "recorded_at": STARTED, "amount": object()}
    with pytest.raises(TypeError, match="'amount'"):
        InteractionLogAsRecords().encode(InteractionLog([record]))
