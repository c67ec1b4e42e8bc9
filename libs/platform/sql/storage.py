"""One database URL per service, translated for the two libraries that use it.

`REDRESS_DATABASE_URL` is `sqlite:///var/complaints.db` style or
`postgresql://user[:password]@host[:port]/db`. The event store (`eventsourcing`) wants
environment variables; the read models (SQLAlchemy) want a driver-qualified URL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg


class UnsupportedDatabaseUrl(ValueError):
    pass


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def taking_turns(env: Mapping[str, str], name: str) -> Iterator[None]:
    """Runs the block while holding the PostgreSQL session advisory lock `name` in the
    database the event store's `env` names, so that processes doing the same thing on the
    same database take turns. Schema changes need it: `CREATE … IF NOT EXISTS` and alembic's
    first migration are not safe against themselves, and replicas starting together on a
    fresh database failed all but one. On SQLite, or if the lock cannot be had (the database
    is down), the block runs anyway and fails as it would have."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        yield
        return
    try:
        connection = psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env.get("POSTGRES_PASSWORD", ""),
            connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
            autocommit=True,
        )
    except (KeyError, psycopg.Error):
        yield
        return
    with connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (lock_key(name),))
        yield


@dataclass(frozen=True)
class DatabaseUrl:
    raw: str

    def __post_init__(self) -> None:
        if self.scheme not in ("sqlite", "postgresql", "postgres"):
            raise UnsupportedDatabaseUrl(
                f"unsupported database URL '{self.raw}': use sqlite:///path/to/file.db "
                "or postgresql://user@host:port/dbname"
            )
        if self.is_sqlite and not self.sqlite_path:
            raise UnsupportedDatabaseUrl(f"'{self.raw}' names no SQLite file")

    @property
    def scheme(self) -> str:
        return self.raw.split(":", 1)[0].split("+", 1)[0].lower()

    @property
    def is_sqlite(self) -> bool:
        return self.scheme == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return not self.is_sqlite

    @property
    def sqlite_path(self) -> str:
        return self.raw.split(":///", 1)[1] if ":///" in self.raw else ""

    def sqlalchemy_url(self) -> str:
        if self.is_sqlite:
            return f"sqlite:///{self.sqlite_path}"
        rest = self.raw.split("://", 1)[1]
        return f"postgresql+psycopg://{rest}"

    def eventsourcing_env(self, pool_size: int = 16) -> dict[str, str]:
        """Environment for `eventsourcing.application.Application(env=...)`."""
        if self.is_sqlite:
            Path(self.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        parts = urlsplit(self.raw)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": str(pool_size),
            # Also how long a request waits for a pooled connection: short, so an outage
            # becomes a 503 within seconds rather than a hang (the store retries 10 times).
            "POSTGRES_CONNECT_TIMEOUT": "1",
            "POSTGRES_LOCK_TIMEOUT": "10",
            # No pre-ping: it is a round trip on every checkout (every load, every save).
            # Connections broken by a database restart are found and replaced instead when
            # the storage circuit sees the database back (`discard_broken_connections`).
        }
