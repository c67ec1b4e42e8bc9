"""SQLAlchemy engines for a service's read models, on SQLite or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

from libs.platform.storage import DatabaseUrl


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
