"""Bulk reads and writes the projections rely on return exactly what was stored: rows
written as array literals, and the event log read in binary (PostgreSQL) or as tuples
(SQLite) (real databases)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    select,
)

from libs.platform.sql.database import create_read_model_engine, insert_rows
from tests.conftest import build_complaints

AWKWARD = ["", "NULL", 'a "quoted" {brace}, comma', "back\\slash\\", "it's", "é€𝄞", "%s $$"]


def awkward_rows() -> list[dict[str, Any]]:
    moment = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
    return [
        {
            "id": n,
            "label": text,
            "amount": Decimal("42.50") if n % 2 else None,
            "flag": bool(n % 2),
            "at": moment if n % 3 else None,
            "document": {"text": text, "n": [n, None]} if n % 2 == 0 else None,
        }
        for n, text in enumerate([*AWKWARD, None])
    ]


def test_rows_arrive_as_written_nulls_quotes_and_all(database_url: str) -> None:
    metadata = MetaData()
    name = f"bulk_{uuid4().hex[:8]}"
    table = Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("label", String, nullable=True),
        Column("amount", Numeric(12, 2), nullable=True),
        Column("flag", Boolean),
        Column("at", DateTime(timezone=True), nullable=True),
        Column("document", JSON, nullable=True),
    )
    engine = create_read_model_engine(database_url, pool_size=1)
    metadata.create_all(engine)
    rows = awkward_rows()
    try:
        with engine.begin() as connection:
            insert_rows(connection, table, [c.name for c in table.columns], rows)
            # A second write of the same rows conflicts on every key and changes nothing.
            insert_rows(connection, table, [c.name for c in table.columns], rows)
        with engine.connect() as connection:
            stored = [
                dict(row._mapping) for row in connection.execute(select(table).order_by(table.c.id))
            ]
    finally:
        metadata.drop_all(engine)
        engine.dispose()
    if database_url.startswith("sqlite"):
        # SQLite keeps no zone: SQLAlchemy reads its datetimes back naive.
        rows = [{**row, "at": row["at"] and row["at"].replace(tzinfo=None)} for row in rows]
    assert stored == rows


def test_the_log_read_in_binary_is_the_librarys_read(postgres_url: str) -> None:
    _same_reads_as_the_library(postgres_url, PostgresApplicationRecorder.select_notifications)


def test_the_log_read_as_tuples_is_the_librarys_read(tmp_path: Path) -> None:
    _same_reads_as_the_library(
        f"sqlite:///{tmp_path / 'complaints.db'}", SQLiteApplicationRecorder.select_notifications
    )


def _same_reads_as_the_library(database_url: str, library: Any) -> None:
    service = build_complaints(database_url)
    recorder = service.application.recorder
    originator = uuid4()
    states = [bytes(range(256)), b"{}", "é€𝄞".encode()]
    topics = ["a:Event", "b:Event", "a:Event"]
    recorder.insert_events([StoredEvent(originator, n + 1, topics[n], states[n]) for n in range(3)])
    first = min(
        n.id
        for n in recorder.select_notifications(start=None, limit=1_000_000)
        if n.originator_id == originator
    )
    try:
        for arguments in [
            {"start": first, "limit": 10},
            {"start": first, "limit": 2},
            {"start": first, "limit": 10, "inclusive_of_start": False},
            {"start": first, "limit": 10, "stop": first + 1},
            {"start": first, "limit": 10, "topics": ["a:Event"]},
            {"start": None, "limit": 5},
        ]:
            ours = recorder.select_notifications(**arguments)
            theirs = library(recorder, **arguments)
            assert ours == theirs, arguments
            assert all(type(n.state) is bytes for n in ours)
    finally:
        service.stop()
