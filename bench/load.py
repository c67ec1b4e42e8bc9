"""The HTTP load generator: N asyncio tasks, one keep-alive connection each.

Closed loop: every client sends its next request as soon as the previous one is answered.
Requests completing within the measured window (after a warm-up) count.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import orjson

from bench.http import Connection, HttpError, HttpxConnection, LeanConnection
from bench.measure import Sample
from bench.server import read_tree_cpu_seconds

CLIENT_KINDS = ("lean", "httpx")


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    method: str = "POST"


# (client index, sequence number within that client) -> the request to send
RequestFactory = Callable[[int, int], Request]


@dataclass(frozen=True)
class LoadSpec:
    base_url: str
    clients: int
    seconds: float
    warmup: float
    make_request: RequestFactory
    headers: dict[str, str]
    expected_status: int = 201
    collect_ids: bool = False
    client_kind: str = "lean"
    label: str = ""


@dataclass
class LoadResult:
    sample: Sample
    server_cpu_seconds: float
    wall_seconds: float
    created_ids: list[str]
    #: A helper process's CPU over the same run (Redress's projection process), if any.
    helper_cpu_seconds: float | None = None


async def _drive(spec: LoadSpec) -> tuple[Sample, list[str]]:
    sample = Sample(seconds=spec.seconds)
    created: list[str] = []
    headers = {"content-type": "application/json", **spec.headers}
    limits = httpx.Limits(max_connections=spec.clients, max_keepalive_connections=spec.clients)
    shared = httpx.AsyncClient(base_url=spec.base_url, headers=headers, limits=limits, timeout=60)
    url = urlsplit(spec.base_url)

    def connect() -> Connection:
        if spec.client_kind == "httpx":
            return HttpxConnection(shared)
        return LeanConnection(url.hostname or "127.0.0.1", url.port or 80, headers)

    began = time.perf_counter()
    start, end = began + spec.warmup, began + spec.warmup + spec.seconds

    async def worker(index: int) -> None:
        connection = connect()
        sequence = 0
        try:
            while (sent := time.perf_counter()) < end:
                request = spec.make_request(index, sequence)
                sequence += 1
                try:
                    status, body = await connection.request(
                        request.method, request.path, request.body
                    )
                except HttpError as error:
                    if time.perf_counter() >= start:
                        sample.record_error(str(error))
                    continue
                done = time.perf_counter()
                if status != spec.expected_status:
                    if done >= start:
                        sample.record_error(f"HTTP {status}: {body[:300].decode(errors='replace')}")
                    continue
                if spec.collect_ids:
                    created.append(orjson.loads(body)["id"])
                if start <= done <= end:
                    sample.latencies.append(done - sent)
        finally:
            await connection.close()

    async def ticker() -> None:
        while (now := time.perf_counter()) < end:
            await asyncio.sleep(1.0)
            phase = "warm-up" if now < start else f"{now - start:4.1f}s"
            sys.stdout.write(
                f"\r    {spec.label}: {phase} {sample.count:7d} ok {sample.errors:5d} errors"
            )
            sys.stdout.flush()

    tick = asyncio.create_task(ticker()) if sys.stdout.isatty() else None
    try:
        await asyncio.gather(*(worker(i) for i in range(spec.clients)))
    finally:
        await shared.aclose()
        if tick is not None:
            tick.cancel()
            sys.stdout.write("\r\033[K")
    return sample, created


def run_load(spec: LoadSpec, server_pid: int, helper_pid: int | None = None) -> LoadResult:
    cpu_client, cpu_server = time.process_time(), read_tree_cpu_seconds(server_pid)
    cpu_helper = read_tree_cpu_seconds(helper_pid) if helper_pid is not None else 0.0
    wall = time.perf_counter()
    sample, created = asyncio.run(_drive(spec))
    sample.client_cpu_seconds = time.process_time() - cpu_client
    server_cpu = read_tree_cpu_seconds(server_pid) - cpu_server
    helper_cpu = read_tree_cpu_seconds(helper_pid) - cpu_helper if helper_pid is not None else None
    return LoadResult(sample, server_cpu, time.perf_counter() - wall, created, helper_cpu)
