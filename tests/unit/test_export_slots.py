"""The export slots' arithmetic (libs/platform/http/export_limit.py): a slot per export, a
limit per key and in total, and a Retry-After from how long exports have been taking."""

from __future__ import annotations

import pytest

from libs.platform.http.export_limit import ExportsBusy, ExportSlots


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_at_its_limit_is_refused_and_a_released_slot_is_free_again() -> None:
    slots = ExportSlots(per_key=2, total=0)
    first, _second = slots.acquire("a"), slots.acquire("a")
    with pytest.raises(ExportsBusy) as busy:
        slots.acquire("a")
    assert busy.value.scope == "key" and busy.value.limit == 2
    slots.acquire("b")  # another key is not counted against "a"
    slots.release("a", first)
    slots.acquire("a")
    assert slots.running("a") == 2 and slots.running() == 3


def test_the_service_wide_cap_counts_every_key() -> None:
    slots = ExportSlots(per_key=5, total=2)
    slots.acquire("a")
    slots.acquire("b")
    with pytest.raises(ExportsBusy) as busy:
        slots.acquire("c")
    assert busy.value.scope == "service" and busy.value.setting.endswith("_TOTAL")


def test_retry_after_is_the_mean_export_time_less_what_the_oldest_has_run() -> None:
    clock = Clock()
    slots = ExportSlots(per_key=1, total=0, clock=clock)
    for _ in range(40):  # exports that take 10 s each, until the mean has settled
        started = slots.acquire("a")
        clock.now += 10
        slots.release("a", started)
    slots.acquire("a")
    clock.now += 3
    with pytest.raises(ExportsBusy) as busy:
        slots.acquire("a")
    assert busy.value.retry_after == 7
    clock.now += 30  # longer than usual: still at least a second
    with pytest.raises(ExportsBusy) as busy:
        slots.acquire("a")
    assert busy.value.retry_after == 1


def test_an_idle_key_is_forgotten() -> None:
    slots = ExportSlots()
    slots.release("a", slots.acquire("a"))
    assert slots.running("a") == 0 and not slots._by_key


def test_another_services_key_is_held_only_to_the_service_wide_cap() -> None:
    # The gateway exports a case file per referral, from all its delivery workers at once.
    slots = ExportSlots(per_key=2, total=3)
    for _ in range(3):
        slots.acquire("gateway", per_key=False)
    with pytest.raises(ExportsBusy) as busy:
        slots.acquire("gateway", per_key=False)
    assert busy.value.scope == "service"
