"""A database outage is a 503 with Retry-After, never a 500."""

from __future__ import annotations

import sqlite3

import psycopg
from eventsourcing.persistence import OperationalError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

from libs.platform.problems import is_storage_unavailable


def test_lost_connections_count_as_unavailable_storage() -> None:
    assert is_storage_unavailable(OperationalError("server closed the connection"))
    assert is_storage_unavailable(psycopg.OperationalError("connection refused"))
    assert is_storage_unavailable(
        SQLAlchemyOperationalError("SELECT 1", {}, psycopg.OperationalError("refused"))
    )
    assert is_storage_unavailable(sqlite3.OperationalError("database is locked"))


def test_a_wrapped_outage_is_recognised_through_its_cause() -> None:
    try:
        try:
            raise psycopg.OperationalError("terminating connection due to administrator command")
        except psycopg.OperationalError as outage:
            raise RuntimeError("could not save") from outage
    except RuntimeError as wrapped:
        assert is_storage_unavailable(wrapped)


def test_a_defect_is_not_an_outage() -> None:
    assert not is_storage_unavailable(KeyError("status"))
    assert not is_storage_unavailable(ValueError("bad"))
