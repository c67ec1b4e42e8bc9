"""Keeps `complaint_list` in step with the event log, in batches.

Rows are computed by the domain itself: each complaint touched by a batch is folded forward
from the events (or loaded at that version when it is not in memory), and its row is
written from the resulting aggregate. A batch of rows and the new log position commit in
one transaction, so a crash repeats a batch rather than skipping one; rows only move
forward in version, so repeating a batch is harmless. Two processes may race: the position
is advanced by compare-and-set, and the loser's transaction rolls back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from functools import cached_property
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.domain import OriginatorVersionError
from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, delete, select, text

from libs.domain.complaint import Complaint
from libs.platform.runtime.garbage import cyclic_collection_paused
from libs.platform.sql.database import insert_rows, upsert
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
from services.complaints.readmodel.rows import project
from services.complaints.readmodel.tables import (
    complaint_list,
    deadline_timers,
    projection_positions,
)

log = structlog.get_logger()

Progress = Callable[[int, int], None]
PROJECTION_NAME = "complaint_list"
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


# Plain SQL: built once, so no statement construction or cache-key work per batch.
_ADVANCE = text(
    "UPDATE projection_positions SET position = :new WHERE name = :name AND position = :old"
)


TIMER_COLUMNS = ("complaint_id", "deadline", "alert", "due_at", "fire_at")
LIST_COLUMNS = tuple(column.name for column in complaint_list.columns)
# A row only moves forward: a replayed batch never overwrites a newer row.
LIST_CONFLICT = (
    "(id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in LIST_COLUMNS if name != "id")
    + " WHERE complaint_list.version < excluded.version"
)


class PositionMoved(Exception):
    """Another process advanced the projection first; this batch is discarded."""


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
        self._written_to: int | None = None
        #: Complaints whose stored events could not be folded (see `fold`).
        self.unprojectable: set[UUID] = set()
        self._newly_unprojectable: dict[UUID, str] = {}

    # -- positions ------------------------------------------------------------------------

    def position(self) -> int:
        with self._engine.connect() as connection:
            return self._position(connection)

    def _position(self, connection: Connection) -> int:
        value = connection.execute(
            select(projection_positions.c.position).where(
                projection_positions.c.name == PROJECTION_NAME
            )
        ).scalar()
        return int(value or 0)

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
            connection.execute(delete(complaint_list))
            connection.execute(delete(deadline_timers).where(deadline_timers.c.fired_at.is_(None)))
            connection.execute(
                delete(projection_positions).where(projection_positions.c.name == PROJECTION_NAME)
            )
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
            moved = connection.execute(
                _ADVANCE, {"name": PROJECTION_NAME, "old": old, "new": new}
            ).rowcount
            if not moved and old == 0:
                # The very first batch: the position row does not exist yet.
                moved = connection.execute(
                    self._insert_position, {"name": PROJECTION_NAME, "position": new}
                ).rowcount
            if not moved:
                raise PositionMoved
            projected = {cid: project(c, self._policy) for cid, c in complaints.items()}
            if helpers_share is not None:
                projected.update(helpers_share.projected)
            if projected:
                insert_rows(
                    connection,
                    complaint_list,
                    LIST_COLUMNS,
                    [row for row, _ in projected.values()],
                    on_conflict=LIST_CONFLICT,
                    fallback=self._upsert_rows,
                )
                written = self._replace_timers(
                    connection, {cid: timers for cid, (_, timers) in projected.items()}
                )
        if projected:
            self._timers.remember(written)
        self._timers.born.clear()

    @cached_property
    def _insert_position(self) -> Any:
        return upsert(self._engine)(projection_positions).on_conflict_do_nothing()

    def _replace_timers(
        self, connection: Connection, timers: dict[UUID, list[dict[str, Any]]]
    ) -> dict[UUID, frozenset[tuple[Any, ...]]]:
        """Unfired timers follow the deadlines; fired ones stay as the record of firing.

        Only complaints whose timers changed are touched (most events, interactions, leave
        deadlines alone), and a complaint new in this batch has none to delete: rewriting
        every timer on every pass churned the table for nothing.
        """
        changed = self._timers.changed(timers)
        stale = [str(cid) for cid in changed if cid not in self._timers.born]
        if stale:
            connection.execute(
                delete(deadline_timers)
                .where(deadline_timers.c.complaint_id.in_(stale))
                .where(deadline_timers.c.fired_at.is_(None))
            )
        rows = [row for cid in changed for row in timers[cid]]
        insert_rows(connection, deadline_timers, TIMER_COLUMNS, rows)
        return changed

    @cached_property
    def _upsert_rows(self) -> Any:
        """One statement for all rows of a batch (executemany); a row only moves forward."""
        statement = upsert(self._engine)(complaint_list)
        return statement.on_conflict_do_update(
            index_elements=[complaint_list.c.id],
            set_={
                c.name: statement.excluded[c.name] for c in complaint_list.columns if c.name != "id"
            },
            where=complaint_list.c.version < statement.excluded.version,
        )


class TimerLedger:
    """What this projector last wrote as each complaint's unfired timers, and which
    complaints are new since the last flush (so have none stored).

    Valid only while this projector is the one advancing the position: it is forgotten
    whenever another process moved it, after a failed batch, and on rebuild.
    """

    def __init__(self, capacity: int = REBUILD_FOLD_CACHE_SIZE) -> None:
        self._capacity = capacity
        self._written: OrderedDict[UUID, frozenset[tuple[Any, ...]]] = OrderedDict()
        self.born: set[UUID] = set()

    @staticmethod
    def _signature(timers: list[dict[str, Any]]) -> frozenset[tuple[Any, ...]]:
        return frozenset(tuple(timer[name] for name in TIMER_COLUMNS) for timer in timers)

    def changed(
        self, timers: dict[UUID, list[dict[str, Any]]]
    ) -> dict[UUID, frozenset[tuple[Any, ...]]]:
        """The complaints whose timers differ from what was last written, and their new set."""
        signatures = {cid: self._signature(rows) for cid, rows in timers.items()}
        return {cid: sig for cid, sig in signatures.items() if self._written.get(cid) != sig}

    def remember(self, written: dict[UUID, frozenset[tuple[Any, ...]]]) -> None:
        for cid, signature in written.items():
            self._written[cid] = signature
            self._written.move_to_end(cid)
        while len(self._written) > self._capacity:
            self._written.popitem(last=False)

    def forget_all(self) -> None:
        self._written.clear()
        self.born.clear()


class ProjectionRunner:
    """Runs a projector in a background thread: woken after each save, and polling anyway
    (another process may be the one writing).

    Under load a save lands every few milliseconds; catching up after each one would spend
    more on the projection's fixed costs (position, transaction) than on the rows. After a
    pass the runner lets `settle_seconds` go by before the next, so the saves of that
    interval share one pass. Readers that must see their own writes (the list) catch up
    themselves, so the read model's lag behind the log stays invisible to them.
    """

    def __init__(
        self,
        projector: ComplaintListProjector,
        poll_seconds: float = 0.5,
        settle_seconds: float = 0.1,
    ) -> None:
        self._projector = projector
        self._poll_seconds = poll_seconds
        self._settle_seconds = settle_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="complaint-list", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        backoff = self._poll_seconds
        while not self._stop.is_set():
            self._wake.wait(timeout=backoff)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                processed = self._projector.catch_up()
                self.last_error = None
                backoff = self._poll_seconds
            except Exception as error:  # keep projecting once the database is back
                self.last_error = str(error)
                log.warning("projection failed; will retry", error=str(error))
                backoff = min(backoff * 2, 10.0)
                continue
            if processed:
                self._stop.wait(self._settle_seconds)
