"""Optimistic concurrency: the one way a command is tried again when another writer saved
the same aggregate first.

The event store refuses a save whose aggregate version is already taken
(`eventsourcing.persistence.IntegrityError`). The command then loads the aggregate as stored
and decides again: a writer never overwrites what it did not see. `retry_on_conflict` runs
an attempt until it saves without a conflict, at most `attempts` times; an attempt may also
raise `TryAgain` itself, e.g. when it learns that the copy it decided on was out of date.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

T = TypeVar("T")

#: Enough for the contention seen under load (eight writers on one aggregate); past it,
#: the caller hears that the aggregate is too busy rather than waiting on.
DEFAULT_ATTEMPTS = 8


class TryAgain(Exception):
    """Raised by an attempt to be run again, as after a conflict."""


def retry_on_conflict(
    attempt: Callable[[], T],
    *,
    gave_up: Callable[[], Exception],
    attempts: int = DEFAULT_ATTEMPTS,
) -> T:
    """The result of the first `attempt()` that neither conflicts nor asks to try again;
    after `attempts` tries, raises `gave_up()`."""
    for _ in range(attempts):
        try:
            return attempt()
        except (IntegrityError, TryAgain):
            continue
    raise gave_up()
