"""Background loops: the one way a Redress process does work on its own thread.

Projections, the deadline scheduler, the notification dispatcher, the referral worker, the
checkpointer and the followers all do the same thing: run a step again and again on a daemon
thread, sooner when woken, and keep going when a step fails (the database or an upstream may
be away), with the last failure on show for `/readyz`. `BackgroundLoop` is that, once.

A step returns how long to wait before the next one (`None`: the loop's `interval`; `0`: at
once). A failing step is logged and retried after the back-off's next delay; the first step
that succeeds resets the back-off and clears `last_error`. `wake()` cuts any wait short;
`stop()` ends the loop and waits for the thread.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

import structlog

log = structlog.get_logger()

#: How much of a failure's text `last_error` keeps.
ERROR_TEXT_LIMIT = 500


@dataclass
class Backoff:
    """Exponential back-off with full jitter: spreads processes that retry together apart."""

    initial: float = 0.5
    maximum: float = 30.0
    failures: int = 0
    jitter: bool = True

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * (2**self.failures))
        self.failures += 1
        return random.uniform(ceiling / 2, ceiling) if self.jitter else ceiling

    def reset(self) -> None:
        self.failures = 0


def describe(error: BaseException) -> str:
    """A failure as `last_error` shows it: its type and message, bounded."""
    return f"{type(error).__name__}: {error}"[:ERROR_TEXT_LIMIT]


class BackgroundLoop:
    """Runs `step` on a daemon thread named `name` until stopped."""

    def __init__(
        self,
        name: str,
        step: Callable[[], float | None],
        *,
        interval: float,
        backoff: Backoff | None = None,
        first_wait: float | None = 0.0,
        join_timeout: float = 10.0,
    ) -> None:
        self.name = name
        self._step = step
        self.interval = interval
        # Without a back-off of its own a failed step is retried at the next interval.
        self.backoff = backoff
        self._first_wait = first_wait
        self._join_timeout = join_timeout
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self.is_running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def wake(self, *_: object) -> None:
        """Runs the next step now rather than at the end of the current wait."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self._join_timeout if timeout is None else timeout)

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def pause(self, seconds: float) -> bool:
        """Waits `seconds` unless the loop is stopped meanwhile (then True); for steps that
        must wait inside themselves. A wake does not cut it short."""
        return self._stop.wait(seconds)

    # -- the loop ---------------------------------------------------------------------------

    def _run(self) -> None:
        wait = self.interval if self._first_wait is None else self._first_wait
        while not self._stop.is_set():
            if wait > 0:
                self._wake.wait(wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                asked = self._step()
            except Exception as error:  # the loop outlives any one failure
                self.last_error = describe(error)
                wait = self.backoff.next_delay() if self.backoff else self.interval
                log.warning(
                    "background step failed; will retry",
                    loop=self.name,
                    error=self.last_error,
                    retry_in=round(wait, 2),
                )
                # A wake cuts the back-off short: it means new work was saved, so the
                # database answers again, and /readyz should stop reporting the failure.
                continue
            self.last_error = None
            if self.backoff is not None:
                self.backoff.reset()
            wait = self.interval if asked is None else asked
