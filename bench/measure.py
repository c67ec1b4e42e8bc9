"""Timing primitives: a sample of latencies, and N threads hammering one operation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Operation = Callable[[], None]
# Called once in each worker thread with the worker's index: returns the operation to repeat
# and a function that releases what it opened (e.g. the thread's connection).
WorkerSetup = Callable[[int], tuple[Operation, Callable[[], None]]]


@dataclass
class Sample:
    """Completed operations within a measured window, with their latencies in seconds."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    client_cpu_seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, q: float) -> float | None:
        """Nearest-rank percentile, in milliseconds."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    def record_error(self, message: str) -> None:
        self.errors += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(message[:300])

    def merge(self, other: Sample) -> None:
        self.latencies.extend(other.latencies)
        self.errors += other.errors
        for example in other.error_examples:
            if len(self.error_examples) < 5:
                self.error_examples.append(example)


def run_threaded(workers: int, seconds: float, warmup: float, setup: WorkerSetup) -> Sample:
    """Runs `workers` threads, each repeating its operation until the window closes.

    Operations completing in the `seconds` after a `warmup` count; the rate is completions
    per second of that window (closed-loop: each thread waits for its previous operation).
    """
    total = Sample(seconds=seconds)
    window: list[float] = []

    def open_window() -> None:  # runs once every worker is connected, before any starts
        now = time.perf_counter()
        window.extend([now + warmup, now + warmup + seconds])

    ready = threading.Barrier(workers + 1, action=open_window)
    lock = threading.Lock()
    failures: list[BaseException] = []

    def work(index: int) -> None:
        local = Sample(seconds=seconds)
        try:
            operation, close = setup(index)
        except BaseException as error:
            failures.append(error)
            ready.abort()
            raise
        try:
            ready.wait()
            start, end = window
            while (began := time.perf_counter()) < end:
                try:
                    operation()
                except Exception as error:
                    finished = time.perf_counter()
                    if finished >= start:
                        local.record_error(f"{type(error).__name__}: {error}")
                    continue
                finished = time.perf_counter()
                if start <= finished <= end:
                    local.latencies.append(finished - began)
        finally:
            close()
            with lock:
                total.merge(local)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join()
        raise RuntimeError(f"a worker failed to start: {failures[0]!r}") from failures[0]
    for thread in threads:
        thread.join()
    total.client_cpu_seconds = time.process_time() - cpu_before
    return total
