"""One follower per upstream, however many replicas run.

PostgreSQL: a session-level advisory lock, held by a connection kept open for as long as
this process leads; if the process dies, the server drops the connection and the lock with
it. SQLite (one machine): an exclusive `flock` on a file next to the database, released by
the kernel when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO, Protocol

import psycopg

from libs.platform.sql.storage import DatabaseUrl, lock_key


class Leadership(Protocol):
    name: str

    def acquire(self) -> bool:
        """Takes the lead if nobody holds it; True while this process holds it."""
        ...

    def release(self) -> None: ...


class PostgresLeadership:
    def __init__(self, database_url: str, name: str) -> None:
        self.name = name
        self._conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
        self._key = lock_key(name)
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            try:
                # Still connected means still holding the lock.
                self._connection.execute("SELECT 1")
                return True
            except psycopg.Error:
                self._drop()
        try:
            connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
        except psycopg.Error:
            return False
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        if row is not None and row[0]:
            self._connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
        self._connection = None


class FileLeadership:
    def __init__(self, path: Path, name: str) -> None:
        self.name = name
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def leadership_for(database_url: str, name: str) -> Leadership:
    """The lock that fits the service's database."""
    url = DatabaseUrl(database_url)
    if url.is_sqlite:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return FileLeadership(Path(f"{url.sqlite_path}.{safe}.lock"), name)
    return PostgresLeadership(url.raw, name)
