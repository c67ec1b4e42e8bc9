"""Keeps `complaint_list` in step with the event log, in batches.

Rows are computed by the domain itself: each complaint touched by a batch is folded forward
from the events (or loaded at that version when it is not in memory), and its row is
written from the resulting aggregate. A batch of rows and the new log position commit in
one transaction, so a crash repeats a batch rather than skipping one; rows only move
forward in version, so repeating a batch is harmless. Two processes may race: the position
is advanced by compare-and-set, and the loser's transaction rolls back.

Here: reading the log and folding it into complaints (live and in a rebuild, with helper
processes); the position is `positions`, the writing of rows, deadlines and timers
`list_writes`, the background thread `runner`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.domain import OriginatorVersionError
from eventsourcing.persistence import Notification
from sqlalchemy import Engine

from libs.domain.complaint import Complaint
from libs.platform.follower import PositionMoved
from libs.platform.runtime.garbage import cyclic_collection_paused
from services.complaints.application import (
    COMPLAINT_TOPIC_PREFIX,
    ComplaintNotFound,
    ComplaintsApplication,
)
from services.complaints.policy import ComplaintPolicy
from services.complaints.readmodel.helpers import (
    PARALLEL_FROM_EVENTS,
    HelpersShare,
    RebuildHelpers,
    default_processes,
)
from services.complaints.readmodel.list_writes import ListWriter, TimerLedger
from services.complaints.readmodel.positions import ProjectionPosition
from services.complaints.readmodel.rows import project

log = structlog.get_logger()

Progress = Callable[[int, int], None]
# Complaints kept folded between passes. Live, a complaint's next event may be hours
# away, and every kept complaint is more for the garbage collector to walk: in the API
# process its pauses are request latency. The complaints-projection process keeps more
# (`REDRESS_PROJECTION_CACHE_SIZE`). A rebuild meets the same complaints page after page.
FOLD_CACHE_SIZE = 2_000
REBUILD_FOLD_CACHE_SIZE = 20_000
# A rebuild reads the log in large pages: complaints interleave in the log, and each one
# touched by a page costs one row write per page.
REBUILD_BATCH = 25_000
# Complaints folded but not yet written before a flush is forced (memory is the bound).
FLUSH_COMPLAINTS = 5_000


class ComplaintListProjector:
    def __init__(
        self,
        application: ComplaintsApplication,
        engine: Engine,
        policy: ComplaintPolicy,
        batch_size: int = 2000,
        fold_capacity: int = FOLD_CACHE_SIZE,
    ) -> None:
        self._application = application
        self._policy = policy
        self._engine = engine
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self._folded: OrderedDict[UUID, Complaint] = OrderedDict()
        #: Complaints kept folded between live passes; a miss loads the complaint again.
        self._live_capacity = fold_capacity
        self._fold_capacity = fold_capacity
        self._timers = TimerLedger()
        self._position = ProjectionPosition(engine)
        self._writer = ListWriter(engine, self._timers)
        self._written_to: int | None = None
        #: Complaints whose stored events could not be folded (see `fold`).
        self.unprojectable: set[UUID] = set()
        self._newly_unprojectable: dict[UUID, str] = {}

    # -- positions ------------------------------------------------------------------------

    def position(self) -> int:
        return self._position.read()

    def head(self) -> int:
        return int(self._application.recorder.max_notification_id() or 0)

    def lag(self) -> int:
        return max(0, self.head() - self.position())

    # -- processing -----------------------------------------------------------------------

    def catch_up(
        self,
        progress: Progress | None = None,
        batch_size: int | None = None,
        helpers: RebuildHelpers | None = None,
    ) -> int:
        """Processes every event recorded so far; returns how many it processed.

        A full page means more may follow: the next one is read while this one is folded,
        so the database round trip overlaps with the Python work. A short page reaches the
        head of the log (ids commit in order), so it is the last. Rows are written once per
        complaint per flush, not per event: pages are folded into the complaints they touch
        and flushed, rows and position in one transaction, at the end or when
        `FLUSH_COMPLAINTS` complaints are waiting. Complaints interleave in the log, so a
        rebuild writes each complaint's row about once instead of once per page. With
        `helpers`, each page is shared out by complaint and their rows join each flush.
        """
        limit = batch_size or self._batch_size
        with self._lock, ExitStack() as stack:
            reader: ThreadPoolExecutor | None = None
            processed = 0
            head = self.head() if progress is not None else 0
            # Where this projector last wrote to, if it knows: a stale value (another
            # process moved on) only costs a discarded batch (PositionMoved).
            position = self._written_to if self._written_to is not None else self.position()
            waiting: dict[UUID, Complaint] = {}
            folded = 0
            notifications = self._read_after(position, limit)
            while notifications:
                last = notifications[-1].id
                upcoming: Future[Sequence[Notification]] | None = None
                if len(notifications) >= limit:
                    if reader is None:
                        reader = stack.enter_context(
                            ThreadPoolExecutor(1, thread_name_prefix="prefetch")
                        )
                    upcoming = reader.submit(self._read_after, last, limit)
                try:
                    mine = helpers.share_out(notifications) if helpers else notifications
                    waiting.update(self.fold(mine))
                    self._log_unprojectable(self.take_unprojectable())
                    folded += len(notifications)
                    following = upcoming.result() if upcoming is not None else []
                    # This process holds one slot of the complaints (see `RebuildHelpers`).
                    slots = helpers.slots if helpers else 1
                    if not following or len(waiting) * slots >= FLUSH_COMPLAINTS:
                        theirs = helpers.collect() if helpers else None
                        self._write(waiting, position, last, theirs)
                        self._written_to = last
                        position, processed = last, processed + folded
                        waiting, folded = {}, 0
                except PositionMoved:
                    # Another process got there first: carry on from where it is.
                    self._folded.clear()
                    self._timers.forget_all()
                    if helpers:
                        helpers.forget()
                    self._written_to = None
                    waiting, folded = {}, 0
                    position = self.position()
                    notifications = self._read_after(position, limit)
                    continue
                except BaseException:
                    self._folded.clear()
                    self._timers.forget_all()
                    self._written_to = None
                    raise
                if progress is not None:
                    progress(last, max(head, last))
                notifications = following
            return processed

    def _read_after(self, position: int, limit: int) -> Sequence[Notification]:
        return self._application.recorder.select_notifications(start=position + 1, limit=limit)

    def rebuild(self, progress: Progress | None = None, processes: int | None = None) -> int:
        """Drops the projection and replays the whole log into it.

        `processes` (default: one per core, see `helpers.default_processes`) share the
        folding by complaint when the log is long enough to be worth it.
        """
        processes = default_processes() if processes is None else max(1, processes)
        with self._lock, self._engine.begin() as connection:
            self._writer.clear(connection)
            self._position.drop(connection)
            self._folded.clear()
            self._timers.forget_all()
            self._written_to = None
        self._fold_capacity = REBUILD_FOLD_CACHE_SIZE
        try:
            with cyclic_collection_paused(), ExitStack() as stack:
                helpers = None
                if processes > 1 and self.head() >= PARALLEL_FROM_EVENTS:
                    helpers = stack.enter_context(RebuildHelpers(self, processes - 1))
                return self.catch_up(progress, batch_size=REBUILD_BATCH, helpers=helpers)
        finally:
            self._fold_capacity = self._live_capacity
            while len(self._folded) > self._live_capacity:
                self._folded.popitem(last=False)

    def fold(self, notifications: Sequence[Notification]) -> dict[UUID, Complaint]:
        """The complaints these events touch, folded forward (or loaded at the version of
        the event when not kept in memory)."""
        touched: dict[UUID, Complaint] = {}
        mapper = self._application.mapper
        for notification in notifications:
            if not notification.topic.startswith(COMPLAINT_TOPIC_PREFIX):
                continue
            event = mapper.to_domain_event(notification)
            complaint_id = event.originator_id
            known = self._folded.get(complaint_id)
            try:
                if event.originator_version == 1:
                    complaint = event.mutate(None)
                    self._timers.born.add(complaint_id)
                elif known is not None and known.version == event.originator_version - 1:
                    complaint = event.mutate(known)
                else:
                    complaint = self._application.complaint(
                        complaint_id, version=event.originator_version
                    )
            except (OriginatorVersionError, ComplaintNotFound) as error:
                # A gap in its stored events (deleted by hand): this complaint keeps its last
                # row, the rest of the log goes on being projected, and verification names
                # what is missing.
                self._newly_unprojectable[complaint_id] = (
                    f"version {event.originator_version}: {error!r}"
                )
                self._folded.pop(complaint_id, None)
                touched.pop(complaint_id, None)
                continue
            assert isinstance(complaint, Complaint)
            self._remember(complaint_id, complaint)
            touched[complaint_id] = complaint
        return touched

    def take_unprojectable(self) -> dict[UUID, str]:
        """The complaints found unprojectable since the last call, with the reason."""
        found, self._newly_unprojectable = self._newly_unprojectable, {}
        return found

    def _log_unprojectable(self, found: dict[UUID, str]) -> None:
        for complaint_id, reason in found.items():
            self.unprojectable.add(complaint_id)
            log.error(
                "complaint cannot be projected; run `redress verify`",
                complaint_id=str(complaint_id),
                error=reason,
            )

    # -- what a rebuild helper (a forked copy of this projector) uses ----------------------

    @property
    def application(self) -> ComplaintsApplication:
        return self._application

    @property
    def policy(self) -> ComplaintPolicy:
        return self._policy

    @property
    def born(self) -> set[UUID]:
        """Complaints first folded since the last flush."""
        return self._timers.born

    def adopt_for_helper(self, application: Any) -> None:
        """Folds with `application` (the parent's mapper, connections of its own) and keeps
        as many complaints as a rebuild does."""
        self._application = application
        self._fold_capacity = REBUILD_FOLD_CACHE_SIZE

    def forget_folded(self) -> None:
        self._folded.clear()
        self._timers.forget_all()
        self._newly_unprojectable.clear()

    def _remember(self, complaint_id: UUID, complaint: Complaint) -> None:
        if self._folded.get(complaint_id) is not complaint:
            self._folded[complaint_id] = complaint
            while len(self._folded) > self._fold_capacity:
                self._folded.popitem(last=False)

    def _write(
        self,
        complaints: dict[UUID, Complaint],
        old: int,
        new: int,
        helpers_share: HelpersShare | None = None,
    ) -> None:
        if helpers_share is not None:
            self._timers.born |= helpers_share.born
            self._log_unprojectable(helpers_share.unprojectable)
        with self._engine.begin() as connection:
            self._position.advance(connection, old, new)
            projected = {cid: project(c, self._policy) for cid, c in complaints.items()}
            if helpers_share is not None:
                projected.update(helpers_share.projected)
            written = self._writer.write(connection, projected) if projected else ({}, {})
        self._timers.remember(written)
        self._timers.born.clear()
