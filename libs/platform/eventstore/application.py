"""The event store of a service: an `eventsourcing` Application wired from a database URL."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from typing import Any, ClassVar

from eventsourcing.application import (
    Application,
    ProcessingEvent,
    ProjectorFunction,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, SnapshotProtocol
from eventsourcing.persistence import (
    ApplicationRecorder,
    Compressor,
    EventStore,
    Mapper,
    Recording,
    Transcoder,
)
from eventsourcing.postgres import PostgresDatastore

from libs.platform.eventstore.binary_reads import BinaryReadsAggregateRecorder
from libs.platform.eventstore.group_commit import GroupCommittingRecorder
from libs.platform.eventstore.integrity.recorders import chain_recorder_topics
from libs.platform.eventstore.transcoder import FastJSONTranscoder
from libs.platform.sql.storage import DatabaseUrl, taking_turns


def event_store_env(database_url: str, *, pool_size: int = 16) -> dict[str, str]:
    url = DatabaseUrl(database_url)
    env = url.eventsourcing_env(pool_size=pool_size)
    env["IS_SNAPSHOTTING_ENABLED"] = "y"
    # Tamper evidence: every event's hash is recorded in the events' own transaction.
    env.update(chain_recorder_topics(url.is_sqlite))
    return env


class GroupCommitApplication(Application):
    """An Application whose saves from concurrent threads share database transactions.

    Callbacks in `after_save` run after each successful save (e.g. to wake a projection).
    """

    #: Applications that follow another service's feed record the upstream position
    #: (a tracking record) in the same transaction as their events: that takes the
    #: library's process recorder, an application recorder with a tracking table.
    follows_upstreams: ClassVar[bool] = False

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.after_save: list[Callable[[], None]] = []
        #: Events this process has appended (read at scrape time by `EventsAppendedCollector`).
        self.events_appended = 0
        self._appended_lock = threading.Lock()
        # The library creates its tables as the application is built.
        with taking_turns(env or {}, "redress:event-store-tables"):
            super().__init__(env)
        _without_prepared_statements(self)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[Any]]:
        """The library's save, without its `isinstance` checks against runtime protocols
        for our own aggregates: in Python 3.11 those checks walk every protocol member, and
        they were 6% of the interpreter time of eight writers appending complaints."""
        if not all(isinstance(obj, Aggregate) for obj in objs):  # a plain class: ~0.5 µs
            return super().save(*objs, **kwargs)
        processing = ProcessingEvent[Any]()
        for aggregate in objs:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    def _take_snapshots(self, processing: ProcessingEvent[Any]) -> None:
        """Snapshots the saved aggregate itself when it is at the snapshot's version (the
        usual case), rather than loading it again as the library does. An aggregate type
        with a projector of its own (`snapshotting_projectors`) is loaded with it, as the
        library does."""
        if not (self.snapshots and self.snapshotting_intervals):
            return
        for event in processing.events:
            aggregate = processing.aggregates.get(event.originator_id)
            if aggregate is None:
                continue
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval is None or event.originator_version % interval:
                continue
            projector = self.snapshotting_projectors.get(type(aggregate))
            if projector is None and aggregate.version == event.originator_version:
                self.snapshots.put([self.snapshot_of(aggregate)])
            else:
                self.take_snapshot(
                    event.originator_id, event.originator_version, projector or project_aggregate
                )

    def take_snapshot(
        self,
        aggregate_id: Any,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:
        assert self.snapshots is not None, "snapshotting is not enabled"
        aggregate = self.repository.get(
            aggregate_id, version=version, projector_func=projector_func
        )
        self.snapshots.put([self.snapshot_of(aggregate)])

    def snapshot_of(self, aggregate: Any) -> SnapshotProtocol[Any]:
        """The snapshot to store of `aggregate`; override to store one's state in a form
        of one's own (old snapshots must still read)."""
        snapshot: SnapshotProtocol[Any] = type(aggregate).Snapshot.take(aggregate)
        return snapshot

    def construct_recorder(self) -> ApplicationRecorder:
        if self.follows_upstreams:
            return self.factory.process_recorder()
        return super().construct_recorder()

    def _notify(self, recordings: list[Recording[Any]]) -> None:
        with self._appended_lock:
            self.events_appended += len(recordings)
        for callback in self.after_save:
            callback()

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_snapshot_store(self) -> EventStore[Any]:
        datastore = getattr(self.factory, "datastore", None)
        if not isinstance(datastore, PostgresDatastore):
            return super().construct_snapshot_store()
        # Snapshots are the large rows: read them in binary (see `binary_reads`).
        recorder = BinaryReadsAggregateRecorder(
            datastore, events_table_name=f"{self.env.name.lower() or 'stored'}_snapshots"
        )
        if self.factory.env_create_table():
            recorder.create_table()
        mapper = Mapper(
            transcoder=self.mapper.transcoder, compressor=CompressedSnapshotsStillRead()
        )
        return self.factory.event_store(mapper=mapper, recorder=recorder)

    def construct_event_store(self) -> EventStore[Any]:
        self.group_recorder = GroupCommittingRecorder(self.recorder)
        return self.factory.event_store(mapper=self.mapper, recorder=self.group_recorder)


class CompressedSnapshotsStillRead(Compressor):
    """Reads the PostgreSQL snapshots that were stored compressed whole (zlib); stores new
    ones as they are.

    Whole-snapshot compression was for a long-lived complaint, whose snapshot was mostly
    its interaction log: 306 KB for a thousand interactions, 38 KB compressed. That log is
    now stored compressed on its own (`services.complaints.snapshots`), and compressing the
    50 KB left again saved less in transfer than inflating it cost: loads measured 0.8-1.0
    ms without, 1.0-1.2 ms with. Snapshots stored uncompressed are JSON, so they start with
    `{`; anything else is a compressed one.
    """

    def compress(self, data: bytes) -> bytes:
        return data

    def decompress(self, data: bytes) -> bytes:
        if data[:1] == b"{":
            return data
        return zlib.decompress(data)


def discard_broken_connections(application: Application) -> None:
    """Checks the idle pooled connections and replaces those a database restart broke.

    Called when the database is reachable again after an outage, so the next requests do
    not each find a dead connection first.
    """
    datastore = getattr(application.factory, "datastore", None)
    if isinstance(datastore, PostgresDatastore):
        datastore.pool.check()


def _without_prepared_statements(application: Application) -> None:
    """Turns off server-side prepared statements on the PostgreSQL connections.

    The library prepares its inserts inside psycopg pipelines; when a pipeline aborts on a
    version conflict (two replicas writing one complaint), psycopg can keep believing a
    statement is prepared that the server rolled back, and the next insert on that pooled
    connection fails with "prepared statement does not exist" — a 500 for a lost race. The
    cost of re-parsing a few statements is small next to that.
    """
    datastore = getattr(application.factory, "datastore", None)
    if not isinstance(datastore, PostgresDatastore):
        return
    datastore.pool.kwargs["prepare_threshold"] = None
    # Connections opened while creating the tables still prepare: replace them.
    datastore.pool.drain()
