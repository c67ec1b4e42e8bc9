"""Fail fast while the database is away.

The event store retries a lost connection for several seconds before it gives up; that is
right for a blip, but during a real outage every request would wait that long. Once one
request has found the database unreachable, the circuit opens: later requests are answered
at once with 503 and `Retry-After`, while a background probe checks the database every
half second and closes the circuit as soon as it answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from libs.platform.http.problems import RETRY_AFTER_SECONDS, Problem, send_problem

log = structlog.get_logger()
PROBE_INTERVAL_SECONDS = 0.5


class StorageCircuit:
    def __init__(
        self, probe: Callable[[], object], on_recovery: Callable[[], object] = lambda: None
    ) -> None:
        self._probe = probe
        self._on_recovery = on_recovery
        self._open = threading.Event()
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    def trip(self) -> None:
        with self._lock:
            if self._open.is_set():
                return
            self._open.set()
        log.warning("database unreachable: answering 503 until it is back")
        threading.Thread(target=self._watch, name="storage-probe", daemon=True).start()

    def _watch(self) -> None:
        stopped = threading.Event()
        while not stopped.wait(PROBE_INTERVAL_SECONDS):
            try:
                self._probe()
                self._on_recovery()
            except Exception:
                continue
            self._open.clear()
            log.info("database reachable again")
            return


class FailFastWhileUnavailable:
    """ASGI middleware: 503 at once while the circuit is open (health endpoints excepted)."""

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(self, app: ASGIApp, circuit: StorageCircuit) -> None:
        self.app = app
        self.circuit = circuit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.circuit.is_open and scope["path"] not in self.EXEMPT:
            problem = Problem(
                503,
                "unavailable",
                "Service unavailable",
                "the database is not reachable right now; nothing was recorded — retry",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await send_problem(send, problem, scope.get("path"))
            return
        await self.app(scope, receive, send)
