"""Direct edits to the stored events, as someone with database access could make them.

The application never does this; the tamper tests do, to show that verification notices.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from typing import Any
from uuid import UUID

import psycopg

from libs.platform.sql.storage import DatabaseUrl


class StoredRows:
    """The complaints service's events table in SQLite (`stored_events`, ids as hex) or in
    PostgreSQL (`complaints_events`, ids as uuid)."""

    def __init__(self, database_url: str) -> None:
        self.url = DatabaseUrl(database_url)
        sqlite = self.url.is_sqlite
        self.events = "stored_events" if sqlite else "complaints_events"
        self.hashes = "stored_event_hashes" if sqlite else "complaints_event_hashes"
        self._mark = "?" if sqlite else "%s"

    def _id(self, complaint_id: UUID | str) -> Any:
        identity = UUID(str(complaint_id))
        return identity.hex if self.url.is_sqlite else identity

    def execute(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        sql = sql.replace("?", self._mark)
        if self.url.is_sqlite:
            with closing(sqlite3.connect(self.url.sqlite_path)) as connection, connection:
                return list(connection.execute(sql, params).fetchall())
        with psycopg.connect(self.url.raw, autocommit=True) as connection:
            cursor = connection.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []

    def state(self, complaint_id: UUID | str, version: int) -> tuple[str, bytes]:
        rows = self.execute(
            f"SELECT topic, state FROM {self.events} "
            "WHERE originator_id=? AND originator_version=?",
            self._id(complaint_id),
            version,
        )
        return rows[0][0], bytes(rows[0][1])

    def edit_payload(
        self, complaint_id: UUID | str, version: int, change: Callable[[dict[str, Any]], None]
    ) -> None:
        _, state = self.state(complaint_id, version)
        document = json.loads(state)
        change(document)
        self.write(complaint_id, version, None, json.dumps(document).encode())

    def write(
        self, complaint_id: UUID | str, version: int, topic: str | None, state: bytes
    ) -> None:
        if topic is None:
            topic = self.state(complaint_id, version)[0]
        self.execute(
            f"UPDATE {self.events} SET topic=?, state=? "
            "WHERE originator_id=? AND originator_version=?",
            topic,
            state,
            self._id(complaint_id),
            version,
        )

    def swap(self, complaint_id: UUID | str, first: int, second: int) -> None:
        a = self.state(complaint_id, first)
        b = self.state(complaint_id, second)
        self.write(complaint_id, first, *b)
        self.write(complaint_id, second, *a)

    def delete_event(self, complaint_id: UUID | str, version: int) -> None:
        self.execute(
            f"DELETE FROM {self.events} WHERE originator_id=? AND originator_version=?",
            self._id(complaint_id),
            version,
        )

    def delete_complaint(self, complaint_id: UUID | str, *, with_hashes: bool) -> None:
        self.execute(f"DELETE FROM {self.events} WHERE originator_id=?", self._id(complaint_id))
        if with_hashes:
            self.execute(f"DELETE FROM {self.hashes} WHERE originator_id=?", self._id(complaint_id))
