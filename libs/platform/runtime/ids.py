"""Random (version 4) UUIDs without a system call for each one.

`uuid.uuid4()` reads its 16 bytes with `os.urandom`, which lets go of the interpreter lock
for the system call. Under load every new id then hands the lock to another thread and
waits to take it back: ~13 µs of CPU an id with eight threads appending complaints, and
on the event loop's thread a pause for every request in flight (docs/benchmarks.md,
"What the figures rest on"). Reading the same operating-system randomness 4 KiB at a
time, per thread, gives ids of the same quality with one system call in 256.
"""

from __future__ import annotations

import os
import threading
from uuid import UUID

_BYTES_PER_READ = 4096


class _Randomness(threading.local):
    """Each thread's unread bytes from `os.urandom` (`threading.local` runs `__init__`
    once in every thread that uses it)."""

    def __init__(self) -> None:
        self.unread = b""
        self.position = 0


_randomness = _Randomness()


def _forget_in_child() -> None:
    """A forked process must not hand out the ids its parent is about to."""
    global _randomness
    _randomness = _Randomness()


os.register_at_fork(after_in_child=_forget_in_child)


def random_uuid() -> UUID:
    """A random UUID, as `uuid.uuid4()` makes it (122 random bits from `os.urandom`)."""
    randomness = _randomness
    position = randomness.position
    if position + 16 > len(randomness.unread):
        randomness.unread = os.urandom(_BYTES_PER_READ)
        position = 0
    randomness.position = position + 16
    return UUID(bytes=randomness.unread[position : position + 16], version=4)
