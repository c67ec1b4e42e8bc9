"""(b) The comparison: a plain CRUD service that stores a complaint as one row.

FastAPI + SQLAlchemy 2, a `def` endpoint (FastAPI's threadpool), served by one uvicorn
worker exactly as `redress serve` serves Redress; the SQLAlchemy pool is sized to the
threadpool. Run: `python -m bench.crud_app --database-url URL --port P`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, Literal
from uuid import uuid4

import anyio.to_thread
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import JSON, Column, Engine, MetaData, Table, Uuid, create_engine, event, insert
from sqlalchemy.dialects.postgresql import JSONB

from bench.payload import stored_complaint

DEFAULT_THREADS = 64  # Redress's default `worker_threads`
URL_VARIABLE, THREADS_VARIABLE = "CRUD_DATABASE_URL", "CRUD_THREADS"

metadata = MetaData()
complaints = Table(
    "complaints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("payload", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
)


Channel = Literal["email", "phone", "web", "chat", "letter", "in_person", "social_media", "other"]
Category = Literal[
    "product", "service", "billing", "refund", "professional_licensing", "website_policy", "other"
]


class Customer(BaseModel):
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=500)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=50)


class Money(BaseModel):
    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class NewComplaint(BaseModel):
    customer: Customer
    channel: Channel
    category: Category
    description: str = Field(min_length=1, max_length=20_000)
    amount_in_dispute: Money | None = None
    desired_remedy: str | None = Field(None, max_length=5_000)
    regime: str = "default"
    external_ref: str | None = Field(None, max_length=200)


def create_database_engine(database_url: str, pool_size: int) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            pool_size=pool_size,
            max_overflow=0,
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA journal_mode=WAL")

        return engine
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=30)


def create_app(database_url: str, threads: int = DEFAULT_THREADS) -> FastAPI:
    engine = create_database_engine(database_url, pool_size=threads)
    metadata.create_all(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="CRUD baseline", lifespan=lifespan)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/complaints", status_code=201)
    def create_complaint(body: NewComplaint) -> JSONResponse:
        complaint_id = uuid4()
        document = stored_complaint(body.model_dump(mode="json"), complaint_id)
        with engine.begin() as connection:
            connection.execute(insert(complaints).values(id=complaint_id, payload=document))
        return JSONResponse(document, status_code=201)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.workers <= 1:
        app = create_app(args.database_url, args.threads)
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
        return
    # As `redress serve --workers` runs: a process per worker, each with its own socket.
    from services.serving import Workers

    os.environ[URL_VARIABLE], os.environ[THREADS_VARIABLE] = args.database_url, str(args.threads)
    options = {"log_level": "info", "access_log": False}
    app = "bench.crud_app:app_from_environment"
    Workers(app, args.host, args.port, args.workers, options).run()


def app_from_environment() -> FastAPI:
    """Each worker's app, from what `main` put in the environment."""
    return create_app(os.environ[URL_VARIABLE], int(os.environ[THREADS_VARIABLE]))


if __name__ == "__main__":
    main()
