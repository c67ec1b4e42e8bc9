"""The sandbox ADR provider: a real HTTP server that behaves like a provider.

It receives case referrals (Standard Webhooks, signature verified, duplicates by
`webhook-id` acknowledged and ignored), then plays a script — accept, schedule, settle or
decide, or decline — by calling the gateway's inbound webhook, signed with the same secret,
with delays in seconds. `GET /cases` shows what it received (for people and tests).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.adr_gateway.adapters.webhook import sign

log = structlog.get_logger()

SCRIPTS: dict[str, list[dict[str, Any]]] = {
    "decide": [
        {"type": "referral.accepted", "data": {"case_officer": "Sam Sandbox"}},
        {"type": "session.scheduled", "data": {"format": "video", "in_days": 14}},
        {
            "type": "decision.issued",
            "data": {
                "outcome": "upheld",
                "binding": True,
                "award": {"amount": "42.50", "currency": "GBP"},
                "summary": "The firm should refund the duplicate charge.",
            },
        },
    ],
    "settle": [
        {"type": "referral.accepted", "data": {"case_officer": "Sam Sandbox"}},
        {"type": "session.scheduled", "data": {"format": "phone", "in_days": 7}},
        {"type": "settlement.proposed", "data": {"terms": "Refund and a goodwill payment"}},
        {
            "type": "decision.issued",
            "data": {"outcome": "settled", "binding": False, "summary": "Settled by agreement."},
        },
    ],
    "decline": [{"type": "referral.declined", "data": {"reason": "outside our remit"}}],
    # An EU consumer ADR entity: it accepts the case with the complete file (its 90 days run
    # from then, Directive 2013/11/EU art. 8(e)) and asks the trader for its answer, then
    # decides. `file.complete` may also come on its own, after the acceptance.
    "eu-adr": [
        {
            "type": "referral.accepted",
            "data": {"case_officer": "Sam Sandbox", "file_complete": True},
        },
        {
            "type": "trader.notified",
            "data": {"request": "Please tell us whether you will take part, and your view."},
        },
        {
            "type": "decision.issued",
            "data": {"outcome": "not_upheld", "binding": False, "summary": "No error found."},
        },
    ],
}


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REDRESS_SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8009
    secret: str = Field(
        "whsec_c2FuZGJveC1kZXZlbG9wbWVudC1zZWNyZXQtMzJieXRlcyE=",
        description="The webhook secret shared with the gateway (development only)",
    )
    gateway_url: str = "http://127.0.0.1:8002"
    provider_id: str = "sandbox"
    script: str = Field("decide", description="decide | settle | decline | eu-adr, or a JSON list")
    step_seconds: float = Field(1.0, description="Delay before each scripted step")
    fail_first: int = Field(0, description="Answer 503 to this many deliveries first")
    respond_after_seconds: float = Field(0.0, description="Hold each delivery this long")
    migrate_on_start: bool = False  # nothing to migrate; accepted for the CLI
    database_url: str = "(no database)"  # the sandbox keeps what it received in memory


@dataclass
class Case:
    webhook_id: str
    referral_id: str
    received_at: str
    deliveries: int = 1
    played: list[dict[str, Any]] = field(default_factory=list)
    bundle_sha256: str | None = None
    correlation_id: str | None = None


@dataclass
class Sandbox:
    settings: SandboxSettings
    cases: dict[str, Case] = field(default_factory=dict)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def steps(self) -> list[dict[str, Any]]:
        script = self.settings.script.strip()
        if script in SCRIPTS:
            return SCRIPTS[script]
        steps = json.loads(script)
        assert isinstance(steps, list)
        return steps

    def play(self, case: Case) -> None:
        for index, step in enumerate(self.steps()):
            if self.stopping.wait(float(step.get("after", self.settings.step_seconds))):
                return
            data = dict(step.get("data") or {})
            if "in_days" in data:
                data["session_at"] = (
                    datetime.now(UTC) + timedelta(days=int(data.pop("in_days")))
                ).isoformat()
            self._send(case, index, step["type"], data)

    def _send(self, case: Case, index: int, kind: str, data: dict[str, Any]) -> None:
        body = orjson.dumps(
            {
                "type": kind,
                "referral_id": case.referral_id,
                "occurred_at": datetime.now(UTC).isoformat(),
                "data": data,
            }
        )
        webhook_id = f"sbx_{case.webhook_id}_{index}"
        url = f"{self.settings.gateway_url}/v1/providers/{self.settings.provider_id}/webhooks"
        for attempt in range(20):
            headers = {
                **sign(self.settings.secret, webhook_id, body),
                "content-type": "application/json",
            }
            outcome: int | str
            try:
                response = httpx.post(url, content=body, headers=headers, timeout=10)
                outcome = response.status_code
            except httpx.HTTPError as error:
                outcome = type(error).__name__
            case.played.append({"type": kind, "answer": outcome, "attempt": attempt + 1})
            if outcome == 200 or (isinstance(outcome, int) and 400 <= outcome < 500):
                return
            if self.stopping.wait(min(5.0, 0.5 * 2**attempt)):
                return


def create_app(sandbox: Sandbox | SandboxSettings | None = None) -> FastAPI:
    if not isinstance(sandbox, Sandbox):
        sandbox = Sandbox(sandbox or SandboxSettings())
    state = sandbox

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        state.stopping.set()  # scripts still playing stop at their next step

    app = FastAPI(title="Redress — sandbox ADR provider", version="1.0.0", lifespan=lifespan)
    app.state.sandbox = state

    @app.post("/cases", summary="Receive a case referral (Standard Webhooks)")
    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            Webhook(state.settings.secret).verify(body, headers, json_parse=False)
        except (WebhookVerificationError, ValueError, UnicodeDecodeError) as error:
            return JSONResponse({"error": f"signature: {error}"}, status_code=401)
        with state.lock:
            state.requests += 1
            if state.requests <= state.settings.fail_first:
                return JSONResponse({"error": "sandbox warming up"}, status_code=503)
            webhook_id = headers["webhook-id"]
            known = state.cases.get(webhook_id)
            if known is not None:
                known.deliveries += 1
                return JSONResponse({"status": "duplicate"})
            event = orjson.loads(body)
            case = Case(
                webhook_id=webhook_id,
                referral_id=str(event.get("subject")),
                received_at=datetime.now(UTC).isoformat(),
                bundle_sha256=(event.get("data") or {}).get("manifest", {}).get("head_hash"),
                correlation_id=headers.get("x-correlation-id"),
            )
            state.cases[webhook_id] = case
        if state.settings.respond_after_seconds:
            await asyncio.sleep(state.settings.respond_after_seconds)
        threading.Thread(target=state.play, args=(case,), daemon=True).start()
        return JSONResponse({"status": "received"})

    @app.get("/cases", summary="What the sandbox received and played")
    def cases() -> dict[str, Any]:
        return {
            "requests": state.requests,
            "cases": [vars(c) for c in state.cases.values()],
        }

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="Ready as soon as it answers (it keeps no database)")
    def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app
