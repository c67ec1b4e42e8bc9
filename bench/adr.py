"""ADR gateway benchmarks: referral → provider latency, and case bundles built per second.

    python -m bench.adr                      # both, on SQLite in a temporary folder
    python -m bench.adr --postgres URL       # the latency run on PostgreSQL databases

`referral_latency` runs the complaints service, the gateway and a provider endpoint in this
process (uvicorn on loopback ports; the gateway follows the complaints feed over HTTP) and
times each referral from the command that records `ReferredToAdr` to the provider receiving
the bundle. Target: p95 < 1 s.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import orjson
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bench.server import free_port
from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext, Role


@contextmanager
def _serving(app: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _context() -> CommandContext:
    return CommandContext("supervisor:bench", "supervisor", "bench", datetime.now(UTC), None)


def _complaint(events: int) -> Complaint:
    context = _context()
    complaint = Complaint.receive(
        context,
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada Lovelace", "email": "ada@example.com"},
        channel="email",
        category="billing",
        description="I was charged twice for my March subscription.",
    )
    for index in range(events - 1):
        complaint.record_interaction(
            context,
            interaction_id=str(index),
            kind="message",
            direction="inbound" if index % 2 else "outbound",
            summary=f"Message {index} about the duplicate charge",
            body="Dear customer, " * 20,
        )
    return complaint


def _case_file(complaint: Complaint) -> dict[str, Any]:
    """A history export's shape for the bench complaint: every event with a chain hash."""
    from libs.platform.runtime.jsonable import jsonable

    events, previous = [], "0" * 64
    for event in complaint.collect_events():
        digest = hashlib.sha256(f"{previous}{event.originator_version}".encode()).hexdigest()
        events.append(
            {
                "version": event.originator_version,
                "type": type(event).__name__,
                "hash": digest,
                "prev_hash": previous,
                "data": jsonable({k: v for k, v in vars(event).items() if k != "originator_id"}),
            }
        )
        previous = digest
    return {"complaint_id": str(complaint.id), "events": events}


def bundles_per_second(events: int = 200, seconds: float = 3.0, pdf: bool = False) -> float:
    """Case bundles (JSON with the whole case file and the signed manifest; optionally also
    the PDF) built per second for a complaint of `events` events."""
    from libs.platform.signing.keys import SigningKeyStore
    from services.adr_gateway.bundles import build_bundle, bundle_pdf
    from services.complaints.api.representation import complaint_view

    complaint = _complaint(events)
    view = complaint_view(complaint)
    case_file = _case_file(complaint)
    with tempfile.TemporaryDirectory() as directory:
        key = SigningKeyStore(directory).load_or_create()
    built = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        build_bundle(
            referral={"id": "bench", "reference": "bench", "eligibility": {}},
            provider={"id": "bench", "name": "Bench"},
            complaint=view,
            case_file=case_file,
            checkpoint=None,
            firm_name="Bench",
            policy_documents=[],
            key=key,
            render_pdf=bundle_pdf if pdf else lambda _body, _key: b"",
        )
        built += 1
    return built / (time.perf_counter() - started)


def referral_latency(
    referrals: int = 200,
    database: str = "sqlite",
    folder: Path | None = None,
    postgres_url: str | None = None,
) -> dict[str, float]:
    """p50/p95/max seconds from the referral command to the provider receiving the case."""
    from libs.platform.http.auth import KeyRing
    from services.adr_gateway.app import create_app as gateway_app
    from services.adr_gateway.bootstrap import bootstrap as gateway_bootstrap
    from services.adr_gateway.settings import GatewaySettings
    from services.adr_gateway.webhook_secrets import new_webhook_secret as new_secret
    from services.complaints.app import create_app as complaints_app
    from services.complaints.bootstrap import bootstrap as complaints_bootstrap
    from services.complaints.settings import ComplaintsSettings

    folder = folder or Path(tempfile.mkdtemp(prefix="bench-adr-"))
    if database == "postgres":
        assert postgres_url, "give the PostgreSQL URLs' server"
        urls = {
            n: _postgres_database(postgres_url, f"bench_adr_{n}_{uuid4().hex[:6]}")
            for n in ("complaints", "gateway")
        }
    else:
        urls = {n: f"sqlite:///{folder / f'{n}.db'}" for n in ("complaints", "gateway")}

    received: dict[str, float] = {}
    provider = FastAPI()

    @provider.post("/cases")
    async def cases(request: Request) -> JSONResponse:
        event = orjson.loads(await request.body())
        received.setdefault(str(event["subject"]), time.perf_counter())
        return JSONResponse({})

    complaints = complaints_bootstrap(ComplaintsSettings(database_url=urls["complaints"]))
    _, complaints_key = KeyRing(complaints.application).issue(role=Role.SERVICE, name="bench")
    with _serving(complaints_app(complaints)) as complaints_url, _serving(provider) as provider_url:
        gateway = gateway_bootstrap(
            GatewaySettings(
                database_url=urls["gateway"],
                complaints_url=complaints_url,
                complaints_api_key=complaints_key,
                development=True,
                worker_poll_seconds=0.05,
            )
        )
        _, admin = gateway.keyring.issue(role=Role.ADMIN, name="bench")
        with _serving(gateway_app(gateway)) as gateway_url:
            registered = httpx.post(
                f"{gateway_url}/v1/providers",
                json={
                    "id": "bench",
                    "name": "Bench provider",
                    "methods": ["mediation"],
                    "adapter": "webhook",
                    "adapter_settings": {"url": f"{provider_url}/cases"},
                    "webhook_secret": new_secret(),
                },
                headers={"Authorization": f"Bearer {admin}"},
            )
            registered.raise_for_status()
            application = complaints.application
            sent: dict[str, float] = {}
            for _ in range(referrals):
                complaint = _complaint(3)
                application.save(complaint)
                reference = str(uuid4())
                sent[reference] = time.perf_counter()
                application.update(
                    complaint.id,
                    _context(),
                    lambda c, r=reference: c.refer_to_adr(
                        _context(),
                        referral_id=r,
                        eligibility={"eligible": True},
                        preferred_provider_id="bench",
                    ),
                )
                time.sleep(0.02)  # a steady trickle, not one burst
            deadline = time.monotonic() + 60
            while len(received) < referrals and time.monotonic() < deadline:
                time.sleep(0.05)
    latencies = sorted(received[r] - sent[r] for r in sent if r in received)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "referrals": referrals,
        "received": len(latencies),
        "p50_seconds": round(statistics.median(latencies), 4) if latencies else float("nan"),
        "p95_seconds": round(quantiles[94], 4) if latencies else float("nan"),
        "max_seconds": round(latencies[-1], 4) if latencies else float("nan"),
    }


def _postgres_database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referrals", type=int, default=200)
    parser.add_argument(
        "--postgres",
        default=None,
        help="server URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres)",
    )
    args = parser.parse_args()
    print(f"bundles/s (200-event complaint, JSON): {bundles_per_second():,.0f}")
    print(f"bundles/s (200-event complaint, JSON + PDF): {bundles_per_second(pdf=True):,.1f}")
    database = "postgres" if args.postgres else "sqlite"
    result = referral_latency(args.referrals, database, postgres_url=args.postgres)
    print(f"referral → provider ({database}): {result}")


if __name__ == "__main__":
    main()
