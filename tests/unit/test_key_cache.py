"""The key cache keeps good keys and refused keys apart: junk pushes out only junk."""

from __future__ import annotations

from libs.platform.http.key_cache import KeyCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_refused_keys_evict_only_one_another() -> None:
    cache: KeyCache[str] = KeyCache(ttl=5, clock=FakeClock(), refused_size=3)
    cache.remember("good", "principal")
    for n in range(10):
        cache.remember(f"junk{n}", None)
    assert cache.get("good") == ("principal",)
    assert cache.get("junk9") == (None,)
    assert cache.get("junk0") is None  # pushed out by newer junk: looked up again
    assert len(cache) == 1 + 3


def test_a_verdict_expires_but_a_good_key_is_still_known_as_one() -> None:
    clock = FakeClock()
    cache: KeyCache[str] = KeyCache(ttl=5, clock=clock)
    cache.remember("good", "principal")
    cache.remember("junk", None)
    clock.now = 5
    assert cache.get("good") is None and cache.get("junk") is None
    assert cache.was_good("good") and not cache.was_good("junk")
    cache.remember("good", None)  # revoked meanwhile
    assert not cache.was_good("good")
