"""The complaint list kept by a process of its own (`redress serve complaints-projection`),
beside an API started with `REDRESS_PROJECTION_IN_PROCESS=false`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext, Role
from services.complaints.app import create_app
from services.complaints.bootstrap import bootstrap
from services.complaints.projection_process import bootstrap_projection, create_projection_app
from services.complaints.readmodel.tables import complaint_list
from services.complaints.settings import ComplaintsSettings

NEW_COMPLAINT = {
    "customer": {"id": "C-1", "name": "Ada"},
    "channel": "web",
    "category": "billing",
    "description": "charged twice",
}


@asynccontextmanager
async def serving(app: FastAPI, host: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client,
    ):
        yield client


async def test_the_projection_process_keeps_the_list_while_the_api_only_writes(
    database_url: str,
) -> None:
    api_service = bootstrap(
        ComplaintsSettings(
            database_url=database_url, scheduler_enabled=False, projection_in_process=False
        )
    )
    projection = bootstrap_projection(
        ComplaintsSettings(
            database_url=database_url,
            projection_poll_seconds=0.05,
            projection_settle_seconds=0,
        )
    )
    key = api_service.keyring.issue(role=Role.CRM, name="crm")[1]
    async with AsyncExitStack() as stack:
        api = await stack.enter_async_context(serving(create_app(api_service), "api"))
        projector_http = await stack.enter_async_context(
            serving(create_projection_app(projection), "projection")
        )
        ready = (await api.get("/readyz")).json()
        assert ready["checks"]["projection"] == "separate"
        assert not api_service.projection_runner.is_running

        created = await api.post(
            "/v1/complaints", json=NEW_COMPLAINT, headers={"Authorization": f"Bearer {key}"}
        )
        assert created.status_code == 201, created.text
        complaint_id = created.json()["id"]

        # Without anyone listing (the list would catch up itself), the row appears.
        query = select(complaint_list.c.status).where(complaint_list.c.id == complaint_id)
        for _ in range(200):
            with api_service.read_engine.connect() as connection:
                if connection.execute(query).scalar() == "open":
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the projection process never projected the new complaint")

        status = await projector_http.get("/readyz")
        assert status.status_code == 200, status.text
        assert status.json()["checks"]["projection"] == "running"
        assert status.json()["checks"]["projection_lag"] == 0
        metrics = (await projector_http.get("/metrics")).text
        assert "redress_projection_lag_events 0.0" in metrics
        assert (await projector_http.get("/healthz")).json() == {"status": "ok"}


def test_the_projection_process_folds_its_cached_complaints_without_loading_them(
    database_url: str,
) -> None:
    """`REDRESS_PROJECTION_CACHE_SIZE`: the next event of a complaint the projection keeps
    is folded in memory; a complaint it let go is loaded from the store again."""
    projection = bootstrap_projection(
        ComplaintsSettings(database_url=database_url, projection_cache_size=3)
    )
    application = projection.application
    try:
        opened = [
            application.receive_complaint(
                _context(), present=lambda complaint: complaint.id, **_DETAILS
            )
            for _ in range(5)
        ]
        projection.projector.catch_up()

        loaded: list[UUID] = []
        load = application.complaint

        def counting_load(complaint_id: UUID, version: int | None = None) -> Any:
            loaded.append(complaint_id)
            return load(complaint_id, version=version)

        application.complaint = counting_load  # type: ignore[method-assign]
        for complaint_id in opened[2:]:  # the three most recent: kept
            application.update(complaint_id, _context(), decide=_a_note)
        projection.projector.catch_up()
        assert loaded == []

        for complaint_id in opened[:2]:  # the two let go
            application.update(complaint_id, _context(), decide=_a_note)
        projection.projector.catch_up()
        assert loaded == opened[:2]
        application.complaint = load  # type: ignore[method-assign]

        with projection.read_engine.connect() as connection:
            versions = (
                connection.execute(
                    select(complaint_list.c.version).where(
                        complaint_list.c.id.in_([str(cid) for cid in opened])
                    )
                )
                .scalars()
                .all()
            )
        assert sorted(versions) == [2] * 5
    finally:
        projection.stop()


_DETAILS: dict[str, Any] = {
    "customer": {"id": "C-1", "name": "Ada"},
    "channel": "web",
    "category": "billing",
    "description": "charged twice",
}


def _context() -> CommandContext:
    return CommandContext(
        actor="agent",
        actor_role="agent",
        correlation_id=str(uuid4()),
        occurred_at=datetime.now(UTC),
    )


def _a_note(complaint: Complaint) -> None:
    complaint.record_interaction(
        _context(),
        interaction_id=str(uuid4()),
        kind="note",
        direction="internal",
        summary="called back",
    )
