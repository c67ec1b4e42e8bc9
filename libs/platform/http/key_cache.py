"""What the key ring remembers about presented API keys, so that a busy client costs one
hash, not one query, per request.

Two tables, bounded separately, so that junk cannot push good keys out: a key that exists
and is active (`known`) can only get here by authenticating, so that table grows with the
keys a deployment has issued, not with what strangers send; an unknown or revoked key
(`refused`) is remembered in a small table of its own, whose oldest entries make way for
newer ones. 10,000 distinct junk keys therefore cost 10,000 lookups (which the per-address
limit on failed authentication throttles, `ratelimit.py`) and evict only one another.

Entries expire after `ttl` seconds: the bound on how long a revocation made by another
process (the CLI, another replica) takes to be noticed, and on how long a key issued
elsewhere is still refused here. An expired good key stays in its table (until pushed out
by newer ones) so that `was_good` can tell a key in use from junk without a lookup.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Principal = TypeVar("Principal")

#: Far more keys than a deployment issues; only reached if keys are issued by the thousand.
KNOWN_KEYS = 100_000
#: Enough for a few misconfigured clients retrying the same wrong key.
REFUSED_KEYS = 1_024


class KeyCache(Generic[Principal]):
    """Verdicts by key digest: `(principal,)` for a good key, `(None,)` for a refused one."""

    def __init__(
        self,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        known_size: int = KNOWN_KEYS,
        refused_size: int = REFUSED_KEYS,
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._known: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._refused: OrderedDict[str, float] = OrderedDict()
        self._known_size = known_size
        self._refused_size = refused_size
        self._lock = threading.Lock()

    def get(self, digest: str) -> tuple[Principal | None] | None:
        """The remembered verdict, or None when there is none (or it has expired)."""
        now = self._clock()
        with self._lock:
            known = self._known.get(digest)
            if known is not None and known[0] > now:
                return (known[1],)
            refused_until = self._refused.get(digest)
            if refused_until is not None and refused_until > now:
                return (None,)
        return None

    def was_good(self, digest: str) -> bool:
        """Whether this key authenticated here before, even if that has expired: worth a
        lookup to check it again, where an unknown key from a suspect address is not."""
        with self._lock:
            return digest in self._known

    def remember(self, digest: str, principal: Principal | None) -> None:
        expires = self._clock() + self._ttl
        with self._lock:
            if principal is None:
                self._known.pop(digest, None)
                _put(self._refused, digest, expires, self._refused_size)
            else:
                self._refused.pop(digest, None)
                _put(self._known, digest, (expires, principal), self._known_size)

    def forget(self, digest: str) -> None:
        with self._lock:
            self._known.pop(digest, None)
            self._refused.pop(digest, None)

    def clear(self) -> None:
        with self._lock:
            self._known.clear()
            self._refused.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._known) + len(self._refused)


V = TypeVar("V")


def _put(table: OrderedDict[str, V], digest: str, value: V, size: int) -> None:
    table[digest] = value
    table.move_to_end(digest)
    while len(table) > size:
        table.popitem(last=False)  # the least recently stored
