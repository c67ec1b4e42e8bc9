"""The hash-chain recorder on SQLite: events and their hashes in one transaction, and the
queries verification needs (one aggregate's chain, a streamed scan, the checkpoint log)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
)

from libs.platform.eventstore.integrity.chain_writes import (
    SCAN_BATCH,
    CheckpointRecord,
    Head,
    ScannedAggregate,
    ScannedEvent,
    WritesChain,
    grouped_by_originator,
)
from libs.platform.eventstore.sqlite_reads import TupleNotificationReads


class HashChainSQLiteRecorder(WritesChain, TupleNotificationReads, SQLiteApplicationRecorder):
    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events", **kwargs: Any
    ):
        # Named first: the library's constructor asks for the create statements.
        self._name_chain_tables(events_table_name)
        super().__init__(datastore, events_table_name=events_table_name, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.hashes_table} ("
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
            "hash TEXT NOT NULL, prev_hash TEXT NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {self.checkpoints_table} ("
            "seq INTEGER PRIMARY KEY, created_at TEXT NOT NULL, position INTEGER NOT NULL, "
            "aggregates INTEGER NOT NULL, root TEXT NOT NULL, prev_hash TEXT NOT NULL, "
            "hash TEXT NOT NULL, jws TEXT)",
            f"CREATE TABLE IF NOT EXISTS {self.leaves_table} ("
            "seq INTEGER NOT NULL, originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, hash TEXT NOT NULL, "
            "PRIMARY KEY (originator_id, seq)) WITHOUT ROWID",
        ]

    def create_table(self) -> None:
        super().create_table()
        # Checkpoint logs made before checkpoints were signed gain the signature column;
        # their rows keep a NULL there (reported as unsigned, not as invalid). Processes
        # starting together may race to add it: the loser finds it added.
        for attempt in range(3):
            if self._has_signature_column():
                return
            try:
                with self.datastore.transaction(commit=True) as c:
                    c.execute(f"ALTER TABLE {self.checkpoints_table} ADD COLUMN jws TEXT")
                return
            except PersistenceError:
                if attempt == 2 and not self._has_signature_column():
                    raise

    def _has_signature_column(self) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"PRAGMA table_info({self.checkpoints_table})")
            return "jws" in {row[1] for row in c.fetchall()}

    def _db_id(self, originator_id: UUID | str) -> str:
        # The library stores UUIDs as 32 hex digits in SQLite.
        if isinstance(originator_id, UUID):
            return originator_id.hex
        if self.datastore.originator_id_type == "uuid":
            return UUID(originator_id).hex
        return originator_id

    def _py_id(self, raw: str) -> str:
        return str(self.convert_originator_id(raw))

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The events go first: their INSERT takes SQLite's write lock, so the predecessor
        # hashes read next are the latest committed ones.
        returning = super()._insert_events(c, stored_events, **kwargs)
        links = self._link_batch(c, stored_events)
        c.executemany(
            f"INSERT INTO {self.hashes_table} VALUES (?,?,?,?)",
            [
                (
                    self._db_id(link.originator_id),
                    link.originator_version,
                    link.hash,
                    link.prev_hash,
                )
                for link in links
            ],
        )
        return returning

    def _recorded_hashes(
        self, c: SQLiteCursor, needed: set[tuple[str, int]]
    ) -> dict[tuple[str, int], str]:
        found: dict[tuple[str, int], str] = {}
        for originator_id, version in needed:
            c.execute(
                f"SELECT hash FROM {self.hashes_table} "
                "WHERE originator_id=? AND originator_version=?",
                (self._db_id(originator_id), version),
            )
            row = c.fetchone()
            if row is not None:
                found[(originator_id, version)] = row[0]
        return found

    def _aggregate_rows(
        self, c: SQLiteCursor, originator_id: str
    ) -> tuple[list[ScannedEvent], dict[int, tuple[str, str]]]:
        db_id = self._db_id(originator_id)
        c.execute(
            f"SELECT originator_version, topic, state FROM {self.events_table_name} "
            "WHERE originator_id=? ORDER BY originator_version",
            (db_id,),
        )
        events = [ScannedEvent(originator_id, r[0], r[1], bytes(r[2])) for r in c.fetchall()]
        c.execute(
            f"SELECT originator_version, hash, prev_hash FROM {self.hashes_table} "
            "WHERE originator_id=?",
            (db_id,),
        )
        return events, {r[0]: (r[1], r[2]) for r in c.fetchall()}

    # -- queries ---------------------------------------------------------------------------

    def select_chain(
        self, originator_id: UUID | str, *, gt: int = 0, lte: int | None = None
    ) -> dict[int, tuple[str, str]]:
        """The recorded hashes of one aggregate: {version: (hash, prev_hash)}."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_version, hash, prev_hash FROM {self.hashes_table} "
                "WHERE originator_id=? AND originator_version>? AND originator_version<=?",
                (self._db_id(originator_id), gt, lte if lte is not None else 2**62),
            )
            return {r[0]: (r[1], r[2]) for r in c.fetchall()}

    def count_events(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {self.events_table_name}")
            return int(c.fetchone()[0])

    def scan_chains(self) -> Iterator[ScannedAggregate]:
        """Every event with its recorded hash, aggregate by aggregate, in one read."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT e.originator_id, e.originator_version, e.topic, e.state, h.hash, "
                f"h.prev_hash FROM {self.events_table_name} e LEFT JOIN {self.hashes_table} h "
                "ON h.originator_id = e.originator_id "
                "AND h.originator_version = e.originator_version "
                "ORDER BY e.originator_id, e.originator_version"
            )

            def rows() -> Iterator[tuple[Any, ...]]:
                while batch := c.sqlite_cursor.fetchmany(SCAN_BATCH):
                    yield from (tuple(row) for row in batch)

            yield from grouped_by_originator(rows(), self._py_id)

    def recorded_heads(self) -> dict[str, tuple[int, str]]:
        with self.datastore.transaction(commit=False) as c:
            return self._heads(c)

    def _heads(self, c: SQLiteCursor) -> dict[str, tuple[int, str]]:
        # SQLite takes the bare `hash` column from the row holding the maximum.
        c.execute(
            "SELECT originator_id, MAX(originator_version), hash "
            f"FROM {self.hashes_table} GROUP BY originator_id"
        )
        return {self._py_id(r[0]): (int(r[1]), r[2]) for r in c.fetchall()}

    def snapshot_heads(self) -> tuple[int, dict[str, tuple[int, str]]]:
        """The highest notification id and every chain head, read in one transaction: the
        heads are exactly those of the events up to that id (a checkpoint's position must
        cover what its root does, and nothing else)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {self.events_table_name}")
            position = int(c.fetchone()[0])
            return position, self._heads(c)

    # -- checkpoints -----------------------------------------------------------------------

    def insert_checkpoint(self, record: CheckpointRecord, leaves: Sequence[Head]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {self.checkpoints_table} (seq, created_at, position, aggregates, "
                "root, prev_hash, hash, jws) VALUES (?,?,?,?,?,?,?,?)",
                # SQLite keeps the time as ISO 8601 text.
                (record.seq, record.created_at.isoformat(), *record.columns()[2:]),
            )
            c.executemany(
                f"INSERT INTO {self.leaves_table} VALUES (?,?,?,?)",
                [(record.seq, self._db_id(oid), version, h) for oid, version, h in leaves],
            )

    def select_checkpoints(
        self, latest_only: bool = False, from_seq: int = 0
    ) -> list[CheckpointRecord]:
        """The checkpoint log in order (from `from_seq` on), or only its latest entry."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT seq, created_at, position, aggregates, root, prev_hash, hash, jws "
                f"FROM {self.checkpoints_table} WHERE seq >= ? ORDER BY seq "
                + ("DESC LIMIT 1" if latest_only else "ASC"),
                (from_seq,),
            )
            return [
                CheckpointRecord(
                    int(r[0]),
                    datetime.fromisoformat(r[1]),
                    int(r[2]),
                    int(r[3]),
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                )
                for r in c.fetchall()
            ]

    def count_events_after(self, position: int) -> int:
        """Events recorded after the notification id `position` (none anchored yet)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT COUNT(*) FROM {self.events_table_name} WHERE rowid > ?",
                (position,),
            )
            return int(c.fetchone()[0])

    def scan_events_upto(self, position: int) -> Iterator[ScannedEvent]:
        """Every event with notification id <= `position`, by aggregate and version: the
        log as it stood when a checkpoint at `position` was written."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} WHERE rowid <= ? "
                "ORDER BY originator_id, originator_version",
                (position,),
            )
            while batch := c.sqlite_cursor.fetchmany(SCAN_BATCH):
                for raw_id, version, topic, state in batch:
                    yield ScannedEvent(self._py_id(raw_id), int(version), topic, bytes(state))

    def checkpoint_leaves(self, seq: int) -> list[Head]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_id, originator_version, hash FROM {self.leaves_table} "
                "WHERE seq=?",
                (seq,),
            )
            return [(self._py_id(r[0]), int(r[1]), r[2]) for r in c.fetchall()]

    def latest_anchor(self, originator_id: UUID | str) -> tuple[int, int, str] | None:
        """(checkpoint seq, version, hash) of the newest checkpoint naming this aggregate."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT seq, originator_version, hash FROM {self.leaves_table} "
                "WHERE originator_id=? ORDER BY seq DESC LIMIT 1",
                (self._db_id(originator_id),),
            )
            row = c.fetchone()
            return None if row is None else (int(row[0]), int(row[1]), row[2])
