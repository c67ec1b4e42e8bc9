"""Throwaway databases: PostgreSQL databases on 127.0.0.1 and SQLite files in a temp dir."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
STORES = ("sqlite", "postgres")
ALIASES = {"pg": "postgres", "postgresql": "postgres", "sqlite3": "sqlite"}


def pg_conninfo(dbname: str) -> str:
    return f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={dbname} connect_timeout=5"


def pg_url(dbname: str) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


@dataclass
class Databases:
    """Hands out fresh databases named `redress_bench_<purpose>`; drops them when their
    measurement is done, and any left on close."""

    temp_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="redress-bench-")))
    _pg_created: set[str] = field(default_factory=set)

    def fresh(self, store: str, purpose: str) -> str:
        """A URL (sqlite:////… or postgresql://…) of an empty database."""
        if store == "sqlite":
            path = self.temp_dir / f"{purpose}.db"
            _remove_sqlite_files(str(path))
            return f"sqlite:///{path}"
        name = f"redress_bench_{purpose}"
        with psycopg.connect(pg_conninfo("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        self._pg_created.add(name)
        return pg_url(name)

    def discard(self, url: str) -> None:
        """Drops a database as soon as its measurement is done. One left behind keeps its
        dirty pages in PostgreSQL's shared buffers, and a later cell pays to write them
        out: the rebuild at the end of a full run measured 65k events a second with them
        and 102k to 112k without (docs/benchmarks.md, "What matters when measuring")."""
        if url.startswith("sqlite"):
            _remove_sqlite_files(sqlite_path(url))
            return
        name = pg_dbname(url)
        with psycopg.connect(pg_conninfo("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._pg_created.discard(name)

    def discard_all(self) -> None:
        for path in self.temp_dir.glob("*.db"):
            self.discard(f"sqlite:///{path}")
        for name in sorted(self._pg_created):
            self.discard(pg_url(name))

    def close(self) -> None:
        self.discard_all()
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _remove_sqlite_files(path: str) -> None:
    """The database file and its write-ahead log and shared-memory index."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sqlite_path(url: str) -> str:
    return url.split(":///", 1)[1]


def pg_dbname(url: str) -> str:
    return url.rsplit("/", 1)[1]


def postgres_version() -> str:
    try:
        with psycopg.connect(pg_conninfo("postgres")) as connection:
            row = connection.execute("SHOW server_version").fetchone()
    except psycopg.Error as error:
        return f"unreachable ({error})"
    return str(row[0]) if row else "?"
