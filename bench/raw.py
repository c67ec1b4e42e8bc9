"""(a) The floor: single-row INSERT + COMMIT with the bare driver, one connection per thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from uuid import uuid4

import orjson
import psycopg

from bench.measure import Operation, Sample, run_threaded
from bench.payload import COMPLAINT, stored_complaint
from bench.stores import pg_conninfo, pg_dbname, sqlite_path

PG_TABLE = "CREATE TABLE IF NOT EXISTS complaints (id uuid PRIMARY KEY, payload jsonb NOT NULL)"
SQLITE_TABLE = "CREATE TABLE IF NOT EXISTS complaints (id TEXT PRIMARY KEY, payload TEXT NOT NULL)"


def prepare(url: str) -> None:
    """Creates the table (and, on SQLite, switches the file to WAL like the event store)."""
    if url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(url)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(SQLITE_TABLE)
        return
    with psycopg.connect(pg_conninfo(pg_dbname(url)), autocommit=True) as connection:
        connection.execute(PG_TABLE)


def _payload() -> str:
    return orjson.dumps(stored_complaint(COMPLAINT)).decode()


def _pg_worker(url: str) -> Callable[[int], tuple[Operation, Callable[[], None]]]:
    def setup(_: int) -> tuple[Operation, Callable[[], None]]:
        connection = psycopg.connect(pg_conninfo(pg_dbname(url)))
        payload = _payload()

        def insert() -> None:
            try:
                connection.execute(
                    "INSERT INTO complaints (id, payload) VALUES (%s, %s::jsonb)",
                    (uuid4(), payload),
                )
                connection.commit()
            except psycopg.Error:
                connection.rollback()
                raise

        return insert, connection.close

    return setup


def _sqlite_worker(url: str) -> Callable[[int], tuple[Operation, Callable[[], None]]]:
    def setup(_: int) -> tuple[Operation, Callable[[], None]]:
        # Same settings as the event store's SQLite recorder: WAL, default (FULL) sync,
        # explicit transactions, a generous busy timeout.
        connection = sqlite3.connect(
            sqlite_path(url), timeout=30, isolation_level=None, check_same_thread=False
        )
        payload = _payload()

        def insert() -> None:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute(
                    "INSERT INTO complaints (id, payload) VALUES (?, ?)", (str(uuid4()), payload)
                )
            except sqlite3.Error:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

        return insert, connection.close

    return setup


def measure(url: str, clients: int, seconds: float, warmup: float) -> Sample:
    setup = _sqlite_worker(url) if url.startswith("sqlite") else _pg_worker(url)
    return run_threaded(clients, seconds, warmup, setup)
