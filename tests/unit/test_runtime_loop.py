"""The background loop every runner is built on: it runs its step again and again, sooner
when woken, outlives a failing step (backing off, with the failure on show) and stops
when told."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator

import pytest

from libs.platform.runtime.loop import ERROR_TEXT_LIMIT, BackgroundLoop, Backoff, describe

#: Long enough never to pass during a test: a step that runs again was woken or retried.
FOREVER = 60.0
#: How long a test waits for something the loop's thread should do at once.
PROMPTLY = 2.0


#: What one call of the step does, given the loop it runs in; returns the wait it asks for.
Action = Callable[[BackgroundLoop], float | None]
ERROR = "ConnectionError: the database is away"


class Steps:
    """A step that does what each call's script says and reports every call."""

    def __init__(self, *script: Action) -> None:
        self._script = list(script)
        self.calls: queue.Queue[float] = queue.Queue()
        self.loop: BackgroundLoop | None = None
        self.seen_errors: list[str | None] = []

    def __call__(self) -> float | None:
        self.calls.put(time.monotonic())
        assert self.loop is not None
        self.seen_errors.append(self.loop.last_error)
        action = self._script.pop(0) if self._script else succeeds
        return action(self.loop)

    def next_call(self) -> float:
        return self.calls.get(timeout=PROMPTLY)

    def no_call_within(self, seconds: float) -> bool:
        try:
            self.calls.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def fails(_: BackgroundLoop) -> float | None:
    raise ConnectionError("the database is away")


def succeeds(_: BackgroundLoop) -> float | None:
    return None


def waits(seconds: float) -> Action:
    return lambda _: seconds


Start = Callable[..., tuple[BackgroundLoop, Steps]]


@pytest.fixture
def running() -> Iterator[Start]:
    """Starts a loop over a scripted step (options as BackgroundLoop's); stops it after."""
    started: list[BackgroundLoop] = []

    def start(*script: Action, **options: object) -> tuple[BackgroundLoop, Steps]:
        steps = Steps(*script)
        loop = BackgroundLoop("test-loop", steps, **options)  # type: ignore[arg-type]
        steps.loop = loop
        started.append(loop)
        loop.start()
        return loop, steps

    yield start
    for loop in started:
        loop.stop(timeout=PROMPTLY)


def test_the_step_runs_at_once_and_again_after_each_wait_it_asks_for(running: Start) -> None:
    loop, steps = running(waits(0), waits(0), interval=FOREVER)
    for _ in range(3):
        steps.next_call()
    assert loop.is_running
    assert steps.no_call_within(0.05)  # the third step asked for the interval


def test_a_loop_may_wait_its_interval_before_the_first_step(running: Start) -> None:
    _, steps = running(interval=FOREVER, first_wait=None)
    assert steps.no_call_within(0.05)


def test_a_wake_cuts_the_wait_short(running: Start) -> None:
    loop, steps = running(interval=FOREVER)
    steps.next_call()
    loop.wake()
    steps.next_call()


def test_a_failing_step_is_on_show_and_retried_after_the_back_off(running: Start) -> None:
    backoff = Backoff(initial=0.05, maximum=0.05, jitter=False)
    _, steps = running(fails, succeeds, interval=FOREVER, backoff=backoff)
    failed_at = steps.next_call()
    retried_at = steps.next_call()
    assert retried_at - failed_at >= 0.04  # the back-off, not the interval
    assert steps.seen_errors[1] == ERROR


def test_a_wake_cuts_the_back_off_short_since_new_work_was_saved(running: Start) -> None:
    backoff = Backoff(initial=FOREVER, maximum=FOREVER, jitter=False)
    loop, steps = running(fails, succeeds, interval=FOREVER, backoff=backoff)
    steps.next_call()
    loop.wake()
    steps.next_call()
    deadline = time.monotonic() + 2
    while loop.last_error is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert loop.last_error is None


def test_the_first_success_clears_the_error_and_resets_the_back_off(running: Start) -> None:
    backoff = Backoff(initial=0.01, maximum=0.01, jitter=False)
    loop, steps = running(fails, fails, succeeds, waits(FOREVER), interval=0.0, backoff=backoff)
    for _ in range(4):
        steps.next_call()
    assert steps.seen_errors == [None, ERROR, ERROR, None]
    assert loop.last_error is None
    assert backoff.failures == 0


def test_without_a_back_off_a_failing_step_is_retried_at_the_next_interval(running: Start) -> None:
    _, steps = running(fails, interval=0.05)
    steps.next_call()
    steps.next_call()
    assert steps.seen_errors[1] is not None


def test_stop_ends_a_waiting_loop_and_joins_its_thread(running: Start) -> None:
    loop, steps = running(interval=FOREVER)
    steps.next_call()
    began = time.monotonic()
    loop.stop()
    assert time.monotonic() - began < PROMPTLY
    assert not loop.is_running
    assert loop.stopping
    assert steps.no_call_within(0.05)


def test_stop_ends_a_back_off_too(running: Start) -> None:
    loop, steps = running(fails, interval=FOREVER, backoff=Backoff(initial=FOREVER))
    steps.next_call()
    loop.stop()
    assert not loop.is_running


def test_a_step_can_pause_inside_itself_until_the_loop_is_stopped(running: Start) -> None:
    paused: queue.Queue[bool] = queue.Queue()

    def pauses(loop: BackgroundLoop) -> float | None:
        paused.put(loop.pause(FOREVER))
        return None

    loop, steps = running(pauses, interval=FOREVER)
    steps.next_call()
    loop.stop()
    assert paused.get(timeout=PROMPTLY) is True


def test_the_back_off_doubles_up_to_its_maximum_and_starts_over_when_reset() -> None:
    backoff = Backoff(initial=0.5, maximum=3.0, jitter=False)
    assert [backoff.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_the_jittered_back_off_waits_between_half_and_all_of_the_delay() -> None:
    backoff = Backoff(initial=1.0, maximum=8.0)
    for ceiling in (1.0, 2.0, 4.0, 8.0, 8.0):
        assert ceiling / 2 <= backoff.next_delay() <= ceiling


def test_a_failure_is_described_by_its_type_and_message_bounded() -> None:
    assert describe(ValueError("no")) == "ValueError: no"
    assert len(describe(RuntimeError("x" * 10_000))) == ERROR_TEXT_LIMIT
