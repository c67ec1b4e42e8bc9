"""Snapshots of complaints: a complaint read from its latest snapshot is the complaint its
events make, whichever form the snapshot was stored in. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import orjson
import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent

from libs.domain.complaint import Complaint
from libs.domain.interaction_log import InteractionLog
from libs.domain.values import CommandContext
from services.complaints.application import ComplaintsApplication
from services.complaints.snapshots import MAX_CHUNKS, InteractionLogInChunks
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


def stored_log(application: ComplaintsApplication, complaint: Complaint) -> Any:
    """The interaction log of the latest stored snapshot, as the transcoder wrote it."""
    return orjson.loads(latest_stored_snapshot(application, complaint).state)["state"][
        "interactions"
    ]


def chunk_records(chunk: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = orjson.loads(zlib.decompress(base64.b64decode(chunk)))
    return records


def test_the_interaction_log_is_stored_as_compressed_chunks_of_plain_records(
    database_url: str,
) -> None:
    with saved(database_url, 199) as (application, complaint):
        log = stored_log(application, complaint)
    assert log["_type_"] == "interaction_log_chunks"
    assert log["_data_"]["count"] == 199
    # Saved in one go, its snapshot at v200 is of the complaint in memory: one chunk.
    (chunk,) = log["_data_"]["chunks"]
    records = chunk_records(chunk)
    assert [record["id"] for record in records] == [f"i-{n}" for n in range(199)]
    assert records[0]["occurred_at"] == "2026-03-02T09:31:00+00:00"
    assert b"_type_" not in orjson.dumps(records)  # nothing inside left to revive


def test_a_loaded_complaint_reads_its_interactions_only_when_asked(database_url: str) -> None:
    with saved(database_url, 250) as (application, complaint):
        loaded = application.complaint(complaint.id)
        assert loaded.interactions.unread is not None
        assert len(loaded.interactions) == 250
        loaded.record_interaction(
            context(900), interaction_id="later", kind="note", direction="internal", summary="s"
        )
        application.save(loaded)
        assert loaded.interactions.unread is not None  # a command does not read the log
        again = application.complaint(complaint.id)
    assert [i["id"] for i in again.interactions][-2:] == ["i-249", "later"]
    assert again.interactions.unread is None
    assert again.interactions[0] == complaint.interactions[0]


def test_each_snapshot_adds_a_chunk_until_the_log_is_written_again_as_one(
    database_url: str,
) -> None:
    with saved(database_url, 99) as (application, complaint):
        chunk_counts = []
        for round_number in range(MAX_CHUNKS + 1):
            loaded = application.complaint(complaint.id)
            for n in range(100):
                loaded.record_interaction(
                    context(1_000 + round_number * 100 + n),
                    interaction_id=f"r{round_number}-{n}",
                    kind="message",
                    direction="inbound",
                    summary="more",
                )
            application.save(loaded)
            chunk_counts.append(len(stored_log(application, loaded)["_data_"]["chunks"]))
        replayer = without_snapshots(application)
        try:
            assert vars(application.complaint(complaint.id)) == vars(
                replayer.complaint(complaint.id)
            )
        finally:
            replayer.close()
    assert chunk_counts == [*range(2, MAX_CHUNKS + 1), 1, 2]


def test_a_snapshot_with_the_log_as_one_list_of_records_still_reads(database_url: str) -> None:
    """Snapshots taken before the log was chunked (class version 2)."""
    with saved(database_url, 120) as (application, complaint):
        assert application.snapshots is not None
        stored = application.snapshots.mapper.to_stored_event(application.snapshot_of(complaint))
        document = orjson.loads(stored.state)
        records = [
            {
                **record,
                "occurred_at": record["occurred_at"].isoformat(),
                "recorded_at": record["recorded_at"].isoformat(),
            }
            for record in complaint.interactions
        ]
        document["state"]["interactions"] = {"_type_": "interaction_log", "_data_": records}
        document["state"]["class_version"] = 2
        application.snapshots.recorder.insert_events(
            [replace(stored, state=orjson.dumps(document))]
        )
        loaded = application.complaint(complaint.id)
        assert isinstance(loaded.interactions, InteractionLog)
        assert vars(loaded) == vars(complaint)


def test_a_snapshot_stored_the_librarys_way_still_reads(database_url: str) -> None:
    """Snapshots taken before the interaction log had a form of its own (class version 2,
    a list of records with tagged times)."""
    with saved(database_url, 120) as (application, complaint):
        assert application.snapshots is not None
        snapshot = Snapshot.take(complaint)
        snapshot.state["interactions"] = list(complaint.interactions)
        snapshot.state["class_version"] = 2
        application.snapshots.put([snapshot])
        stored = latest_stored_snapshot(application, complaint)
        assert stored.originator_version == complaint.version
        assert b"interaction_log" not in stored.state
        loaded = application.complaint(complaint.id)
        assert isinstance(loaded.interactions, InteractionLog)
        assert vars(loaded) == vars(complaint)


def test_on_postgresql_a_snapshot_compressed_whole_still_reads(postgres_url: str) -> None:
    """PostgreSQL snapshots were compressed whole before the interaction log was chunked."""
    with saved(postgres_url, 120) as (application, complaint):
        assert application.snapshots is not None
        plain = application.snapshots.mapper.to_stored_event(application.snapshot_of(complaint))
        assert plain.state[:1] == b"{"  # new snapshots are stored as they are
        application.snapshots.recorder.insert_events(
            [replace(plain, state=zlib.compress(plain.state, 1))]
        )
        stored = application.snapshots.recorder.select_events(complaint.id, desc=True, limit=1)
        assert stored[0].originator_version == complaint.version
        assert stored[0].state[:1] != b"{"
        loaded = application.complaint(complaint.id)
        assert isinstance(loaded.interactions, InteractionLog)
        assert vars(loaded) == vars(complaint)


def test_an_interaction_field_json_cannot_hold_as_it_is_is_refused() -> None:
    record = {"id": "i-1", "occurred_at": STARTED, "recorded_at": STARTED, "amount": object()}
    with pytest.raises(TypeError, match="'amount'"):
        InteractionLogInChunks().encode(InteractionLog([record]))
