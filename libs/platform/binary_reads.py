"""PostgreSQL reads of stored events in binary format.

The library fetches events as text, so a `bytea` state arrives hex-encoded, twice its
size, and is decoded in the client. A snapshot of a complaint with a thousand interactions
is ~370 KB: as text it took 2.6 ms to fetch, in binary 0.4 ms. Writes are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL


class BinaryReads:
    """Mixin for `PostgresAggregateRecorder` subclasses: `select_events` in binary."""

    datastore: Any
    select_events_statement: Any

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        statement = self.select_events_statement
        params: list[Any] = [originator_id]
        if gt is not None:
            params.append(gt)
            statement += SQL(" AND originator_version > %s")
        if lte is not None:
            params.append(lte)
            statement += SQL(" AND originator_version <= %s")
        statement += SQL(" ORDER BY originator_version " + ("DESC" if desc else "ASC"))
        if limit is not None:
            params.append(limit)
            statement += SQL(" LIMIT %s")
        with (
            self.datastore.get_connection() as connection,
            connection.cursor(binary=True, row_factory=tuple_row) as cursor,
        ):
            cursor.execute(statement, params)
            return [
                StoredEvent(
                    originator_id=row[0], originator_version=row[1], topic=row[2], state=row[3]
                )
                for row in cursor.fetchall()
            ]


class BinaryReadsAggregateRecorder(BinaryReads, PostgresAggregateRecorder):
    """The snapshots table's recorder."""
