"""Read-model migrations run as each service starts, so replicas starting together on a
fresh database migrate at the same moment; they take turns, and every one starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from services.adr_gateway.bootstrap import MIGRATIONS as GATEWAY_MIGRATIONS
from services.complaints.bootstrap import MIGRATIONS as COMPLAINTS_MIGRATIONS
from services.notifications.bootstrap import MIGRATIONS as NOTIFICATIONS_MIGRATIONS
from tests.support.databases import fresh_postgres_database

REPO = Path(__file__).resolve().parents[2]
MIGRATE = "import sys; from libs.platform.sql.migrations import upgrade; upgrade(*sys.argv[1:])"


def migrated_together(database_url: str, migrations: list[Path]) -> list[str]:
    """Runs each service's migrations in a process of its own, all at once (as replicas
    starting together do); returns the errors of those that failed."""
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, str(directory), database_url],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for directory in migrations
    ]
    failures = []
    for replica in replicas:
        _, errors = replica.communicate(timeout=120)
        if replica.returncode != 0:
            failures.append(next(line for line in reversed(errors.splitlines()) if "Error" in line))
    return failures


def test_replicas_migrating_a_fresh_database_together_all_succeed() -> None:
    """Each service has a database of its own; three replicas of it start at once."""
    for migrations in (COMPLAINTS_MIGRATIONS, GATEWAY_MIGRATIONS, NOTIFICATIONS_MIGRATIONS):
        with fresh_postgres_database("redress_migrate_race") as url:
            assert migrated_together(url, [migrations] * 3) == []
