"""Alembic environment for the complaints read models (run by `redress migrate`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from services.complaints.readmodel.tables import metadata

url = context.config.get_main_option("sqlalchemy.url")
assert url is not None
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
