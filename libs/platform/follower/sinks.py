"""Where a follower's events go, with the position recorded in the same transaction.

- `SqlSink`: a handler writes SQL (read models, outbox rows) on the transaction's
  connection; the follower's row in `follower_positions` is advanced by compare-and-set in
  that same transaction, so a second writer's transaction rolls back instead of repeating.
- `ApplicationSink`: a handler changes aggregates of an `eventsourcing` application; their
  new events and the library's tracking record (the upstream position) are inserted in one
  transaction by the application's process recorder. The tracking row only moves forward,
  so a page that was already recorded fails as a whole and nothing is written twice.

Both take a whole page per transaction: catching up costs one commit per page, not one per
event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, ProcessRecorder, Tracking
from sqlalchemy import BigInteger, Column, Connection, Engine, MetaData, String, Table, select
from sqlalchemy import delete as sql_delete
from sqlalchemy import update as sql_update

from libs.platform.eventstore.concurrency import retry_on_conflict
from libs.platform.follower.sources import FeedEvent, Page
from libs.platform.sql.database import upsert


class PositionMoved(Exception):
    """Another follower recorded this page (or a later one) first; nothing was written."""


def follower_positions_table(metadata: MetaData) -> Table:
    """The table `SqlSink` keeps positions in (add it to the service's migrations)."""
    return Table(
        "follower_positions",
        metadata,
        Column("name", String(128), primary_key=True),
        Column("position", BigInteger, nullable=False),
    )


SqlHandler = Callable[[Connection, Sequence[FeedEvent]], None]


class SqlSink:
    def __init__(self, engine: Engine, name: str, table: Table, handler: SqlHandler) -> None:
        self._engine = engine
        self.name = name
        self._table = table
        self._handler = handler

    def position(self) -> int:
        with self._engine.connect() as connection:
            value = connection.execute(
                select(self._table.c.position).where(self._table.c.name == self.name)
            ).scalar()
        return int(value or 0)

    def apply(self, page: Page) -> None:
        table = self._table
        with self._engine.begin() as connection:
            connection.execute(
                upsert(self._engine)(table)
                .values(name=self.name, position=0)
                .on_conflict_do_nothing()
            )
            moved = connection.execute(
                sql_update(table)
                .where(table.c.name == self.name, table.c.position == page.after)
                .values(position=page.next_after)
            ).rowcount
            if not moved:
                raise PositionMoved(f"{self.name} is no longer at {page.after}")
            if page.events:
                self._handler(connection, page.events)

    def reset(self, *tables: Table) -> None:
        """Forgets the position and empties the handler's `tables`, in one transaction,
        so the next catch-up replays the upstream from its start (a rebuild)."""
        with self._engine.begin() as connection:
            for table in tables:
                connection.execute(sql_delete(table))
            connection.execute(table_delete(self._table, self.name))


def table_delete(table: Table, name: str) -> Any:
    return table.delete().where(table.c.name == name)


class UnitOfWork:
    """The aggregates one page loads and changes, each loaded once per page."""

    def __init__(self, application: Application[Any]) -> None:
        self._application = application
        self._aggregates: dict[UUID, Aggregate] = {}

    def get(self, aggregate_id: UUID) -> Aggregate:
        """The aggregate as changed so far in this page (AggregateNotFoundError if none)."""
        aggregate = self._aggregates.get(aggregate_id)
        if aggregate is None:
            aggregate = self._application.repository.get(aggregate_id)
            self._aggregates[aggregate_id] = aggregate
        return aggregate

    def find(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            return self.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def add(self, aggregate: Aggregate) -> None:
        self._aggregates[aggregate.id] = aggregate

    def aggregates(self) -> Iterable[Aggregate]:
        return self._aggregates.values()


ApplicationHandler = Callable[[UnitOfWork, FeedEvent], None]


class ApplicationSink:
    def __init__(
        self, application: Application[Any], upstream: str, handler: ApplicationHandler
    ) -> None:
        recorder = application.recorder
        if not isinstance(recorder, ProcessRecorder):
            raise TypeError(
                f"{type(application).__name__} records with {type(recorder).__name__}; "
                "following an upstream needs a ProcessRecorder (tracking)"
            )
        self._application = application
        self._recorder: ProcessRecorder = recorder
        self.name = upstream
        self._handler = handler

    def position(self) -> int:
        return int(self._recorder.max_tracking_id(self.name) or 0)

    def apply(self, page: Page) -> None:
        retry_on_conflict(
            lambda: self._apply_once(page),
            gave_up=lambda: IntegrityError(
                f"{self.name}: page after {page.after} kept conflicting"
            ),
        )

    def _apply_once(self, page: Page) -> None:
        unit = UnitOfWork(self._application)
        for event in page.events:
            self._handler(unit, event)
        processing: ProcessingEvent[Any] = ProcessingEvent(
            tracking=Tracking(self.name, page.next_after)
        )
        processing.collect_events(*unit.aggregates())
        application: Any = self._application
        try:
            # What `Application.save` does, with the tracking record in the same
            # transaction as the page's events.
            recordings = application._record(processing)
        except IntegrityError:
            if self.position() >= page.next_after:
                raise PositionMoved(f"{self.name} already at {self.position()}") from None
            # An aggregate changed under us (e.g. an HTTP command): redo on fresh state.
            raise
        application._take_snapshots(processing)
        application._notify(recordings)
