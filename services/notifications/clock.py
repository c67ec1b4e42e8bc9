"""The notifications service's clock: injected everywhere time matters (timers, survey
expiry), so tests move time instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def offset_clock(seconds: float) -> Clock:
    """The real clock, moved by `seconds` (REDRESS_CLOCK_OFFSET_SECONDS, for tests)."""
    shift = timedelta(seconds=seconds)
    return lambda: datetime.now(UTC) + shift
