"""What an export costs: the history PDF and JSON of a 1,000-event complaint, and the
referral bundle PDF of a 20-event complaint (issue 18, Build 6).

Targets: the history PDF of 1,000 events in under 2 s; the bundle PDF of 20 events in under
20 ms of CPU. Each figure comes with a baseline measured in the same run, and the ratio:

- (a) `GET …/history/export?format=pdf` and (c) `…?format=json` of the 1,000-event
  complaint, over HTTP, against reading the same events (`GET …/history?limit=1000`);
- (b) `services.adr_gateway.bundles.bundle_pdf` of a real bundle, against parsing and
  re-serialising the same bundle JSON.

The complaints are made through the API (the complaints service, the ADR gateway and a
stand-in provider on loopback ports, in this process), and the exports are asked for through
their public entry points, so this measures whichever renderer is on main.

    python -m bench.exports [--quick] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from bench.adr import _postgres_database, _serving
from libs.domain.values import Role
from libs.platform.signing.keys import SigningKeyStore

LONG_EVENTS = 1_000
BUNDLE_EVENTS = 20
PDF_TARGET_SECONDS = 2.0
BUNDLE_PDF_TARGET_CPU_MS = 20.0
#: Every LONG_LETTER_EVERY-th interaction is a letter at the body's maximum (20,000
#: characters); the others are e-mails of about 500.
LONG_LETTER_EVERY = 100
EMAIL = (
    "Dear Ms Lovelace, thank you for your message about the two charges of 42.50 on your "
    "March statement. We have asked our payments team to trace both transactions and will "
    "write again as soon as they reply. In the meantime the second charge is marked as "
    "disputed, so no interest accrues on it. If you have a bank statement showing both "
    "debits, please send it to us; it will help the payments team match the transactions "
    "with the card network's records. We are sorry for the worry this has caused. "
)


@dataclass
class Sample:
    wall: list[float]
    cpu: list[float]

    def row(self, name: str, **extra: Any) -> dict[str, Any]:
        return {
            "benchmark": name,
            "median_wall_ms": round(statistics.median(self.wall) * 1000, 2),
            "median_cpu_ms": round(statistics.median(self.cpu) * 1000, 2),
            "runs": len(self.wall),
            **extra,
        }


def _timed(action: Callable[[], Any], repeats: int, cpu: Callable[[], float]) -> Sample:
    """`cpu` is `time.process_time` where the work runs on the server's threads, and
    `time.thread_time` where it runs on this one."""
    action()  # warm up: templates, fonts, caches
    sample = Sample([], [])
    for _ in range(repeats):
        wall, used = time.perf_counter(), cpu()
        action()
        sample.cpu.append(cpu() - used)
        sample.wall.append(time.perf_counter() - wall)
    return sample


def _ratio(measured_ms: float, baseline_ms: float) -> float:
    return round(measured_ms / max(baseline_ms, 0.01), 1)


def _body(index: int) -> str:
    if index % LONG_LETTER_EVERY == LONG_LETTER_EVERY - 1:
        return (f"Letter {index}. " + EMAIL * 41)[:20_000]
    return f"Message {index}. {EMAIL}"


def _complaint(client: httpx.Client, events: int) -> str:
    """A complaint of `events` events (one opening, the rest e-mails and letters)."""
    opened = client.post(
        "/v1/complaints",
        json={
            "customer": {"id": "C-1", "name": "Ada Lovelace", "email": "ada@example.com"},
            "channel": "email",
            "category": "billing",
            "description": "I was charged twice for my March subscription.",
            "amount_in_dispute": {"amount": "42.50", "currency": "GBP"},
            "regime": "default",
        },
    )
    opened.raise_for_status()
    complaint_id = str(opened.json()["id"])
    for index in range(events - 1):
        client.post(
            f"/v1/complaints/{complaint_id}/interactions",
            json={
                "kind": "message",
                "direction": "inbound" if index % 2 else "outbound",
                "summary": f"E-mail {index} about the duplicate charge",
                "body": _body(index),
            },
        ).raise_for_status()
    return complaint_id


def _referred(client: httpx.Client, events: int) -> str:
    """A complaint resolved, answered and referred to ADR: `events` events or close."""
    complaint_id = _complaint(client, events - 3)
    for path, body in (
        ("resolution", {"outcome": "not_upheld", "summary": "A pre-authorisation, released."}),
        (
            "final-response",
            {
                "letter": "Dear Ada, we do not uphold your complaint. You may refer it to "
                "an independent ADR provider.",
                "elements": {"decision": "not_upheld", "adr_rights_stated": True},
            },
        ),
        ("adr-referral", {"preferred_method": "mediation", "preferred_provider_id": "bench"}),
    ):
        client.post(f"/v1/complaints/{complaint_id}/{path}", json=body).raise_for_status()
    return complaint_id


@contextmanager
def _services(urls: dict[str, str]) -> Iterator[dict[str, Any]]:
    from services.adr_gateway.app import create_app as gateway_app
    from services.adr_gateway.bootstrap import bootstrap as gateway_bootstrap
    from services.adr_gateway.settings import GatewaySettings
    from services.complaints.app import create_app as complaints_app
    from services.complaints.bootstrap import bootstrap as complaints_bootstrap
    from services.complaints.settings import ComplaintsSettings

    provider = FastAPI()

    @provider.post("/cases")
    async def cases() -> JSONResponse:
        return JSONResponse({})

    complaints = complaints_bootstrap(
        ComplaintsSettings(database_url=urls["complaints"], scheduler_enabled=False)
    )
    keys = {
        role: complaints.keyring.issue(role=role, name=f"bench-{role.value}")[1]
        for role in (Role.SUPERVISOR, Role.AUDITOR, Role.SERVICE)
    }
    with _serving(complaints_app(complaints)) as complaints_url, _serving(provider) as provider:
        gateway = gateway_bootstrap(
            GatewaySettings(
                database_url=urls["gateway"],
                complaints_url=complaints_url,
                complaints_api_key=keys[Role.SERVICE],
                development=True,
                worker_poll_seconds=0.05,
            )
        )
        _, admin = gateway.keyring.issue(role=Role.ADMIN, name="bench")
        with _serving(gateway_app(gateway)) as gateway_url:
            httpx.post(
                f"{gateway_url}/v1/providers",
                json={
                    "id": "bench",
                    "name": "Bench provider",
                    "methods": ["mediation"],
                    "adapter": "webhook",
                    "adapter_settings": {"url": f"{provider}/cases"},
                    "webhook_secret": _webhook_secret(),
                },
                headers={"Authorization": f"Bearer {admin}"},
            ).raise_for_status()
            yield {
                "complaints": complaints_url,
                "gateway": gateway_url,
                "keys": keys,
                "gateway_admin": admin,
            }


def _webhook_secret() -> str:
    from services.adr_gateway.webhook_secrets import new_webhook_secret

    return new_webhook_secret()


def _client(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=600)


def _history_rows(running: dict[str, Any], quick: bool) -> list[dict[str, Any]]:
    keys = running["keys"]
    with _client(running["complaints"], keys[Role.SUPERVISOR]) as writer:
        complaint_id = _complaint(writer, LONG_EVENTS)
    base = f"/v1/complaints/{complaint_id}/history"
    with _client(running["complaints"], keys[Role.AUDITOR]) as auditor:

        def fetch(path: str, **params: Any) -> Callable[[], bytes]:
            def get() -> bytes:
                response = auditor.get(path, params=params)
                response.raise_for_status()
                return response.content

            return get

        head = auditor.get(base, params={"limit": 1}).json()["head_version"]
        read = _timed(fetch(base, limit=LONG_EVENTS), 5 if quick else 20, time.process_time)
        pdf_bytes = fetch(f"{base}/export", format="pdf")()
        pdf = _timed(fetch(f"{base}/export", format="pdf"), 1 if quick else 3, time.process_time)
        exported = _timed(
            fetch(f"{base}/export", format="json"), 3 if quick else 10, time.process_time
        )
    baseline = read.row(f"baseline: read the {head:,} events (GET …/history?limit=1000)")
    pdf_row = pdf.row(
        f"(a) history PDF of {head:,} events (GET …/history/export?format=pdf)",
        bytes=len(pdf_bytes),
        target_wall_ms=PDF_TARGET_SECONDS * 1000,
    )
    pdf_row["meets_target"] = pdf_row["median_wall_ms"] < PDF_TARGET_SECONDS * 1000
    json_row = exported.row(f"(c) history JSON export of {head:,} events (?format=json)")
    for row in (pdf_row, json_row):
        row["x_baseline_wall"] = _ratio(row["median_wall_ms"], baseline["median_wall_ms"])
        row["x_baseline_cpu"] = _ratio(row["median_cpu_ms"], baseline["median_cpu_ms"])
    return [baseline, pdf_row, json_row]


def _bundle_rows(running: dict[str, Any], quick: bool) -> list[dict[str, Any]]:
    from services.adr_gateway.bundles import bundle_pdf

    keys = running["keys"]
    with _client(running["complaints"], keys[Role.SUPERVISOR]) as writer:
        complaint_id = _referred(writer, BUNDLE_EVENTS)
        head = writer.get(f"/v1/complaints/{complaint_id}/history", params={"limit": 1})
        events = head.json()["head_version"]
        referral_id = writer.get(f"/v1/complaints/{complaint_id}").json()["adr"]["referral_id"]
    body = _bundle_body(running, referral_id)
    # Signed, as the gateway renders it for delivery.
    key = SigningKeyStore().load_or_create()
    repeats = 10 if quick else 50
    parse = _timed(lambda: json.dumps(json.loads(body), indent=2), repeats, time.thread_time)
    pdf = _timed(lambda: bundle_pdf(body, key), repeats, time.thread_time)
    baseline = parse.row(f"baseline: parse and re-serialise the bundle JSON ({len(body):,} B)")
    row = pdf.row(
        f"(b) signed bundle PDF of a {events}-event complaint (bundles.bundle_pdf)",
        target_cpu_ms=BUNDLE_PDF_TARGET_CPU_MS,
    )
    row["meets_target"] = row["median_cpu_ms"] < BUNDLE_PDF_TARGET_CPU_MS
    row["x_baseline_cpu"] = _ratio(row["median_cpu_ms"], baseline["median_cpu_ms"])
    return [baseline, row]


def _bundle_body(running: dict[str, Any], referral_id: str) -> bytes:
    """The bundle as the gateway built it, once it has: the JSON body of …/bundle."""
    deadline = time.monotonic() + 120
    with _client(running["gateway"], running["gateway_admin"]) as gateway:
        while True:
            response = gateway.get(f"/v1/referrals/{referral_id}/bundle")
            if response.status_code == 200:
                return response.content
            if time.monotonic() > deadline:
                raise RuntimeError(f"no bundle for {referral_id}: {response.text}")
            time.sleep(0.1)


def run(quick: bool = False, postgres_url: str | None = None) -> list[dict[str, Any]]:
    # Warnings only: the services' info lines would bury the figures.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    folder = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    # A signing key of its own, if the renderer signs: never the deployment's.
    os.environ.setdefault("REDRESS_SIGNING_DIR", str(folder / "signing"))
    if postgres_url:
        urls = {
            n: _postgres_database(postgres_url, f"redress_bench_exports_{n}_{uuid4().hex[:6]}")
            for n in ("complaints", "gateway")
        }
    else:
        urls = {n: f"sqlite:///{folder / f'{n}.db'}" for n in ("complaints", "gateway")}
    try:
        with _services(urls) as running:
            return _history_rows(running, quick) + _bundle_rows(running, quick)
    finally:
        if postgres_url:
            _drop(postgres_url, urls.values())


def _drop(server_url: str, urls: Iterable[str]) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        for url in urls:
            name = url.rsplit("/", 1)[1]
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--postgres", default=None, help="server URL (default: SQLite)")
    args = parser.parse_args(argv)
    for row in run(args.quick, args.postgres):
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
