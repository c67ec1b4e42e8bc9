"""The ADR gateway in-process (with its worker and followers running), in-process or served
over real HTTP, and a programmable provider endpoint served over real HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from standardwebhooks.webhooks import Webhook

from libs.domain.referral import Referral
from libs.domain.values import Role
from services.adr_gateway.app import create_app
from services.adr_gateway.bootstrap import GatewayService, bootstrap
from services.adr_gateway.settings import GatewaySettings
from services.adr_gateway.webhook_secrets import new_webhook_secret as new_secret
from tests.support.servers import serving


@dataclass
class RunningGateway:
    service: GatewayService
    client: httpx.AsyncClient
    keys: dict[Role, str]

    def headers(self, role: Role = Role.ADMIN) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    async def register(self, url: str, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": f"Provider {uuid4().hex[:6]}",
            "methods": ["mediation"],
            "adapter": "webhook",
            "adapter_settings": {"url": url},
            "webhook_secret": new_secret(),
            **overrides,
        }
        response = await self.client.post("/v1/providers", json=body, headers=self.headers())
        assert response.status_code == 201, response.text
        return {**response.json(), "webhook_secret": body["webhook_secret"]}

    def prepared_referral(self, provider_id: str, legal_entity: str | None = None) -> Referral:
        """A referral ready to deliver, as if the complaints service had referred it (a
        complaint of `legal_entity`; None: one whose entity is not known yet)."""
        referral = Referral.open(
            reference=str(uuid4()),
            complaint_id=str(uuid4()),
            eligibility={"eligible": True},
            referred_by="supervisor:test",
            referred_at=datetime.now(UTC),
            upstream_event_id="test",
            legal_entity=legal_entity,
        )
        body = b'{"bundle_version":1,"summary":{"description":"charged twice"}}'
        digest = hashlib.sha256(body).hexdigest()
        self.service.bundles.store(str(referral.id), body, digest)
        referral.prepare(
            provider_id=provider_id, selection={"how": "test"}, bundle={"sha256": digest}
        )
        self.service.application.save(referral)
        return referral

    def referral(self, referral: Referral) -> Referral:
        return self.service.application.referral(referral.id)


def gateway_settings(database_url: str, **overrides: Any) -> GatewaySettings:
    defaults: dict[str, Any] = {
        "database_url": database_url,
        "development": True,
        "delivery_schedule_seconds": [0.2, 0.2, 0.2],
        "delivery_jitter": 0.0,
        "delivery_timeout_seconds": 1.0,
        "worker_poll_seconds": 0.05,
    }
    return GatewaySettings(**{**defaults, **overrides})


@asynccontextmanager
async def running_gateway(settings: GatewaySettings) -> AsyncIterator[RunningGateway]:
    service = bootstrap(settings)
    app = create_app(service)
    keys = {
        role: service.keyring.issue(role=role, name=f"test-{role.value}")[1]
        for role in Role
        if role is not Role.PROVIDER  # a provider key names its provider
    }
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client,
    ):
        yield RunningGateway(service, client, keys)


@asynccontextmanager
async def served_gateway(settings: GatewaySettings) -> AsyncIterator[RunningGateway]:
    """The gateway served over real HTTP on a free loopback port (as `running_gateway`,
    but every request goes through a socket and uvicorn)."""
    service = bootstrap(settings)
    keys = {
        role: service.keyring.issue(role=role, name=f"test-{role.value}")[1]
        for role in Role
        if role is not Role.PROVIDER  # a provider key names its provider
    }
    with serving(create_app(service)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield RunningGateway(service, client, keys)


@dataclass
class Receiver:
    """A provider endpoint that answers from a script: each request takes the next answer
    (an HTTP status, or ('sleep', seconds)); after the script, 200."""

    secret: str = ""
    script: list[Any] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/cases")
        async def cases(request: Request) -> JSONResponse:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            try:
                Webhook(self.secret).verify(body, headers, json_parse=False)
                verified = True
            except Exception:
                verified = False
            with self.lock:
                answer = self.script.pop(0) if self.script else 200
                self.requests.append(
                    {"webhook_id": headers.get("webhook-id"), "verified": verified, "body": body}
                )
            if isinstance(answer, tuple):
                await asyncio.sleep(answer[1])
                answer = 200
            return JSONResponse({}, status_code=answer)

        return app

    @property
    def webhook_ids(self) -> list[str | None]:
        return [r["webhook_id"] for r in self.requests]


@contextmanager
def receiving(receiver: Receiver, port: int | None = None) -> Iterator[str]:
    with serving(receiver.app(), port=port) as url:
        yield f"{url}/cases"


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gateway.db'}"
