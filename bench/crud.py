"""(b) Drives the plain CRUD service (bench/crud_app.py) over HTTP."""

from __future__ import annotations

import sys

from bench.context import Context
from bench.load import Request, run_load
from bench.payload import COMPLAINT_JSON
from bench.report import Row
from bench.server import Server, child_env, free_port

CREATE = Request("/complaints", COMPLAINT_JSON)


def run(context: Context, store: str) -> None:
    url = context.databases.fresh(store, "crud")
    port = free_port()
    argv = [sys.executable, "-m", "bench.crud_app", "--database-url", url, "--port", str(port)]
    argv += ["--workers", str(context.workers)]
    server = Server("crud", argv, child_env(), context.log_dir / f"crud-{store}.log")
    base = f"http://127.0.0.1:{port}"
    server.start(f"{base}/healthz")
    try:
        for clients in context.clients:
            context.report.step(f"(b) CRUD POST /complaints  {store}  {clients} clients")
            spec = context.load(base, clients, lambda _client, _seq: CREATE, {}, label="crud")
            context.report.add(Row.of_load("crud", store, clients, run_load(spec, server.pid)))
    finally:
        server.stop()
