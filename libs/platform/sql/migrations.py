"""Runs a service's alembic migrations against its database, without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from libs.platform.sql.storage import DatabaseUrl, taking_turns


def upgrade(migrations_dir: Path, database_url: str) -> None:
    url = DatabaseUrl(database_url)
    if url.is_sqlite:
        Path(url.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.sqlalchemy_url().replace("%", "%%"))
    # Each service migrates as it starts: replicas starting together take turns.
    with taking_turns(url.eventsourcing_env(pool_size=1), "redress:migrations"):
        command.upgrade(config, "head")
