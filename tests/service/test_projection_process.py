"""The complaint list kept by a process of its own (`redress serve complaints-projection`),
beside an API started with `REDRESS_PROJECTION_IN_PROCESS=false`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from libs.domain.values import Role
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
