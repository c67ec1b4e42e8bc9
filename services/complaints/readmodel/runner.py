"""The complaint list's projection on a background thread: woken after each save, and
polling anyway (another process may be the one writing).

Under load a save lands every few milliseconds; catching up after each one would spend
more on the projection's fixed costs (position, transaction) than on the rows. After a pass
that found work the runner lets `settle_seconds` go by before the next, so the saves of that
interval share one pass. Readers that must see their own writes (the list) catch up
themselves, so the read model's lag behind the log stays invisible to them.
"""

from __future__ import annotations

from typing import Protocol

from libs.platform.runtime.loop import BackgroundLoop, Backoff

#: However long the database is away, a retry at least this often.
MAX_RETRY_SECONDS = 10.0


class CatchesUp(Protocol):
    def catch_up(self) -> int:
        """Projects what is new in the log; how many events it processed."""
        ...


class ProjectionRunner(BackgroundLoop):
    def __init__(
        self,
        projector: CatchesUp,
        poll_seconds: float = 0.5,
        settle_seconds: float = 0.1,
    ) -> None:
        self._projector = projector
        self._settle_seconds = settle_seconds
        super().__init__(
            "complaint-list",
            self._catch_up,
            interval=poll_seconds,
            # A failed pass is retried after twice the poll, then doubling, up to the most.
            backoff=Backoff(initial=2 * poll_seconds, maximum=MAX_RETRY_SECONDS, jitter=False),
            first_wait=None,
            join_timeout=5,
        )

    def _catch_up(self) -> None:
        if self._projector.catch_up():
            # Saves during the pause only wake the next pass, which then starts at once.
            self.pause(self._settle_seconds)
