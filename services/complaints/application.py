"""The complaints application: the store of complaints, and the one way each is changed.

One instance per process, shared by every request (the event store is thread-safe). The use
cases (`use_cases/`) say what to change; `update` loads the complaint, lets the domain
decide, and saves its new events. When another writer got there first, the decision is made
again on the fresh state (`retry_on_conflict`), unless the caller pinned a version with
`If-Match`, in which case it learns that its view is stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, overload
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import SnapshotProtocol
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from libs.domain.access import ApiKey
from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext
from libs.platform.eventstore.application import GroupCommitApplication
from libs.platform.eventstore.concurrency import TryAgain, retry_on_conflict
from libs.platform.runtime.ids import random_uuid
from services.complaints.snapshots import (
    ComplaintSnapshot,
    InteractionLogAsRecords,
    InteractionLogInChunks,
)
from services.complaints.state_transcodings import COMPLAINT_STATE_TRANSCODINGS

COMMAND_NAMESPACE = UUID("0b0f2b8e-7f55-4a39-9d0e-2f9d4c1a6e21")
LOCK_STRIPES = 256
# Enough for the complaints being worked on now; each one kept is more for the garbage
# collector to walk in every full collection (a pause for every request in flight).
WRITABLE_CACHE_SIZE = 10_000
T = TypeVar("T")


class ComplaintNotFound(LookupError):
    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"no complaint with id '{complaint_id}'")
        self.complaint_id = complaint_id


class StaleVersion(Exception):
    """The caller's `If-Match` version is no longer the complaint's version."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"the complaint is at version {actual}, not {expected}")
        self.expected = expected
        self.actual = actual


class TooMuchContention(Exception):
    """Other writers kept changing the complaint; the command gave up retrying."""


class ComplaintsApplication(GroupCommitApplication):
    name = "Complaints"
    follows_upstreams = True  # the ADR gateway's feed (provider updates, outcomes)
    snapshotting_intervals: ClassVar[dict[type, int]] = {Complaint: 100}

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._complaint_locks = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self._writable = WritableComplaints()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(InteractionLogInChunks())
        transcoder.register(InteractionLogAsRecords())
        for value_as_record in COMPLAINT_STATE_TRANSCODINGS:
            transcoder.register(value_as_record)

    def snapshot_of(self, aggregate: Any) -> SnapshotProtocol[Any]:
        if isinstance(aggregate, Complaint):
            return ComplaintSnapshot.take(aggregate)
        return super().snapshot_of(aggregate)

    # -- commands -------------------------------------------------------------------------

    def receive_complaint(
        self,
        context: CommandContext,
        check: Callable[[Complaint], object] | None = None,
        *,
        present: Callable[[Complaint], T],
        **details: Any,
    ) -> T:
        """Records a new complaint, after `check` (a policy that may refuse it) passes, and
        returns what `present` makes of it. A retried command presents the complaint it
        created. The new complaint is kept for its first writer (see `update`)."""
        complaint_id = self.derived_id(context.command_id) or random_uuid()
        complaint = Complaint.receive(context, complaint_id=complaint_id, **details)
        if check is not None:
            check(complaint)
        with self._complaint_locks[complaint_id.int % LOCK_STRIPES]:
            try:
                self.save(complaint)
            except IntegrityError:
                if context.command_id is None:
                    raise
                complaint = self.complaint(complaint_id)
            self._writable.keep(complaint)
            return present(complaint)

    @overload
    def update(
        self,
        complaint_id: UUID,
        context: CommandContext,
        decide: Callable[[Complaint], None],
        *,
        expected_version: int | None = None,
        present: Callable[[Complaint], T],
    ) -> T: ...

    @overload
    def update(
        self,
        complaint_id: UUID,
        context: CommandContext,
        decide: Callable[[Complaint], None],
        *,
        expected_version: int | None = None,
        present: None = None,
    ) -> Complaint: ...

    def update(
        self,
        complaint_id: UUID,
        context: CommandContext,
        decide: Callable[[Complaint], None],
        *,
        expected_version: int | None = None,
        present: Callable[[Complaint], T] | None = None,
    ) -> T | Complaint:
        """Runs `decide` on the current complaint and saves what it recorded.

        Writers in this process take turns per complaint (a striped lock), so they do not
        waste work on conflicts; writers in other processes are caught by the event store's
        optimistic concurrency and retried.

        The complaint a writer leaves behind is kept for the next writer, which only reads
        the events recorded since (by other processes) instead of rebuilding it. That object
        is shared, so the caller sees it only inside the turn: `present` turns it into what
        the caller needs (a response). Without `present` the complaint itself is returned,
        and is no longer kept.
        """
        with self._complaint_locks[complaint_id.int % LOCK_STRIPES]:
            complaint = self._update(complaint_id, context, decide, expected_version)
            if present is not None:
                return present(complaint)
            self._writable.forget(complaint_id)
            return complaint

    def _update(
        self,
        complaint_id: UUID,
        context: CommandContext,
        decide: Callable[[Complaint], None],
        expected_version: int | None,
    ) -> Complaint:
        def attempt() -> Complaint:
            kept = self._writable.get(complaint_id)
            complaint = kept or self.complaint(complaint_id)
            try:
                if complaint.has_handled(context.command_id):
                    self._writable.keep(complaint)
                    return complaint
                if expected_version is not None and complaint.version != expected_version:
                    raise StaleVersion(expected_version, complaint.version)
                decide(complaint)
                self.save(complaint)
            except IntegrityError:
                # Another writer saved this version first (another process, if the
                # complaint was kept here): decide again on what is stored.
                self._writable.forget(complaint_id)
                if expected_version is not None and kept is None:
                    current = self.complaint(complaint_id).version
                    raise StaleVersion(expected_version, current) from None
                raise
            except Exception:
                # The domain may have changed the object before refusing; and a kept
                # complaint may be behind another process's writes, so a refusal of it is
                # asked again of the stored complaint before it is believed.
                self._writable.forget(complaint_id)
                if kept is not None:
                    raise TryAgain from None
                raise
            except BaseException:
                self._writable.forget(complaint_id)
                raise
            self._writable.keep(complaint)
            return complaint

        return retry_on_conflict(
            attempt,
            gave_up=lambda: TooMuchContention(
                f"complaint {complaint_id} is being changed by many writers"
            ),
        )

    # -- queries --------------------------------------------------------------------------

    def complaint(self, complaint_id: UUID, version: int | None = None) -> Complaint:
        try:
            aggregate = self.repository.get(complaint_id, version=version)
        except AggregateNotFoundError:
            raise ComplaintNotFound(str(complaint_id)) from None
        if not isinstance(aggregate, Complaint):
            raise ComplaintNotFound(str(complaint_id))
        return aggregate

    def events_of_command(
        self, complaint_id: UUID, command_id: str, last_version: int, at_most: int
    ) -> list[Any]:
        """The events a command recorded on a complaint, newest first: those with its id
        at and just before `last_version` (where the complaint says its last one is)."""
        events = self.repository.event_store.get(
            complaint_id, lte=last_version, desc=True, limit=at_most
        )
        recorded = []
        for event in events:
            if getattr(event, "command_id", None) != command_id:
                break
            recorded.append(event)
        return recorded

    @staticmethod
    def derived_id(command_id: str | None, within: UUID | None = None) -> UUID | None:
        """A stable id for what a command creates, so a retry creates the same thing."""
        if command_id is None:
            return None
        return uuid5(within or COMMAND_NAMESPACE, command_id)

    def new_entity_id(self, complaint_id: UUID, command_id: str | None) -> str:
        return str(self.derived_id(command_id, within=complaint_id) or random_uuid())


class WritableComplaints:
    """The complaints writers left behind, for the next writer of the same complaint.

    Used only by writers holding the complaint's lock. A kept complaint is exactly what
    this process saved; another process may have saved more since. That is not looked up
    (a query per write): the version check on save catches it, and the writer decides
    again on the stored complaint (`ComplaintsApplication._update`). `get` hands the
    complaint over; it is not kept again until the writer keeps it.
    """

    def __init__(self, capacity: int = WRITABLE_CACHE_SIZE) -> None:
        self._capacity = capacity
        self._kept: OrderedDict[UUID, Complaint] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, complaint_id: UUID) -> Complaint | None:
        with self._lock:
            return self._kept.pop(complaint_id, None)

    def keep(self, complaint: Complaint) -> None:
        with self._lock:
            self._kept[complaint.id] = complaint
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)

    def forget(self, complaint_id: UUID) -> None:
        with self._lock:
            self._kept.pop(complaint_id, None)


COMPLAINT_TOPIC_PREFIX = "libs.domain.complaint:Complaint."
API_KEY_TOPIC_PREFIX = f"{ApiKey.__module__}:ApiKey."
