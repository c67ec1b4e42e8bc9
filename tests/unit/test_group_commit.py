"""Group commit: concurrent writers share transactions, and each returns once its own
events are committed (not when some later batch is)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from uuid import uuid4

from eventsourcing.persistence import IntegrityError, StoredEvent

from libs.platform.eventstore.group_commit import MAX_BATCH_EVENTS, GroupCommitter


class GatedRecorder:
    """Commits instantly, except for the batches it was told to hold until released."""

    def __init__(self, hold: set[int]) -> None:
        self.batches: list[list[StoredEvent]] = []
        self.entered = {n: threading.Event() for n in hold}
        self.release = {n: threading.Event() for n in hold}
        self._lock = threading.Lock()
        self._next_id = 1

    def insert_events(self, stored_events: Sequence[StoredEvent], **_: object) -> list[int]:
        with self._lock:
            self.batches.append(list(stored_events))
            number = len(self.batches)
            ids = list(range(self._next_id, self._next_id + len(stored_events)))
            self._next_id += len(stored_events)
        if number in self.release:
            self.entered[number].set()
            assert self.release[number].wait(10), f"batch {number} was never released"
        return ids


def events(count: int) -> list[StoredEvent]:
    originator = uuid4()
    return [StoredEvent(originator, v, "topic", b"{}") for v in range(1, count + 1)]


def test_a_writer_returns_while_a_later_batch_is_still_committing() -> None:
    # Which waiting writer leads the next batch is up to the scheduler: the rounds give
    # the one that is not in it many chances to be the leader.
    for _ in range(20):
        writer_returns_before_the_next_batch_commits()


def writer_returns_before_the_next_batch_commits() -> None:
    recorder = GatedRecorder(hold={1, 3})
    committer = GroupCommitter(recorder)  # type: ignore[arg-type]
    half = MAX_BATCH_EVENTS // 2 + 1  # two such writes never fit in one batch
    returned: dict[str, list[int]] = {}

    def write(name: str, count: int) -> None:
        returned[name] = committer.insert(events(count))

    first = threading.Thread(target=write, args=("first", 1))
    first.start()
    assert recorder.entered[1].wait(5)
    # While the first batch commits, two writers queue; they need a batch each.
    second = threading.Thread(target=write, args=("second", half))
    third = threading.Thread(target=write, args=("third", half))
    second.start()
    queued(committer, 1)
    third.start()
    queued(committer, 2)
    recorder.release[1].set()
    assert recorder.entered[3].wait(5)  # the third batch is in flight, and held

    second.join(timeout=2)
    alive = second.is_alive()
    recorder.release[3].set()
    for thread in (first, second, third):
        thread.join(timeout=5)
    assert not alive, "a committed writer waited for someone else's batch"
    assert returned["second"] == list(range(2, 2 + half))
    assert returned["third"] == list(range(2 + half, 2 + 2 * half))


def queued(committer: GroupCommitter, writers: int) -> None:
    while len(committer._queue) < writers:
        threading.Event().wait(0.001)


def test_concurrent_writers_share_batches_and_get_their_own_ids() -> None:
    recorder = GatedRecorder(hold={1})
    committer = GroupCommitter(recorder)  # type: ignore[arg-type]
    results: dict[int, list[int]] = {}

    def write(n: int) -> None:
        results[n] = committer.insert(events(2))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(9)]
    threads[0].start()
    assert recorder.entered[1].wait(5)
    for thread in threads[1:]:
        thread.start()
    queued(committer, 8)
    recorder.release[1].set()
    for thread in threads:
        thread.join(timeout=5)

    assert [len(batch) for batch in recorder.batches] == [2, 16]  # eight writers, one commit
    assert sorted(i for ids in results.values() for i in ids) == list(range(1, 19))
    assert all(len(ids) == 2 and ids[1] == ids[0] + 1 for ids in results.values())


class ConflictingRecorder:
    """Refuses any batch holding the aggregate it was told is taken."""

    def __init__(self, taken: object) -> None:
        self.taken = taken
        self.calls = 0

    def insert_events(self, stored_events: Sequence[StoredEvent], **_: object) -> list[int]:
        self.calls += 1
        if any(e.originator_id == self.taken for e in stored_events):
            raise IntegrityError("duplicate key")
        return list(range(len(stored_events)))


def test_only_the_writer_that_lost_a_race_sees_the_conflict() -> None:
    loser = events(1)
    recorder = ConflictingRecorder(taken=loser[0].originator_id)
    committer = GroupCommitter(recorder)  # type: ignore[arg-type]
    errors: list[BaseException] = []

    def write(stored: list[StoredEvent]) -> None:
        try:
            committer.insert(stored)
        except IntegrityError as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(s,)) for s in (loser, events(1), events(1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert len(errors) == 1
