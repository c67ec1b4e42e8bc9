"""Real databases for tests: a fresh PostgreSQL database per test session, SQLite files."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get("REDRESS_TEST_DATABASE_URL", DEFAULT_SERVER)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def fresh_postgres_database(prefix: str = "redress_test") -> Iterator[str]:
    """Creates a uniquely named database and drops it afterwards. Fails, never skips,
    when the server cannot be reached: the suite promises PostgreSQL coverage."""
    admin = server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise RuntimeError(
            f"PostgreSQL at {admin} is not reachable ({error}); start it or set "
            "REDRESS_TEST_DATABASE_URL"
        ) from error
    try:
        yield with_database(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
