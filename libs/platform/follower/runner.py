"""The follower's loop: lead, read, apply, back off while the upstream is down."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import structlog
from prometheus_client import Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Table

from libs.platform.follower.leadership import Leadership
from libs.platform.follower.sinks import PositionMoved, SqlSink
from libs.platform.follower.sources import Page, Source

log = structlog.get_logger()


class Sink(Protocol):
    def position(self) -> int: ...

    def apply(self, page: Page) -> None: ...


@dataclass
class Backoff:
    """Exponential back-off with full jitter: spreads reconnecting followers apart."""

    initial: float = 0.5
    maximum: float = 30.0
    failures: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * (2**self.failures))
        self.failures += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0


@dataclass(frozen=True)
class FollowerStatus:
    name: str
    running: bool
    leader: bool
    position: int
    head: int
    last_error: str | None
    processed: int

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)

    def as_dict(self) -> dict[str, object]:
        return {
            "running": self.running,
            "leader": self.leader,
            "position": self.position,
            "head": self.head,
            "lag": self.lag,
            "last_error": self.last_error,
        }


class Follower:
    def __init__(
        self,
        name: str,
        source: Source,
        sink: Sink,
        leadership: Leadership,
        *,
        batch_size: int = 1000,
        wait_seconds: float = 5.0,
        leader_retry_seconds: float = 2.0,
        backoff: Backoff | None = None,
        after_apply: Callable[[Page], None] | None = None,
    ) -> None:
        self.name = name
        self.source = source
        self.sink = sink
        self.leadership = leadership
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.leader_retry_seconds = leader_retry_seconds
        self.backoff = backoff or Backoff()
        # Told after each committed page (e.g. to wake whoever acts on what it wrote).
        self.after_apply = after_apply
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._leader = False
        self._position = 0
        self._head = 0
        self._processed = 0
        self.last_error: str | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"follow-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        self.leadership.release()
        self._leader = False
        self.source.close()

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> FollowerStatus:
        return FollowerStatus(
            name=self.name,
            running=self.is_running,
            leader=self._leader,
            position=self._position,
            head=max(self._head, self._position),
            last_error=self.last_error,
            processed=self._processed,
        )

    # -- work -------------------------------------------------------------------------------

    def catch_up(self, until: int | None = None) -> int:
        """Applies every page up to the upstream's head (or `until`); returns how many
        positions it advanced. The next page is fetched while this one is applied."""
        start = position = self.sink.position()
        with ThreadPoolExecutor(1, thread_name_prefix=f"prefetch-{self.name}") as reader:
            upcoming: Future[Page] = reader.submit(self.source.read, position, self.batch_size, 0)
            while not self._stop.is_set():
                page = upcoming.result()
                self._head = page.head
                if page.is_empty or (until is not None and position >= until):
                    break
                upcoming = reader.submit(self.source.read, page.next_after, self.batch_size, 0)
                try:
                    self._apply(page)
                except PositionMoved:
                    upcoming.result()
                    position = self.sink.position()
                    upcoming = reader.submit(self.source.read, position, self.batch_size, 0)
                    continue
                position = page.next_after
                self._position = position
                self._processed += len(page.events)
            else:
                upcoming.cancel()
        self._position = position
        return position - start

    def _apply(self, page: Page) -> None:
        self.sink.apply(page)
        if self.after_apply is not None:
            self.after_apply(page)

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.leadership.acquire():
                self._leader = False
                self._stop.wait(self.leader_retry_seconds)
                continue
            self._leader = True
            try:
                self.catch_up()
                # Caught up: wait at the upstream for the next event (long poll).
                position = self.sink.position()
                self._position = position
                page = self.source.read(position, self.batch_size, self.wait_seconds)
                self._head = page.head
                if not page.is_empty:
                    self._apply(page)
                    self._position = page.next_after
                    self._processed += len(page.events)
                self.last_error = None
                self.backoff.reset()
            except PositionMoved:
                continue
            except Exception as error:  # keep following once the upstream is back
                self.last_error = f"{type(error).__name__}: {error}"[:500]
                delay = self.backoff.next_delay()
                log.warning(
                    "follower failed; backing off",
                    follower=self.name,
                    error=self.last_error,
                    retry_in=round(delay, 2),
                )
                self._stop.wait(delay)
        self.leadership.release()
        self._leader = False


def rebuild(
    follower: Follower, *tables: Table, progress: Callable[[int, int], None] | None = None
) -> int:
    """Empties `tables` (what the follower's SQL sink writes) and replays the upstream into
    them from its start; returns how many positions it replayed. Run with the follower
    stopped."""
    sink = follower.sink
    assert isinstance(sink, SqlSink)
    sink.reset(*tables)
    replayed = follower.catch_up()
    if progress is not None:
        progress(replayed, replayed)
    return replayed


class FollowerCollector(Collector):
    """Prometheus gauges for a service's followers: position, upstream head, lag, leader."""

    def __init__(self, followers: Iterable[Follower]) -> None:
        self._followers = list(followers)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauges = {
            "position": GaugeMetricFamily(
                "redress_follower_position", "Last upstream position applied", labels=["follower"]
            ),
            "head": GaugeMetricFamily(
                "redress_follower_upstream_head", "Upstream's last position", labels=["follower"]
            ),
            "lag": GaugeMetricFamily(
                "redress_follower_lag", "Upstream events not yet applied", labels=["follower"]
            ),
            "leader": GaugeMetricFamily(
                "redress_follower_leader", "1 while this process leads", labels=["follower"]
            ),
        }
        for follower in self._followers:
            status = follower.status()
            gauges["position"].add_metric([status.name], status.position)
            gauges["head"].add_metric([status.name], status.head)
            gauges["lag"].add_metric([status.name], status.lag)
            gauges["leader"].add_metric([status.name], 1 if status.leader else 0)
        yield from gauges.values()


class FollowersInFiles:
    """The follower gauges among several worker processes (`redress serve --workers`).

    A scrape reaches one worker, and only one worker of all leads a follower, so each
    worker copies its followers' status into prometheus_client's files every second and a
    scrape reports the largest value of the live workers: the leader's. Workers that do not
    lead report zeros, so their stale positions never show.
    """

    PERIOD_SECONDS = 1.0

    def __init__(self, followers: Iterable[Follower]) -> None:
        self._followers = list(followers)
        names = ("position", "upstream_head", "lag", "leader")
        self._gauges = {
            name: Gauge(
                f"redress_follower_{name}",
                f"Follower {name.replace('_', ' ')} (the leading worker's)",
                ["follower"],
                registry=None,
                multiprocess_mode="livemax",
            )
            for name in names
        }
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="follower-gauges", daemon=True)

    def start(self) -> None:
        if self._followers:
            self.publish()
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def publish(self) -> None:
        for follower in self._followers:
            status = follower.status()
            leads = status.leader
            values = {
                "position": status.position if leads else 0,
                "upstream_head": status.head if leads else 0,
                "lag": status.lag if leads else 0,
                "leader": 1 if leads else 0,
            }
            for name, value in values.items():
                self._gauges[name].labels(status.name).set(value)

    def _run(self) -> None:
        while not self._stop.wait(self.PERIOD_SECONDS):
            self.publish()
