"""Alembic environment for the ADR gateway's tables (run by `redress migrate`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from services.adr_gateway.tables import metadata

url = context.config.get_main_option("sqlalchemy.url")
assert url is not None
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
