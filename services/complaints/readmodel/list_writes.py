"""Writing a batch of the complaint list: each complaint's row, its deadlines and its unfired
deadline timers, in the transaction that moves the projection's position.

A row only moves forward in version, so a batch written twice (a crash between writing and
learning that it was written) changes nothing the second time.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cached_property
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, delete

from libs.platform.sql.database import insert_rows, upsert
from services.complaints.readmodel.rows import Projected
from services.complaints.readmodel.tables import (
    complaint_deadlines,
    complaint_list,
    deadline_timers,
)

#: Complaints whose written timers are remembered: as many as a rebuild keeps folded.
TIMER_LEDGER_SIZE = 20_000
TIMER_COLUMNS = ("complaint_id", "deadline", "alert", "due_at", "fire_at")
DEADLINE_COLUMNS = tuple(column.name for column in complaint_deadlines.columns)
LIST_COLUMNS = tuple(column.name for column in complaint_list.columns)
# A row only moves forward: a replayed batch never overwrites a newer row.
LIST_CONFLICT = (
    "(id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in LIST_COLUMNS if name != "id")
    + " WHERE complaint_list.version < excluded.version"
)

Signature = frozenset[tuple[Any, ...]]


class Signatures:
    """What was last written for each complaint into one table, as a comparable value."""

    def __init__(self, columns: tuple[str, ...], capacity: int) -> None:
        self._columns = columns
        self._capacity = capacity
        self._written: OrderedDict[UUID, Signature] = OrderedDict()

    def _signature(self, rows: list[dict[str, Any]]) -> Signature:
        return frozenset(tuple(row[name] for name in self._columns) for row in rows)

    def changed(self, rows: dict[UUID, list[dict[str, Any]]]) -> dict[UUID, Signature]:
        """The complaints whose rows differ from what was last written, and their new set."""
        signatures = {cid: self._signature(complaint_rows) for cid, complaint_rows in rows.items()}
        return {cid: sig for cid, sig in signatures.items() if self._written.get(cid) != sig}

    def remember(self, written: dict[UUID, Signature]) -> None:
        for cid, signature in written.items():
            self._written[cid] = signature
            self._written.move_to_end(cid)
        while len(self._written) > self._capacity:
            self._written.popitem(last=False)

    def clear(self) -> None:
        self._written.clear()


#: What one batch wrote: (timers, deadlines), each by complaint.
Written = tuple[dict[UUID, Signature], dict[UUID, Signature]]


class TimerLedger:
    """What this projector last wrote as each complaint's unfired timers and its deadlines,
    and which complaints are new since the last flush (so have none stored).

    Valid only while this projector is the one advancing the position: it is forgotten
    whenever another process moved it, after a failed batch, and on rebuild.
    """

    def __init__(self, capacity: int = TIMER_LEDGER_SIZE) -> None:
        self.timers = Signatures(TIMER_COLUMNS, capacity)
        self.deadlines = Signatures(DEADLINE_COLUMNS, capacity)
        self.born: set[UUID] = set()

    def changed(self, timers: dict[UUID, list[dict[str, Any]]]) -> dict[UUID, Signature]:
        """The complaints whose timers differ from what was last written, and their new set."""
        return self.timers.changed(timers)

    def remember(self, written: Written) -> None:
        timers, deadlines = written
        self.timers.remember(timers)
        self.deadlines.remember(deadlines)

    def forget_all(self) -> None:
        self.timers.clear()
        self.deadlines.clear()
        self.born.clear()


class ListWriter:
    def __init__(self, engine: Engine, timers: TimerLedger) -> None:
        self._engine = engine
        self._timers = timers

    def write(self, connection: Connection, projected: dict[UUID, Projected]) -> Written:
        """Writes the rows, timers and deadlines of `projected`; returns the timers and
        deadlines it wrote, for the ledger to remember once the transaction has committed."""
        insert_rows(
            connection,
            complaint_list,
            LIST_COLUMNS,
            [row for row, _, _ in projected.values()],
            on_conflict=LIST_CONFLICT,
            fallback=self._upsert_rows,
        )
        timers = self._replace_timers(
            connection, {cid: timers for cid, (_, timers, _) in projected.items()}
        )
        deadlines = self._replace_deadlines(
            connection, {cid: rows for cid, (_, _, rows) in projected.items()}
        )
        return timers, deadlines

    @staticmethod
    def clear(connection: Connection) -> None:
        """Every row and deadline, and every timer not yet fired (a rebuild)."""
        connection.execute(delete(complaint_list))
        connection.execute(delete(complaint_deadlines))
        connection.execute(delete(deadline_timers).where(deadline_timers.c.fired_at.is_(None)))

    def _replace_deadlines(
        self, connection: Connection, deadlines: dict[UUID, list[dict[str, Any]]]
    ) -> dict[UUID, Signature]:
        """A complaint's deadline rows are replaced whole, and only when they changed (most
        events leave them alone); a complaint new in this batch has none to delete."""
        changed = self._timers.deadlines.changed(deadlines)
        stale = [str(cid) for cid in changed if cid not in self._timers.born]
        if stale:
            connection.execute(
                delete(complaint_deadlines).where(complaint_deadlines.c.complaint_id.in_(stale))
            )
        rows = [row for cid in changed for row in deadlines[cid]]
        insert_rows(connection, complaint_deadlines, DEADLINE_COLUMNS, rows)
        return changed

    def _replace_timers(
        self, connection: Connection, timers: dict[UUID, list[dict[str, Any]]]
    ) -> dict[UUID, Signature]:
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
