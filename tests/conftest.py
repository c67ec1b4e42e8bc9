"""Fixtures: each service test runs against SQLite and against real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from libs.domain.values import Role
from services.complaints.app import create_app
from services.complaints.bootstrap import ComplaintsService, bootstrap
from services.complaints.settings import ComplaintsSettings
from tests.support.databases import fresh_postgres_database
from tests.support.generated_clients import generated_clients


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Callable[[str], ModuleType]]:
    """`generated(service)`: a client generated from that service's OpenAPI document."""
    yield from generated_clients(tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'complaints.db'}"
    return str(request.getfixturevalue("postgres_url"))


@dataclass
class RunningComplaints:
    service: ComplaintsService
    client: httpx.AsyncClient
    keys: dict[Role, str]

    def headers(self, role: Role = Role.AGENT, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}", **extra}


def build_complaints(database_url: str, **settings: Any) -> ComplaintsService:
    # The deadline scheduler runs on the wall clock; tests drive it with their own clock,
    # so alerts for other tests' complaints in the shared database never appear mid-test.
    return bootstrap(
        ComplaintsSettings(database_url=database_url, scheduler_enabled=False, **settings)
    )


@pytest.fixture
async def complaints(database_url: str) -> AsyncIterator[RunningComplaints]:
    """The complaints service in-process, with one API key per role."""
    service = build_complaints(database_url)
    app = create_app(service)
    keys = {
        role: service.keyring.issue(role=role, name=f"test-{role.value}")[1]
        for role in Role
        if role is not Role.PROVIDER  # a provider key names its provider
    }
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://complaints.test"
        ) as client,
    ):
        yield RunningComplaints(service, client, keys)
