"""(c) Drives Redress itself: `redress serve complaints` in a subprocess, over real HTTP,
with the complaint list projected by `redress serve complaints-projection` beside it (as
`redress up` and deploy/ run it; `--projection in-process`: a thread of the API instead)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from bench.context import Context
from bench.load import Request, RequestFactory, run_load
from bench.payload import COMPLAINT_JSON, INTERACTION_JSON
from bench.report import Row
from bench.server import (
    BIN,
    REPO,
    Server,
    ServerFailed,
    child_env,
    free_port,
)

REDRESS = BIN / "redress"
SERVICE_APP = REPO / "services" / "complaints" / "app.py"
CREATE = Request("/v1/complaints", COMPLAINT_JSON)


def available() -> str | None:
    """None when the service and its CLI are installed, else why not."""
    if not SERVICE_APP.exists():
        return f"{SERVICE_APP} does not exist yet"
    if not REDRESS.exists():
        return f"{REDRESS} is not installed"
    probe = subprocess.run([REDRESS, "--help"], capture_output=True, text=True, cwd=REPO)
    if probe.returncode != 0:
        return f"`redress --help` failed: {probe.stderr.strip()[-300:]}"
    return None


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(REDRESS), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=180
    )
    if done.returncode != 0:
        raise ServerFailed(f"`redress {' '.join(args)}` failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _cycling(plan: list[list[Request]]) -> RequestFactory:
    return lambda client, seq: plan[client][seq % len(plan[client])]


def _interaction_requests(ids: list[str], clients: int) -> list[list[Request]]:
    """Each client cycles over its own share of the complaints created before."""
    shares = [ids[i::clients] for i in range(clients)]
    return [
        [Request(f"/v1/complaints/{cid}/interactions", INTERACTION_JSON) for cid in share]
        for share in shares
    ]


def _top_up(base: str, headers: dict[str, str], ids: list[str], wanted: int) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        while len(ids) < wanted:
            response = client.post("/v1/complaints", content=COMPLAINT_JSON)
            response.raise_for_status()
            ids.append(response.json()["id"])


def _smoke_test(base: str, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        created = client.post("/v1/complaints", content=COMPLAINT_JSON)
        if created.status_code != 201 or "id" not in created.json():
            raise ServerFailed(f"POST /v1/complaints → {created.status_code}: {created.text[:300]}")
        path = f"/v1/complaints/{created.json()['id']}/interactions"
        recorded = client.post(path, content=INTERACTION_JSON)
        if recorded.status_code != 201:
            raise ServerFailed(f"POST {path} → {recorded.status_code}: {recorded.text[:300]}")


def run(context: Context, store: str) -> None:
    url = context.databases.fresh(store, "app")
    # One API key drives all the load: the per-key rate limit would answer 429 instead.
    # Served as the CRUD baseline is served: without an access log line per request.
    separate = context.projection == "separate"
    env = child_env(
        REDRESS_DATABASE_URL=url,
        REDRESS_RATE_LIMIT_PER_SECOND="0",
        REDRESS_ACCESS_LOG="false",
        REDRESS_PROJECTION_IN_PROCESS="false" if separate else "true",
    )
    context.report.note(f"redress migrate complaints; keys create ({url})")
    _cli(env, "migrate", "complaints")
    key = _cli(env, "keys", "create", "--role", "crm", "--name", "bench").strip().splitlines()[-1]
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    port = free_port()
    log: Path = context.log_dir / f"redress-{store}.log"
    argv = [str(REDRESS), "serve", "complaints", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(context.workers)]
    server = Server("redress", argv, env, log)
    base = f"http://127.0.0.1:{port}"
    server.start(f"{base}/healthz")
    projection = _start_projection(context, env) if separate else None
    # Its CPU is measured with the server's: the table shows Redress's whole cost.
    helper_pid = projection.pid if projection is not None else None
    try:
        _smoke_test(base, headers)
        for clients in context.clients:
            context.report.step(f"(c) Redress POST /v1/complaints  {store}  {clients} clients")
            spec = context.load(
                base,
                clients,
                lambda _client, _seq: CREATE,
                headers,
                label="redress create",
                collect_ids=True,
            )
            created = run_load(spec, server.pid, helper_pid)
            context.report.add(Row.of_load("redress-create", store, clients, created))
            ids = created.created_ids
            _top_up(base, headers, ids, clients)
            plan = _interaction_requests(ids, clients)
            context.report.step(
                f"(c) Redress POST …/interactions  {store}  {clients} clients"
                f"  (over {len(ids):,} complaints)"
            )
            spec = context.load(
                base, clients, _cycling(plan), headers, label="redress interactions"
            )
            recorded = run_load(spec, server.pid, helper_pid)
            context.report.add(Row.of_load("redress-interaction", store, clients, recorded))
    except Exception:
        context.report.note(f"server log ({log}):\n{server.tail()}")
        raise
    finally:
        server.stop()
        if projection is not None:
            projection.stop()


def _start_projection(context: Context, env: dict[str, str]) -> Server:
    """`redress serve complaints-projection` beside the API, as `redress up` runs it."""
    port = free_port()
    argv = [str(REDRESS), "serve", "complaints-projection", "--port", str(port)]
    projection = Server("projection", argv, env, context.log_dir / "redress-projection.log")
    projection.start(f"http://127.0.0.1:{port}/healthz")
    return projection
