"""A database outage is a 503 with Retry-After, never a 500."""

from __future__ import annotations

import sqlite3

import psycopg
from eventsourcing.persistence import OperationalError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

from libs.platform.sql.outages import is_storage_unavailable


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


async def test_an_outage_is_answered_without_escaping_to_the_server() -> None:
    """Answered in the app, not re-raised to the server, which would then drop the
    connection and reset the client's next request on it."""
    import httpx
    from fastapi import FastAPI
    from sqlalchemy.exc import IntegrityError

    from libs.platform.http.problems import install_problem_handlers

    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/outage")
    def outage() -> None:
        raise OperationalError("couldn't get a connection after 1.00 sec")

    @app.get("/defect")
    def defect() -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    strict = httpx.ASGITransport(app=app)  # re-raises whatever escapes the app
    async with httpx.AsyncClient(transport=strict, base_url="http://app.test") as client:
        response = await client.get("/outage")
    assert response.status_code == 503
    assert response.headers["retry-after"]

    lenient = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=lenient, base_url="http://app.test") as client:
        assert (await client.get("/defect")).status_code == 500
