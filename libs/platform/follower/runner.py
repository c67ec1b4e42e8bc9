"""The follower's loop: lead, read, apply, back off while the upstream is down.

A `Follower` is a `BackgroundLoop` whose step takes the lead (or, while another process
holds it, asks to be run again after `leader_retry_seconds`), catches up with the upstream
and then waits at it for the next event (a long poll). A failing step is retried after the
follower's back-off, with the failure on show in `status()`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Table

from libs.platform.follower.leadership import Leadership
from libs.platform.follower.sinks import PositionMoved, SqlSink
from libs.platform.follower.sources import Page, Source
from libs.platform.runtime.loop import BackgroundLoop, Backoff


class Sink(Protocol):
    def position(self) -> int: ...

    def apply(self, page: Page) -> None: ...


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
        self._loop = BackgroundLoop(
            f"follow-{name}", self._follow, interval=0.0, backoff=self.backoff
        )
        self._leader = False
        self._position = 0
        self._head = 0
        self._processed = 0

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._loop.stop(timeout)
        self.leadership.release()
        self._leader = False
        self.source.close()

    @property
    def is_running(self) -> bool:
        return self._loop.is_running

    @property
    def last_error(self) -> str | None:
        return self._loop.last_error

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
            while not self._loop.stopping:
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

    def _follow(self) -> float:
        """One step of the loop; returns how long to wait before the next."""
        if not self.leadership.acquire():
            self._leader = False
            return self.leader_retry_seconds
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
        except PositionMoved:
            pass  # another process applied the page first: read on from where it left off
        return 0.0


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
