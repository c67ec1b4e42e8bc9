"""Application recorders that write the hash chain in the same transaction as the events.

Selected with the library's `APPLICATION_RECORDER_TOPIC` (see `eventstore.event_store_env`).
Every aggregate's events are chained (complaints and API keys alike), so the rule is simple:
a row in the events table without its hash row was not written by the application.

Three tables sit beside the events table:
- `<prefix>_event_hashes`: one row per event (originator_id, originator_version, hash,
  prev_hash), written with the event;
- `<prefix>_event_checkpoints`: the checkpoint log, each entry a Merkle root over every
  chain head, chained to the entry before it;
- `<prefix>_event_checkpoint_leaves`: the heads each checkpoint committed to.

The recorders also answer the queries that verification needs: one aggregate's recorded
chain, a streamed scan of every event with its recorded hash, and the checkpoint log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresProcessRecorder,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteProcessRecorder,
)
from eventsourcing.utils import retry
from psycopg.pq import Escaping
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from libs.platform.binary_reads import BinaryNotificationReads
from libs.platform.chain_heads import KnownHeads
from libs.platform.hashchain import (
    GENESIS,
    ChainLink,
    event_hash,
    link_events,
    predecessors_needed,
)
from libs.platform.pg_arrays import bytea_array, text_array
from libs.platform.sqlite_reads import TupleNotificationReads

SCAN_BATCH = 5000


class ScannedEvent(NamedTuple):
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class ScannedAggregate:
    """One aggregate's stored events with the hashes recorded for them."""

    originator_id: str
    events: list[ScannedEvent]
    recorded: dict[int, tuple[str, str]]


@dataclass(frozen=True)
class CheckpointRecord:
    seq: int
    created_at: datetime
    position: int
    aggregates: int
    root: str
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "created_at": self.created_at.isoformat(),
            "position": self.position,
            "aggregates": self.aggregates,
            "root": self.root,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


Head = tuple[str, int, str]
"""(originator_id, version, hash)."""


def _table_prefix(events_table_name: str) -> str:
    return events_table_name.removesuffix("_events")


def _backfill(
    originator_id: str,
    stored: Sequence[StoredEvent | ScannedEvent],
    recorded: dict[int, tuple[str, str]],
) -> list[ChainLink]:
    """Hashes events that predate the chain, so a new event has a predecessor to link to.

    They are attested from the moment they are backfilled, not from when they were written:
    the chain can only vouch for what it saw.
    """
    links: list[ChainLink] = []
    prev = GENESIS
    for event in stored:
        version = event.originator_version
        if version in recorded:
            prev = recorded[version][0]
            continue
        digest = event_hash(originator_id, version, event.topic, event.state, prev)
        links.append(ChainLink(originator_id, version, digest, prev))
        prev = digest
    return links


def _links_for(
    stored_events: Sequence[StoredEvent],
    known: KnownHeads,
    recorded_hashes: Callable[[set[tuple[str, int]]], dict[tuple[str, int], str]],
    aggregate_rows: Callable[
        [str], tuple[Sequence[StoredEvent | ScannedEvent], dict[int, tuple[str, str]]]
    ],
) -> list[ChainLink]:
    needed = predecessors_needed(stored_events)
    previous = known.lookup(needed) if needed else {}
    unknown = needed - previous.keys()
    if unknown:
        previous.update(recorded_hashes(unknown))
    backfilled: list[ChainLink] = []
    for originator_id in sorted({oid for oid, version in needed if (oid, version) not in previous}):
        events, recorded = aggregate_rows(originator_id)
        links = _backfill(originator_id, events, recorded)
        backfilled.extend(links)
        previous.update({(oid, v): h for oid, v, h in _as_heads(recorded, originator_id)})
        previous.update({(originator_id, link.originator_version): link.hash for link in links})
    return backfilled + link_events(stored_events, previous)


def _as_heads(recorded: dict[int, tuple[str, str]], originator_id: str) -> list[Head]:
    return [(originator_id, version, pair[0]) for version, pair in recorded.items()]


def _group(
    rows: Iterator[tuple[Any, ...]], to_id: Callable[[Any], str]
) -> Iterator[ScannedAggregate]:
    """Groups (id, version, topic, state, hash, prev_hash) rows, ordered by id and version."""
    current: Any = None
    originator_id = ""
    events: list[ScannedEvent] = []
    recorded: dict[int, tuple[str, str]] = {}
    for raw_id, version, topic, state, digest, prev in rows:
        if raw_id != current:
            if current is not None:
                yield ScannedAggregate(originator_id, events, recorded)
            current, originator_id, events, recorded = raw_id, to_id(raw_id), [], {}
        events.append(ScannedEvent(originator_id, version, topic, bytes(state)))
        if digest is not None:
            recorded[version] = (digest, prev)
    if current is not None:
        yield ScannedAggregate(originator_id, events, recorded)


class _RemembersHeads:
    """Publishes a batch's links to `known_heads` once its transaction has committed."""

    known_heads: KnownHeads

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        self.known_heads.discard()
        try:
            ids = super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        except BaseException:
            self.known_heads.discard()
            raise
        self.known_heads.publish()
        return ids


class _PipelinedInsert:
    """PostgreSQL inserts in one round trip: lock, tracking and hashes, events, commit.

    The library syncs the pipeline after the events (to raise a conflict early) and then
    commits: two round trips with the events table locked. Here the whole transaction goes
    to the server at once; a conflict aborts it and is raised as the library raises it. The
    lock comes first, so writers queue on it before holding any row and cannot deadlock on
    each other's rows.

    The usual write (no upstream position to track, every predecessor's hash known) is one
    simple-protocol query of several statements, which PostgreSQL runs as one transaction:
    it costs about half the client CPU of psycopg's pipeline mode, and the client's CPU is
    what the table lock waits on (measured in docs/benchmarks.md). Anything else takes the
    pipeline, where the hash chain may need to read predecessors mid-transaction.
    """

    datastore: PostgresDatastore

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        if not stored_events:
            return super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        recorder: Any = self
        if kwargs.get("tracking") is None:
            links = _links_if_known(stored_events, recorder.known_heads)
            if links is not None:
                return self._insert_in_one_query(stored_events, links)
        with self.datastore.get_connection() as connection:
            with connection.pipeline(), connection.transaction():
                with connection.cursor() as cursor:
                    for statement in recorder.lock_statements:
                        cursor.execute(statement)
                    recorder._insert_events(cursor, stored_events, **kwargs)
                # Parallel arrays, sent in binary: no composite values to build and no
                # hex-escaping of the states.
                inserting = connection.cursor(row_factory=tuple_row)
                inserting.execute(
                    recorder.insert_events_sql, _event_columns(stored_events), binary=True
                )
            return [row[0] for row in inserting.fetchall()]

    def _insert_in_one_query(
        self, stored_events: Sequence[StoredEvent], links: list[ChainLink]
    ) -> list[int]:
        recorder: Any = self
        recorder.known_heads.stage(links)
        with self.datastore.get_connection() as connection:
            # A query without parameters goes by the simple protocol, which runs several
            # statements as one transaction (a failed one rolls back the lot and leaves the
            # connection idle: no BEGIN). Each column is one array literal, quoted by libpq.
            quote = Escaping(connection.pgconn).escape_literal
            *event_columns, states = _event_columns(stored_events)
            columns = (*_link_columns(links), *event_columns)
            literals = [quote(text_array(column).encode()) for column in columns]
            literals.append(quote(bytea_array(states)))
            cursor = connection.cursor(row_factory=tuple_row)
            cursor.execute(recorder.insert_all_sql % tuple(literals))
            while cursor.nextset():
                pass  # to the events' RETURNING, the last result
            return [row[0] for row in cursor.fetchall()]


def _event_columns(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    return (
        [event.originator_id for event in stored_events],
        [event.originator_version for event in stored_events],
        [event.topic for event in stored_events],
        [event.state for event in stored_events],
    )


def _link_columns(links: Sequence[ChainLink]) -> tuple[list[Any], ...]:
    return (
        [str(link.originator_id) for link in links],
        [link.originator_version for link in links],
        [link.hash for link in links],
        [link.prev_hash for link in links],
    )


def _links_if_known(
    stored_events: Sequence[StoredEvent], known: KnownHeads
) -> list[ChainLink] | None:
    """The batch's chain links, when every predecessor's hash is known without a query."""
    needed = predecessors_needed(stored_events)
    previous = known.lookup(needed) if needed else {}
    if len(previous) < len(needed):
        return None
    return link_events(stored_events, previous)


# -- SQLite ---------------------------------------------------------------------------------


class HashChainSQLiteRecorder(_RemembersHeads, TupleNotificationReads, SQLiteApplicationRecorder):
    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events", **kwargs: Any
    ):
        prefix = _table_prefix(events_table_name)
        self.hashes_table = f"{prefix}_event_hashes"
        self.checkpoints_table = f"{prefix}_event_checkpoints"
        self.leaves_table = f"{prefix}_event_checkpoint_leaves"
        self.known_heads = KnownHeads()
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
            "hash TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.leaves_table} ("
            "seq INTEGER NOT NULL, originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, hash TEXT NOT NULL, "
            "PRIMARY KEY (originator_id, seq)) WITHOUT ROWID",
        ]

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
        links = _links_for(
            stored_events,
            self.known_heads,
            lambda needed: self._recorded_hashes(c, needed),
            lambda oid: self._aggregate_rows(c, oid),
        )
        self.known_heads.stage(links)
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

            yield from _group(rows(), self._py_id)

    def recorded_heads(self) -> dict[str, tuple[int, str]]:
        with self.datastore.transaction(commit=False) as c:
            # SQLite takes the bare `hash` column from the row holding the maximum.
            c.execute(
                "SELECT originator_id, MAX(originator_version), hash "
                f"FROM {self.hashes_table} GROUP BY originator_id"
            )
            return {self._py_id(r[0]): (int(r[1]), r[2]) for r in c.fetchall()}

    # -- checkpoints -----------------------------------------------------------------------

    def insert_checkpoint(self, record: CheckpointRecord, leaves: Sequence[Head]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {self.checkpoints_table} VALUES (?,?,?,?,?,?,?)",
                (
                    record.seq,
                    record.created_at.isoformat(),
                    record.position,
                    record.aggregates,
                    record.root,
                    record.prev_hash,
                    record.hash,
                ),
            )
            c.executemany(
                f"INSERT INTO {self.leaves_table} VALUES (?,?,?,?)",
                [(record.seq, self._db_id(oid), version, h) for oid, version, h in leaves],
            )

    def select_checkpoints(self, latest_only: bool = False) -> list[CheckpointRecord]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT seq, created_at, position, aggregates, root, prev_hash, hash "
                f"FROM {self.checkpoints_table} ORDER BY seq "
                + ("DESC LIMIT 1" if latest_only else "ASC")
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
                )
                for r in c.fetchall()
            ]

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


# -- PostgreSQL -----------------------------------------------------------------------------


class HashChainPostgresRecorder(
    _RemembersHeads, _PipelinedInsert, BinaryNotificationReads, PostgresApplicationRecorder
):
    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        **kwargs: Any,
    ):
        if datastore.enable_db_functions:
            # The database-function insert path skips the recorder's hooks, so the chain
            # would silently stop: refuse rather than record events without hashes.
            raise ValueError(
                "the hash-chain recorder cannot be used with POSTGRES_ENABLE_DB_FUNCTIONS"
            )
        super().__init__(datastore, events_table_name=events_table_name, **kwargs)
        self.known_heads = KnownHeads()
        prefix = _table_prefix(events_table_name)
        self.hashes_table = f"{prefix}_event_hashes"
        self.checkpoints_table = f"{prefix}_event_checkpoints"
        self.leaves_table = f"{prefix}_event_checkpoint_leaves"
        for name in (self.hashes_table, self.checkpoints_table, self.leaves_table):
            self.check_identifier_length(name)
        schema = Identifier(datastore.schema)
        id_type = SQL(datastore.originator_id_type)
        self._names = {
            "schema": schema,
            "events": Identifier(events_table_name),
            "hashes": Identifier(self.hashes_table),
            "checkpoints": Identifier(self.checkpoints_table),
            "leaves": Identifier(self.leaves_table),
            "id_type": id_type,
        }
        # Rendered once: composing SQL objects on every write cost more than the rows.
        self.lock_statements = [s.as_bytes(None) for s in self.lock_table_statements]
        self.insert_hashes_sql = self._sql(
            "INSERT INTO {schema}.{hashes} (originator_id, originator_version, hash, "
            "prev_hash) SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], "
            "%s::text[])"
        ).as_bytes(None)
        self.insert_events_sql = self._sql(
            "INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING notification_id"
        ).as_bytes(None)
        # The usual write as one multi-statement query (see `_PipelinedInsert`).
        self.insert_all_sql = b"; ".join(
            [*self.lock_statements, self.insert_hashes_sql, self.insert_events_sql]
        )
        self.sql_create_statements.extend(
            self._sql(statement)
            for statement in (
                "CREATE TABLE IF NOT EXISTS {schema}.{hashes} ("
                "originator_id {id_type} NOT NULL, originator_version bigint NOT NULL, "
                "hash text NOT NULL, prev_hash text NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version))",
                "CREATE TABLE IF NOT EXISTS {schema}.{checkpoints} ("
                "seq bigint PRIMARY KEY, created_at timestamptz NOT NULL, "
                "position bigint NOT NULL, aggregates bigint NOT NULL, root text NOT NULL, "
                "prev_hash text NOT NULL, hash text NOT NULL)",
                "CREATE TABLE IF NOT EXISTS {schema}.{leaves} ("
                "seq bigint NOT NULL, originator_id {id_type} NOT NULL, "
                "originator_version bigint NOT NULL, hash text NOT NULL, "
                "PRIMARY KEY (originator_id, seq))",
            )
        )

    def _notify_channel(self, curs: Any) -> None:
        # The library NOTIFYs listeners of every insert; nothing here LISTENs (followers
        # poll), and NOTIFY takes a database-wide lock at commit that serialises writers.
        pass

    def _sql(self, template: str) -> Any:
        return SQL(template).format(**self._names)

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Runs in the events' transaction, with the events table locked (_PipelinedInsert):
        # the predecessors read here were committed before the writer loaded the aggregate
        # (or are in this batch), so they cannot change under us. The loser of a race for
        # the same rows gets an IntegrityError, as it would from the events table.
        super()._insert_events(curs, stored_events, **kwargs)
        if not stored_events:
            return
        links = _links_for(
            stored_events,
            self.known_heads,
            lambda needed: self._recorded_hashes(curs, needed),
            lambda oid: self._aggregate_rows(curs, oid),
        )
        self.known_heads.stage(links)
        curs.execute(self.insert_hashes_sql, _link_columns(links))

    def _recorded_hashes(
        self, curs: Any, needed: set[tuple[str, int]]
    ) -> dict[tuple[str, int], str]:
        pairs = sorted(needed)
        curs.execute(
            self._sql(
                "SELECT h.originator_id::text, h.originator_version, h.hash "
                "FROM {schema}.{hashes} h JOIN unnest(%s::{id_type}[], %s::bigint[]) "
                "AS n(originator_id, originator_version) "
                "ON h.originator_id = n.originator_id "
                "AND h.originator_version = n.originator_version"
            ),
            ([oid for oid, _ in pairs], [version for _, version in pairs]),
        )
        return {
            (row["originator_id"], row["originator_version"]): row["hash"]
            for row in curs.fetchall()
        }

    def _aggregate_rows(
        self, curs: Any, originator_id: str
    ) -> tuple[list[ScannedEvent], dict[int, tuple[str, str]]]:
        curs.execute(
            self._sql(
                "SELECT originator_version, topic, state FROM {schema}.{events} "
                "WHERE originator_id = %s ORDER BY originator_version"
            ),
            (originator_id,),
        )
        events = [
            ScannedEvent(originator_id, r["originator_version"], r["topic"], bytes(r["state"]))
            for r in curs.fetchall()
        ]
        curs.execute(
            self._sql(
                "SELECT originator_version, hash, prev_hash FROM {schema}.{hashes} "
                "WHERE originator_id = %s"
            ),
            (originator_id,),
        )
        return events, {
            r["originator_version"]: (r["hash"], r["prev_hash"]) for r in curs.fetchall()
        }

    # -- queries ---------------------------------------------------------------------------

    def select_chain(
        self, originator_id: UUID | str, *, gt: int = 0, lte: int | None = None
    ) -> dict[int, tuple[str, str]]:
        """The recorded hashes of one aggregate: {version: (hash, prev_hash)}."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                self._sql(
                    "SELECT originator_version, hash, prev_hash FROM {schema}.{hashes} "
                    "WHERE originator_id = %s AND originator_version > %s "
                    "AND originator_version <= %s"
                ),
                (str(originator_id), gt, lte if lte is not None else 2**62),
            )
            return {r[0]: (r[1], r[2]) for r in curs.fetchall()}

    def count_events(self) -> int:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._sql("SELECT COUNT(*) AS n FROM {schema}.{events}"))
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    def scan_chains(self) -> Iterator[ScannedAggregate]:
        """Every event with its recorded hash, aggregate by aggregate, through one
        server-side cursor (a merge join of the two primary keys, no sort)."""
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(name="redress_verify_scan", row_factory=tuple_row) as curs,
        ):
            curs.itersize = SCAN_BATCH
            curs.execute(
                self._sql(
                    "SELECT e.originator_id, e.originator_version, e.topic, e.state, h.hash, "
                    "h.prev_hash FROM {schema}.{events} e LEFT JOIN {schema}.{hashes} h "
                    "ON h.originator_id = e.originator_id "
                    "AND h.originator_version = e.originator_version "
                    "ORDER BY e.originator_id, e.originator_version"
                )
            )
            yield from _group(iter(curs), str)

    def recorded_heads(self) -> dict[str, tuple[int, str]]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                self._sql(
                    "SELECT DISTINCT ON (originator_id) originator_id::text, "
                    "originator_version, hash FROM {schema}.{hashes} "
                    "ORDER BY originator_id, originator_version DESC"
                )
            )
            return {r[0]: (int(r[1]), r[2]) for r in curs.fetchall()}

    # -- checkpoints -----------------------------------------------------------------------

    def insert_checkpoint(self, record: CheckpointRecord, leaves: Sequence[Head]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql("INSERT INTO {schema}.{checkpoints} VALUES (%s, %s, %s, %s, %s, %s, %s)"),
                (
                    record.seq,
                    record.created_at,
                    record.position,
                    record.aggregates,
                    record.root,
                    record.prev_hash,
                    record.hash,
                ),
            )
            curs.execute(
                self._sql(
                    "INSERT INTO {schema}.{leaves} SELECT %s, * FROM "
                    "unnest(%s::{id_type}[], %s::bigint[], %s::text[])"
                ),
                (
                    record.seq,
                    [oid for oid, _, _ in leaves],
                    [version for _, version, _ in leaves],
                    [h for _, _, h in leaves],
                ),
            )

    def select_checkpoints(self, latest_only: bool = False) -> list[CheckpointRecord]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                self._sql(
                    "SELECT seq, created_at, position, aggregates, root, prev_hash, hash "
                    "FROM {schema}.{checkpoints} ORDER BY seq "
                    + ("DESC LIMIT 1" if latest_only else "ASC")
                )
            )
            return [
                CheckpointRecord(
                    int(r[0]), r[1].astimezone(UTC), int(r[2]), int(r[3]), r[4], r[5], r[6]
                )
                for r in curs.fetchall()
            ]

    def checkpoint_leaves(self, seq: int) -> list[Head]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                self._sql(
                    "SELECT originator_id::text, originator_version, hash "
                    "FROM {schema}.{leaves} WHERE seq = %s"
                ),
                (seq,),
            )
            return [(r[0], int(r[1]), r[2]) for r in curs.fetchall()]

    def latest_anchor(self, originator_id: UUID | str) -> tuple[int, int, str] | None:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                self._sql(
                    "SELECT seq, originator_version, hash FROM {schema}.{leaves} "
                    "WHERE originator_id = %s ORDER BY seq DESC LIMIT 1"
                ),
                (str(originator_id),),
            )
            row = curs.fetchone()
            return None if row is None else (int(row[0]), int(row[1]), row[2])


# -- process recorders: the same chain for applications that also record tracking -----------


class HashChainSQLiteProcessRecorder(HashChainSQLiteRecorder, SQLiteProcessRecorder):
    """Events, their hashes and the upstream position, in one transaction (SQLite)."""


class HashChainPostgresProcessRecorder(HashChainPostgresRecorder, PostgresProcessRecorder):
    """Events, their hashes and the upstream position, in one transaction (PostgreSQL)."""


HashChainRecorder = HashChainSQLiteRecorder | HashChainPostgresRecorder


def _topic(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def chain_recorder_topics(is_sqlite: bool) -> dict[str, str]:
    """The library's environment variables that select the hash-chain recorders."""
    if is_sqlite:
        return {
            "APPLICATION_RECORDER_TOPIC": _topic(HashChainSQLiteRecorder),
            "PROCESS_RECORDER_TOPIC": _topic(HashChainSQLiteProcessRecorder),
        }
    return {
        "APPLICATION_RECORDER_TOPIC": _topic(HashChainPostgresRecorder),
        "PROCESS_RECORDER_TOPIC": _topic(HashChainPostgresProcessRecorder),
    }
