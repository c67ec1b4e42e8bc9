"""Which failures mean the database is away, rather than that the code is wrong.

A lost or refused connection, a pool that cannot hand one out, SQLite's lock timeout: the
request or step that met one should be retried later. The HTTP layer answers them with a
503 and `Retry-After` (`http/problems.py`); anything else is a defect.
"""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg_pool
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolExhausted


def storage_error_types() -> tuple[type[BaseException], ...]:
    """The exception types a lost or refused database connection can surface as."""
    return (
        StoreOperationalError,
        StoreInterfaceError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
        psycopg_pool.PoolTimeout,
        PoolExhausted,
        sqlite3.OperationalError,
        ConnectionError,
        DBAPIError,
    )


def is_storage_unavailable(error: BaseException) -> bool:
    """A lost or refused database connection (or a pool that cannot hand one out): the
    client should retry later, not be told the server is broken."""
    unavailable = tuple(kind for kind in storage_error_types() if kind is not DBAPIError)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, unavailable):
            return True
        if isinstance(current, DBAPIError) and (
            current.connection_invalidated
            or isinstance(current.orig, (psycopg.OperationalError, sqlite3.OperationalError))
        ):
            return True
        current = current.__cause__ or current.__context__
    return False
