"""When a save reaches a snapshot interval: the aggregate just saved is the snapshot, unless
its type has a snapshotting projector of its own, which the snapshot is then built with (as
the library builds it)."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from libs.platform.eventstore.application import GroupCommitApplication


class Tally(Aggregate):
    @event("Started")
    def __init__(self) -> None:
        self.count = 0

    @event("Counted")
    def add(self) -> None:
        self.count += 1


def projected_by_hand(aggregate: Any, events: Any) -> Any:
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    aggregate.count = -1  # marks a snapshot built by this projector
    return aggregate


class Tallies(GroupCommitApplication):
    env: ClassVar[dict[str, str]] = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    snapshotting_intervals: ClassVar[dict[type, int]] = {Tally: 4}


class HandProjectedTallies(Tallies):
    snapshotting_projectors: ClassVar[dict[type, Any]] = {Tally: projected_by_hand}


def counted_to(application: Tallies, times: int) -> Tally:
    tally = Tally()
    for _ in range(times):
        tally.add()
    application.save(tally)
    return tally


def latest_snapshot(application: Tallies, tally: Tally) -> Any:
    assert application.snapshots is not None
    return next(iter(application.snapshots.get(tally.id, desc=True, limit=1)))


def test_the_saved_aggregate_is_snapshotted_without_loading_it_again() -> None:
    application = Tallies()
    loads: list[Any] = []
    load = application.repository.get
    application.repository.get = lambda *a, **k: loads.append(a) or load(*a, **k)  # type: ignore[method-assign]
    tally = counted_to(application, 3)
    snapshot = latest_snapshot(application, tally)
    assert snapshot.originator_version == 4 and snapshot.state["count"] == 3
    assert loads == []


def test_a_save_past_the_interval_snapshots_the_version_at_the_interval() -> None:
    application = Tallies()
    tally = counted_to(application, 5)
    snapshot = latest_snapshot(application, tally)
    assert snapshot.originator_version == 4 and snapshot.state["count"] == 3


def test_a_type_with_its_own_snapshotting_projector_is_snapshotted_with_it() -> None:
    application = HandProjectedTallies()
    tally = counted_to(application, 3)
    snapshot = latest_snapshot(application, tally)
    assert snapshot.originator_version == 4 and snapshot.state["count"] == -1
