"""Group commit: many concurrent saves, one database transaction.

The PostgreSQL recorder locks the whole events table on every write so that notification
ids commit in order. Writers therefore queue behind each other, and one commit per request
caps throughput well below what the database can do. Here, whichever writer finds no
commit in progress takes every save that is waiting and writes them in one transaction; the
others wait for its result. Under no load a save commits alone, as before; under load the
table lock is taken once per batch instead of once per request.

If the batch fails on a uniqueness conflict (two writers raced on one aggregate), each save
in it is retried alone, so only the loser sees the conflict.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from queue import SimpleQueue

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, StoredEvent

MAX_BATCH_EVENTS = 500


@dataclass
class _Ticket:
    stored_events: Sequence[StoredEvent]
    done: bool = False
    notification_ids: list[int] = field(default_factory=list)
    error: BaseException | None = None
    # A wake-up call: put once or twice, taken at most once. `threading.Event` builds a
    # Condition in Python for every ticket and waits through it; `SimpleQueue` does both
    # in C (eight writers appending: ~5% more appends a second, alternating runs).
    woken: SimpleQueue[None] = field(default_factory=SimpleQueue)


class GroupCommitter:
    """Writers queue their events; one of them at a time (the leader) commits everything
    queued, wakes exactly the writers whose events it committed, and hands the lead to the
    first writer still waiting.

    Writers used to wait on the commit lock itself: the committed ones then had to take it
    in turn, a thread switch each, before the next batch could start, and a writer arriving
    in between could take it first and leave them asleep behind its whole transaction.
    Waking everyone at each commit instead costs a thundering herd on the interpreter lock,
    which on SQLite (short commits) was slower than the lock. Measured in docs/benchmarks.md.
    """

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self._recorder = recorder
        self._queue: list[_Ticket] = []
        self._lock = threading.Lock()
        self._leading = False
        self.batches_committed = 0
        self.events_committed = 0

    def insert(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        ticket = _Ticket(stored_events)
        with self._lock:
            self._queue.append(ticket)
            leads = not self._leading
            self._leading = True
        if not leads:
            ticket.woken.get()  # committed by a leader, or handed the lead
        while not ticket.done:
            with self._lock:
                batch = self._take_batch()
            try:
                self._commit(batch)
            except BaseException:  # never leave the others without a leader
                self._pass_the_lead(keep=False)
                raise
            self._pass_the_lead(keep=not ticket.done)
        if ticket.error is not None:
            raise ticket.error
        return ticket.notification_ids

    def _pass_the_lead(self, keep: bool) -> None:
        with self._lock:
            if keep:
                return  # the leader's own events are still queued (the batch was full)
            if self._queue:
                self._queue[0].woken.put(None)
            else:
                self._leading = False

    def _take_batch(self) -> list[_Ticket]:
        """The queued tickets, oldest first, up to `MAX_BATCH_EVENTS` (the caller holds the
        lock)."""
        batch: list[_Ticket] = []
        size = 0
        while self._queue and (
            not batch or size + len(self._queue[0].stored_events) <= MAX_BATCH_EVENTS
        ):
            ticket = self._queue.pop(0)
            batch.append(ticket)
            size += len(ticket.stored_events)
        return batch

    def _commit(self, batch: list[_Ticket]) -> None:
        if not batch:
            return
        try:
            ids = self._recorder.insert_events([e for t in batch for e in t.stored_events])
        except IntegrityError as conflict:
            if len(batch) == 1:
                self._finish(batch[0], error=conflict)
                return
            for ticket in batch:
                self._commit_alone(ticket)
            return
        except BaseException as error:
            for ticket in batch:
                self._finish(ticket, error=error)
            return
        position = 0
        for ticket in batch:
            count = len(ticket.stored_events)
            ticket.notification_ids = list(ids or [])[position : position + count]
            position += count
            self._finish(ticket)
        self.batches_committed += 1
        self.events_committed += position

    def _commit_alone(self, ticket: _Ticket) -> None:
        try:
            ticket.notification_ids = list(self._recorder.insert_events(ticket.stored_events) or [])
            self._finish(ticket)
        except BaseException as error:
            self._finish(ticket, error=error)

    @staticmethod
    def _finish(ticket: _Ticket, error: BaseException | None = None) -> None:
        ticket.error = error
        ticket.done = True
        ticket.woken.put(None)


class GroupCommittingRecorder:
    """Presents a recorder whose `insert_events` goes through a `GroupCommitter`.

    Inserts that carry a tracking record (processing of another log) keep their own
    transaction: their tracking row must commit with exactly their events.
    """

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self._recorder = recorder
        self.committer = GroupCommitter(recorder)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: object) -> list[int]:
        if kwargs.get("tracking") is not None:
            return list(self._recorder.insert_events(stored_events, **kwargs) or [])
        return self.committer.insert(stored_events)

    def __getattr__(self, name: str) -> object:
        return getattr(self._recorder, name)
