"""SQLAlchemy engines for a service's read models, on SQLite or PostgreSQL, and bulk row writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    DateTime,
    Engine,
    Integer,
    Numeric,
    String,
    Table,
    create_engine,
    event,
)

from libs.platform.sql.pg_arrays import text_array
from libs.platform.sql.storage import DatabaseUrl


def create_read_model_engine(database_url: str, *, pool_size: int = 16) -> Engine:
    url = DatabaseUrl(database_url)
    if url.is_sqlite:
        engine = create_engine(
            url.sqlalchemy_url(), connect_args={"timeout": 30, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            # WAL lets readers proceed while the event store writes to the same file.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(
        url.sqlalchemy_url(),
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping (a round trip per checkout): after an outage the storage circuit
        # disposes of the pooled connections once the database answers again.
        pool_timeout=5,
        connect_args={"connect_timeout": 3},
    )
    # A batch of rows (a projection pass) as one multi-row INSERT, not a statement per
    # row: the psycopg dialect leaves this off, as psycopg pipelines executemany.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def upsert(engine: Engine) -> Any:
    """The dialect's INSERT … ON CONFLICT construct (SQLite and PostgreSQL both have it)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


_PG_ARRAY_TYPES: dict[type, str] = {
    String: "text[]",
    BigInteger: "bigint[]",
    Integer: "integer[]",
    Numeric: "numeric[]",
    Boolean: "boolean[]",
    JSON: "text[]",  # sent as text, cast per row
}


def _pg_array_type(column: Any) -> str:
    if isinstance(column.type, DateTime):
        return "timestamptz[]" if column.type.timezone else "timestamp[]"
    for kind, array in _PG_ARRAY_TYPES.items():
        if isinstance(column.type, kind):
            return array
    raise TypeError(f"no array type for column {column.name} ({column.type})")


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    *,
    on_conflict: str = "DO NOTHING",
    fallback: Any = None,
) -> None:
    """Inserts `rows` (only `columns`) as one statement, with `on_conflict` (PostgreSQL's
    ON CONFLICT clause, without the keywords) deciding what an existing row gets.

    On PostgreSQL the rows go as parallel arrays (`unnest`): an executemany costs a
    statement, and its parameter processing, per row. Elsewhere `fallback` (by default an
    INSERT that skips conflicts) is executed for the rows: SQLite's executemany is a loop
    in C already.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        statement = fallback
        if statement is None:
            statement = upsert(connection.engine)(table).on_conflict_do_nothing()
        connection.execute(statement, list(rows))
        return
    names = ", ".join(columns)
    arrays = ", ".join(f"%s::{_pg_array_type(table.c[name])}" for name in columns)
    selected = ", ".join(
        f"{name}::json" if isinstance(table.c[name].type, JSON) else name for name in columns
    )
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({names}) SELECT {selected} "
        f"FROM unnest({arrays}) AS given({names}) ON CONFLICT {on_conflict}",
        tuple(
            text_array(_as_parameter(table, name, row[name]) for row in rows) for name in columns
        ),
    )


def _as_parameter(table: Table, name: str, value: Any) -> Any:
    if value is not None and isinstance(table.c[name].type, JSON):
        return orjson.dumps(value).decode()
    return value
