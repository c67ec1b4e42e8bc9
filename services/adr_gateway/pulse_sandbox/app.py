"""The PULSE sandbox: a beckn provider platform (BPP) for online dispute resolution, as a
real HTTP server, for development and tests.

It answers `search` with a catalogue (one ODR provider offering mediation and arbitration),
`select`/`init`/`confirm` with `on_select`/`on_init`/`on_confirm` (the case registered), then
plays a script of unsolicited `on_status` calls that carries the dispute to an outcome; it
answers `status` with the current state and `cancel` with `on_cancel`. Every message it
receives or sends is checked against the same schema as the gateway's (invalid ones are
refused with a NACK, never sent), and `GET /messages` lists them all.

Calls to it (other than `search`) and its callbacks are signed per Standard Webhooks with
the development secret it shares with the gateway (the gateway's PULSE provider entry);
callbacks go to the `bap_uri` in the call's context, as beckn has it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.adr_gateway.adapters.pulse.mapping import OUTCOME_TAGS, tag_group
from services.adr_gateway.adapters.pulse.messages import (
    InvalidMessage,
    ack,
    nack,
    now,
    validate,
)
from services.adr_gateway.adapters.webhook import sign

CATALOG_PROVIDER = "ODR-SANDBOX"
SERVICES = {
    "MEDIATION-01": ("mediation-service", "Mediation"),
    "ARBITRATION-01": ("arbitration-service", "Arbitration"),
}
#: (state code, tags of the outcome group) per step, after `on_confirm`.
SCRIPTS: dict[str, list[tuple[str, dict[str, str]]]] = {
    "decide": [
        ("dispute-hearing-in-progress", {}),
        (
            "complaint-resolved",
            {
                "outcome": "upheld",
                "binding": "true",
                "award-amount": "42.50",
                "award-currency": "GBP",
                "summary": "The firm should refund the duplicate charge.",
            },
        ),
    ],
    "settle": [
        ("dispute-hearing-in-progress", {}),
        ("settlement-proposed", {"terms": "Refund and a goodwill payment"}),
        ("complaint-resolved", {"outcome": "settled", "binding": "false"}),
    ],
    "decline": [],  # on_confirm answers CANCELLED: the case is not taken
}
NAMES = {
    "arbitration-confirmed": "Dispute registered",
    "dispute-hearing-in-progress": "Hearing in progress",
    "settlement-proposed": "Settlement proposed",
    "complaint-resolved": "Complaint resolved",
    "dispute-cancelled": "Dispute cancelled",
}


class PulseSandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REDRESS_PULSE_SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8010
    secret: str = Field(
        "whsec_cHVsc2Utc2FuZGJveC1kZXZlbG9wbWVudC1zZWNyZXQh",
        description="The webhook secret shared with the gateway (development only)",
    )
    bpp_id: str = Field("pulse-sandbox.redress.invalid", description="Its beckn subscriber id")
    public_url: str | None = Field(
        None, description="Its base URL (its `bpp_uri`); default http://127.0.0.1:<port>"
    )
    script: str = Field("decide", description="decide | settle | decline")
    step_seconds: float = Field(1.0, description="Delay before each callback")
    migrate_on_start: bool = False  # nothing to migrate; accepted for the CLI
    database_url: str = "(no database)"  # it keeps what it received in memory

    def bpp_uri(self) -> str:
        return (self.public_url or f"http://127.0.0.1:{self.port}").rstrip("/")


@dataclass
class Dispute:
    transaction_id: str
    order_id: str
    bap_uri: str
    context: dict[str, Any]
    order: dict[str, Any]
    state: str = "arbitration-confirmed"
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class PulseSandbox:
    settings: PulseSandboxSettings
    disputes: dict[str, Dispute] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def log(self, direction: str, document: Any, **extra: Any) -> None:
        context = document.get("context", {}) if isinstance(document, dict) else {}
        with self.lock:
            self.messages.append(
                {
                    "direction": direction,
                    "action": context.get("action"),
                    "transaction_id": context.get("transaction_id"),
                    "message_id": context.get("message_id"),
                    "document": document,
                    **extra,
                }
            )

    # -- answering -------------------------------------------------------------------

    def callback_context(self, request: dict[str, Any], action: str) -> dict[str, Any]:
        return {
            **request,
            "action": action,
            "message_id": str(uuid.uuid4()),
            "timestamp": now(),
            "bpp_id": self.settings.bpp_id,
            "bpp_uri": self.settings.bpp_uri(),
        }

    def send(self, request_context: dict[str, Any], action: str, message: dict[str, Any]) -> None:
        """Sends one callback (checked first), retrying while the gateway is unreachable or
        answers 5xx."""
        document = {"context": self.callback_context(request_context, action), "message": message}
        validate(action, document)  # never send what the specification does not allow
        body = orjson.dumps(document)
        url = f"{str(request_context['bap_uri']).rstrip('/')}/{action}"
        for attempt in range(10):
            headers = {
                **sign(self.settings.secret, document["context"]["message_id"], body),
                "content-type": "application/json",
            }
            answer: int | str
            try:
                response = httpx.post(url, content=body, headers=headers, timeout=10)
                answer = response.status_code
            except httpx.HTTPError as error:
                answer = type(error).__name__
            self.log("sent", document, answer=answer, attempt=attempt + 1)
            if isinstance(answer, int) and answer < 500:
                return
            if self.stopping.wait(min(5.0, 0.5 * 2**attempt)):
                return

    def later(self, *steps: tuple[dict[str, Any], str, Any]) -> None:
        """Sends callbacks in order, on a thread of their own; a message is built when its
        turn comes (a callable), so it carries the dispute's state at that time."""

        def run() -> None:
            for context, action, message in steps:
                if self.stopping.wait(self.settings.step_seconds):
                    return
                with self.lock:  # one state change at a time
                    built = message() if callable(message) else message
                if built is None:  # the dispute ended meanwhile (cancelled): the script stops
                    return
                self.send(context, action, built)

        threading.Thread(target=run, daemon=True).start()

    def order_of(self, dispute: Dispute) -> dict[str, Any]:
        order: dict[str, Any] = {
            **dispute.order,
            "id": dispute.order_id,
            "status": {"dispute-cancelled": "CANCELLED", "complaint-resolved": "COMPLETE"}.get(
                dispute.state, "ACTIVE"
            ),
            "fulfillments": [
                {
                    "agent": {"person": {"id": "sbx-officer-1", "name": "Sam Sandbox"}},
                    "state": {
                        "descriptor": {"code": dispute.state, "name": NAMES.get(dispute.state)},
                        "updated_at": now(),
                    },
                }
            ],
        }
        if dispute.tags:
            order["tags"] = [*dispute.order.get("tags", []), tag_group(OUTCOME_TAGS, dispute.tags)]
        return order

    def advance(self, dispute: Dispute, state: str, tags: dict[str, str]) -> dict[str, Any] | None:
        if dispute.state == "dispute-cancelled" and state != "dispute-cancelled":
            return None
        dispute.state, dispute.tags = state, tags
        return {"order": self.order_of(dispute)}

    def handle(self, action: str, document: dict[str, Any]) -> None:
        context = document["context"]
        message = document["message"]
        transaction = context["transaction_id"]
        if action == "search":
            self.later((context, "on_search", {"catalog": catalog()}))
        elif action in ("select", "init"):
            order = {**message["order"]}
            if action == "select":
                order["quote"] = {"price": {"currency": "GBP", "value": "0"}}
            self.later((context, f"on_{action}", {"order": order}))
        elif action == "confirm":
            with self.lock:
                dispute = self.disputes.setdefault(
                    transaction,
                    Dispute(
                        transaction_id=transaction,
                        order_id=f"SBX-{transaction[:8]}",
                        bap_uri=context["bap_uri"],
                        context=context,
                        order={k: v for k, v in message["order"].items() if k != "docs"},
                    ),
                )
            if self.settings.script == "decline":
                self.later(
                    (
                        context,
                        "on_confirm",
                        {"order": {**self.order_of(dispute), "status": "CANCELLED"}},
                    )
                )
                return
            steps: list[tuple[dict[str, Any], str, Any]] = [
                (context, "on_confirm", {"order": self.order_of(dispute)})
            ]
            for state, tags in SCRIPTS.get(self.settings.script, SCRIPTS["decide"]):
                steps.append(
                    (
                        context,
                        "on_status",
                        lambda s=state, t=tags, d=dispute: self.advance(d, s, t),
                    )
                )
            self.later(*steps)
        elif action in ("status", "update", "cancel"):
            known = self.disputes.get(transaction)
            if known is None:
                return
            if action == "cancel":
                self.later(
                    (context, "on_cancel", lambda d=known: self.advance(d, "dispute-cancelled", {}))
                )
            else:
                self.later((context, f"on_{action}", lambda d=known: {"order": self.order_of(d)}))


def catalog() -> dict[str, Any]:
    return {
        "descriptor": {"name": "Redress PULSE sandbox"},
        "providers": [
            {
                "id": CATALOG_PROVIDER,
                "descriptor": {"name": "Sandbox Dispute Resolution", "short_desc": "For tests"},
                "items": [
                    {"id": item, "descriptor": {"code": code, "name": name}}
                    for item, (code, name) in SERVICES.items()
                ],
            }
        ],
    }


ACTIONS = ("search", "select", "init", "confirm", "status", "update", "cancel")


def create_app(sandbox: PulseSandbox | PulseSandboxSettings | None = None) -> FastAPI:
    if not isinstance(sandbox, PulseSandbox):
        sandbox = PulseSandbox(sandbox or PulseSandboxSettings())
    state = sandbox

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        state.stopping.set()

    app = FastAPI(title="Redress — PULSE sandbox (ODR BPP)", version="1.0.0", lifespan=lifespan)
    app.state.sandbox = state

    def make(action: str) -> Any:
        async def receive(request: Request) -> JSONResponse:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            if action != "search":  # search is broadcast before any secret is shared
                try:
                    Webhook(state.settings.secret).verify(body, headers, json_parse=False)
                except (WebhookVerificationError, ValueError, UnicodeDecodeError) as error:
                    return JSONResponse(nack("10001", f"signature: {error}"), status_code=401)
            try:
                document = orjson.loads(body)
                validate(action, document)
            except (orjson.JSONDecodeError, InvalidMessage) as error:
                state.log("refused", {"context": {"action": action}}, error=str(error))
                return JSONResponse(nack("30000", str(error)[:300]), status_code=400)
            state.log("received", document)
            state.handle(action, document)
            return JSONResponse(ack())

        receive.__name__ = f"receive_{action}"
        return receive

    for action in ACTIONS:
        app.post(f"/{action}", summary=f"PULSE `{action}`")(make(action))

    @app.get("/messages", summary="Every PULSE message received, refused and sent")
    def messages() -> dict[str, Any]:
        with state.lock:
            return {"messages": list(state.messages)}

    @app.get("/disputes", summary="The disputes it holds, and their state")
    def disputes() -> dict[str, Any]:
        return {
            "disputes": [
                {"transaction_id": d.transaction_id, "order_id": d.order_id, "state": d.state}
                for d in state.disputes.values()
            ]
        }

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="Ready as soon as it answers (it keeps no database)")
    def readyz() -> dict[str, str]:
        return {"status": "ready", "checked_at": datetime.now(UTC).isoformat()}

    return app
