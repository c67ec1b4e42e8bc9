"""The chain heads this process has seen commit: a new event's predecessor hash without a
query, nearly always.

A writer appending version n of an aggregate needs the recorded hash of version n-1. When
this process wrote version n-1 itself, it computed that hash and saw the transaction
commit; (aggregate, version) is unique in the events table, so that hash is the recorded
one for good. Only hashes of committed transactions are remembered: a batch's links are
staged while its transaction runs and published after it commits, or dropped if it fails.
Another process's writes are simply not known here, and are read from the database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from libs.platform.eventstore.integrity.hashchain import ChainLink

DEFAULT_CAPACITY = 100_000


class KnownHeads:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._heads: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._staged = threading.local()

    def lookup(self, needed: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """The hashes of `needed` (aggregate id, version) pairs that are known."""
        found: dict[tuple[str, int], str] = {}
        with self._lock:
            for originator_id, version in needed:
                head = self._heads.get(originator_id)
                if head is not None and head[0] == version:
                    found[(originator_id, version)] = head[1]
        return found

    def stage(self, links: Iterable[ChainLink]) -> None:
        """Links written in the calling thread's open transaction."""
        self._staged.links = list(links)

    def publish(self) -> None:
        """The calling thread's transaction committed: its links are the recorded ones."""
        links: list[ChainLink] = getattr(self._staged, "links", [])
        self._staged.links = []
        with self._lock:
            for link in links:
                key = str(link.originator_id)
                current = self._heads.get(key)
                if current is None or current[0] < link.originator_version:
                    self._heads[key] = (link.originator_version, link.hash)
                    self._heads.move_to_end(key)
            while len(self._heads) > self._capacity:
                self._heads.popitem(last=False)

    def discard(self) -> None:
        """The calling thread's transaction failed: what it staged was never recorded."""
        self._staged.links = []
