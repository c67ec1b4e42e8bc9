"""Each API key gets a steady rate with a burst; beyond it, 429 with Retry-After."""

from __future__ import annotations

from libs.platform.http.ratelimit import TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_key_may_burst_then_is_held_to_its_rate() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate_per_second=2, burst=3, clock=clock)
    assert [buckets.take("key") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("key") == 0.5
    clock.now = 0.5
    assert buckets.take("key") == 0
    assert buckets.take("other key") == 0


def test_time_refills_the_bucket_up_to_the_burst_only() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate_per_second=1, burst=2, clock=clock)
    buckets.take("key")
    buckets.take("key")
    clock.now = 100
    assert [buckets.take("key") for _ in range(3)] == [0, 0, 1.0]


def test_asking_how_long_to_wait_takes_no_token() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate_per_second=1, burst=1, clock=clock)
    assert buckets.wait("address") == 0
    assert buckets.take("address") == 0
    assert buckets.wait("address") == buckets.wait("address") == 1.0
    clock.now = 1
    assert buckets.take("address") == 0
