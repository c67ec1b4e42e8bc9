"""Exports under a concurrency limit: at most N at once per API key, M in the whole service.

An export (the complaint history as JSON or PDF, the gateway's referral bundle) costs CPU
seconds where any other read costs milliseconds, and any reader may ask for one: a few keys
asking at once used to tie up the service (issue 18). So each export holds a slot while it
runs; a key already running `per_key` exports, or a service already running `total`, is
answered at once with 429, `Retry-After` and a problem document naming the limit, rather
than queued behind work it cannot see. Waiting in a queue would hold a connection and a
worker thread each; a refusal costs neither, and the client knows when to come back.

The total cap also keeps the worker threads (`REDRESS_WORKER_THREADS`) free for cheap
requests: exports render in the thread pool, never on the event loop, and can never take
more than `total` of its threads.

Another service's key (the ADR gateway exporting a case file for each referral it delivers)
is held only to the service-wide cap.

Slots live in the process, as rate limits do (`ratelimit.py`): with K workers a key may run
K times N exports on one host. `Retry-After` is an estimate: the recent mean export time less
how long the key's (or the service's) oldest running export has already run, at least 1 s.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request

from libs.domain.values import Role
from libs.platform.http.auth import Principal
from libs.platform.http.problems import Problem

DEFAULT_PER_KEY = 2
DEFAULT_TOTAL = 8
PER_KEY_SETTING = "REDRESS_EXPORT_CONCURRENCY_PER_KEY"
TOTAL_SETTING = "REDRESS_EXPORT_CONCURRENCY_TOTAL"
#: The estimate before any export has finished, and the bounds of every estimate.
FIRST_ESTIMATE_SECONDS = 2.0
MAX_RETRY_AFTER_SECONDS = 60
#: Weight of the newest export in the running mean of export times.
SMOOTHING = 0.2


@dataclass
class _Running:
    started: list[float] = field(default_factory=list)


class ExportsBusy(Exception):
    """No slot: the key (or the service) is already running as many exports as allowed."""

    def __init__(self, *, scope: str, limit: int, setting: str, retry_after: int) -> None:
        whom = "this API key is" if scope == "key" else "the service is"
        super().__init__(
            f"{whom} already running {limit} export(s) at once, the limit "
            f"({setting}={limit}); retry after {retry_after} s"
        )
        self.scope = scope
        self.limit = limit
        self.setting = setting
        self.retry_after = retry_after

    def problem(self) -> Problem:
        return Problem(
            429,
            "too-many-exports",
            "Too many exports at once",
            str(self),
            headers={"Retry-After": str(self.retry_after)},
            limit=self.limit,
            limit_scope=self.scope,
            setting=self.setting,
            retry_after=self.retry_after,
        )


class ExportSlots:
    """Counts the exports running per key and in total; thread-safe."""

    def __init__(
        self,
        per_key: int = DEFAULT_PER_KEY,
        total: int = DEFAULT_TOTAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_key < 1:
            raise ValueError("at least one export per key must be allowed")
        self.per_key = per_key
        self.total = total  # 0: no service-wide cap
        self._clock = clock
        self._lock = threading.Lock()
        self._by_key: dict[str, _Running] = {}
        self._all = _Running()
        self._mean_seconds = FIRST_ESTIMATE_SECONDS

    @classmethod
    def from_settings(cls, settings: Any) -> ExportSlots:
        return cls(
            per_key=getattr(settings, "export_concurrency_per_key", DEFAULT_PER_KEY),
            total=getattr(settings, "export_concurrency_total", DEFAULT_TOTAL),
        )

    def running(self, key: str | None = None) -> int:
        with self._lock:
            if key is None:
                return len(self._all.started)
            return len(self._by_key.get(key, _Running()).started)

    def acquire(self, key: str, *, per_key: bool = True) -> float:
        """Takes one of `key`'s slots and returns its token for `release`, or raises
        ExportsBusy at once. `per_key=False` (another service's key) counts only against
        the service-wide cap."""
        now = self._clock()
        with self._lock:
            mine = self._by_key.setdefault(key, _Running())
            if per_key and len(mine.started) >= self.per_key:
                raise ExportsBusy(
                    scope="key",
                    limit=self.per_key,
                    setting=PER_KEY_SETTING,
                    retry_after=self._retry_after(mine, now),
                )
            if self.total and len(self._all.started) >= self.total:
                raise ExportsBusy(
                    scope="service",
                    limit=self.total,
                    setting=TOTAL_SETTING,
                    retry_after=self._retry_after(self._all, now),
                )
            mine.started.append(now)
            self._all.started.append(now)
            return now

    def release(self, key: str, started: float) -> None:
        now = self._clock()
        with self._lock:
            mine = self._by_key[key]
            mine.started.remove(started)
            if not mine.started:
                del self._by_key[key]  # an idle key costs no memory
            self._all.started.remove(started)
            took = now - started
            self._mean_seconds += SMOOTHING * (took - self._mean_seconds)

    def _retry_after(self, running: _Running, now: float) -> int:
        oldest = min(running.started, default=now)
        left = self._mean_seconds - (now - oldest)
        return min(MAX_RETRY_AFTER_SECONDS, max(1, math.ceil(left)))


def _slots_of(request: Request) -> ExportSlots:
    slots: ExportSlots | None = getattr(request.app.state, "export_slots", None)
    if slots is None:  # an app not built by service_app: one set, made on first use
        slots = ExportSlots.from_settings(getattr(request.app.state, "settings", None))
        request.app.state.export_slots = slots
    return slots


def _is_a_service(reader: Any) -> bool:
    """Whether the reader is another Redress service (a `service` key): the ADR gateway
    exports a case file for every referral it delivers, from all its delivery workers at
    once, so its key is held only to the service-wide cap, not to a person's two."""
    principal = getattr(reader, "principal", reader)  # a history Viewer wraps its key
    return getattr(principal, "role", None) == Role.SERVICE


def export_slot(reader: Any) -> Any:
    """A FastAPI dependency (`Depends`) holding an export slot of the caller's key for the
    request; `reader` is the route's own authorisation dependency (its result has the
    `key_id` slots are counted against), so the key is checked (once) before a slot is
    counted. Add it to every route that renders an export."""

    async def dependency(request: Request, principal: Principal = reader) -> AsyncIterator[None]:
        slots = _slots_of(request)
        try:
            started = slots.acquire(principal.key_id, per_key=not _is_a_service(principal))
        except ExportsBusy as busy:
            raise busy.problem() from None
        try:
            yield
        finally:
            slots.release(principal.key_id, started)

    return Depends(dependency)
