"""Where each service keeps its events under `redress up`: a SQLite file under ./var, or a
database of its own on the local PostgreSQL (made on first use)."""

from __future__ import annotations

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def database_url(kind: str, service: str) -> str:
    """`kind` is `sqlite` or `postgres`."""
    if kind == "postgres":
        _ensure_postgres_database(f"redress_{service}")
        return f"{LOCAL_POSTGRES}/redress_{service}"
    return f"sqlite:///var/{service}.db"


def _ensure_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{LOCAL_POSTGRES}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
