"""The hash-chain recorder on PostgreSQL: events and their hashes in one transaction, written
with pipelined inserts, and the queries verification needs (one aggregate's chain, a
streamed scan, the checkpoint log)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
)
from eventsourcing.utils import retry
from psycopg.pq import Escaping
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from libs.platform.eventstore.binary_reads import BinaryNotificationReads
from libs.platform.eventstore.integrity.chain_heads import KnownHeads
from libs.platform.eventstore.integrity.chain_writes import (
    SCAN_BATCH,
    CheckpointRecord,
    Head,
    ScannedAggregate,
    ScannedEvent,
    WritesChain,
    grouped_by_originator,
)
from libs.platform.eventstore.integrity.hashchain import (
    ChainLink,
    link_events,
    predecessors_needed,
)
from libs.platform.sql.pg_arrays import bytea_array, text_array


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


class HashChainPostgresRecorder(
    WritesChain, _PipelinedInsert, BinaryNotificationReads, PostgresApplicationRecorder
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
        self._name_chain_tables(events_table_name)
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
                "prev_hash text NOT NULL, hash text NOT NULL, jws text)",
                "CREATE TABLE IF NOT EXISTS {schema}.{leaves} ("
                "seq bigint NOT NULL, originator_id {id_type} NOT NULL, "
                "originator_version bigint NOT NULL, hash text NOT NULL, "
                "PRIMARY KEY (originator_id, seq))",
            )
        )

    def create_table(self) -> None:
        super().create_table()
        # Checkpoint logs made before checkpoints were signed gain the signature column;
        # their rows keep a NULL there (reported as unsigned, not invalid). Looked up
        # first: ALTER TABLE locks the table even when there is nothing to add.
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s AND column_name = 'jws'",
                (self.datastore.schema, self.checkpoints_table),
            )
            if curs.fetchone() is None:
                add = "ALTER TABLE {schema}.{checkpoints} ADD COLUMN IF NOT EXISTS jws text"
                curs.execute(self._sql(add))

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
        links = self._link_batch(curs, stored_events)
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
            yield from grouped_by_originator(iter(curs), str)

    def recorded_heads(self) -> dict[str, tuple[int, str]]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            return self._heads(curs)

    def _heads(self, curs: Any) -> dict[str, tuple[int, str]]:
        curs.execute(
            self._sql(
                "SELECT DISTINCT ON (originator_id) originator_id::text, "
                "originator_version, hash FROM {schema}.{hashes} "
                "ORDER BY originator_id, originator_version DESC"
            )
        )
        return {r[0]: (int(r[1]), r[2]) for r in curs.fetchall()}

    def snapshot_heads(self) -> tuple[int, dict[str, tuple[int, str]]]:
        """The highest notification id and every chain head, from one snapshot (REPEATABLE
        READ): the heads are exactly those of the events up to that id. Events and hashes
        commit together, and writers hold the table lock, so ids commit in order."""
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            curs.execute(
                self._sql("SELECT COALESCE(MAX(notification_id), 0) FROM {schema}.{events}")
            )
            row = curs.fetchone()
            return int(row[0]) if row else 0, self._heads(curs)

    # -- checkpoints -----------------------------------------------------------------------

    def insert_checkpoint(self, record: CheckpointRecord, leaves: Sequence[Head]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql(
                    "INSERT INTO {schema}.{checkpoints} (seq, created_at, position, "
                    "aggregates, root, prev_hash, hash, jws) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                ),
                record.columns(),
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

    def select_checkpoints(
        self, latest_only: bool = False, from_seq: int = 0
    ) -> list[CheckpointRecord]:
        """The checkpoint log in order (from `from_seq` on), or only its latest entry."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                self._sql(
                    "SELECT seq, created_at, position, aggregates, root, prev_hash, hash, jws "
                    "FROM {schema}.{checkpoints} WHERE seq >= %s ORDER BY seq "
                    + ("DESC LIMIT 1" if latest_only else "ASC")
                ),
                (from_seq,),
            )
            return [
                CheckpointRecord(
                    int(r[0]), r[1].astimezone(UTC), int(r[2]), int(r[3]), r[4], r[5], r[6], r[7]
                )
                for r in curs.fetchall()
            ]

    def count_events_after(self, position: int) -> int:
        """Events recorded after the notification id `position` (none anchored yet)."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(
                self._sql("SELECT COUNT(*) FROM {schema}.{events} WHERE notification_id > %s"),
                (position,),
            )
            row = curs.fetchone()
            return int(row[0]) if row else 0

    def scan_events_upto(self, position: int) -> Iterator[ScannedEvent]:
        """Every event with notification id <= `position`, by aggregate and version: the
        log as it stood when a checkpoint at `position` was written."""
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(name="redress_verify_upto", row_factory=tuple_row) as curs,
        ):
            curs.itersize = SCAN_BATCH
            curs.execute(
                self._sql(
                    "SELECT originator_id::text, originator_version, topic, state "
                    "FROM {schema}.{events} WHERE notification_id <= %s "
                    "ORDER BY originator_id, originator_version"
                ),
                (position,),
            )
            for oid, version, topic, state in curs:
                yield ScannedEvent(oid, int(version), topic, bytes(state))

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
