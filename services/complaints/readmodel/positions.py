"""How far into the event log the complaint list has been projected.

The position is one row, moved on in the same transaction as the rows of the batch that
reached it, and only by compare-and-set: of two processes projecting the same batch, the
second finds the position already moved (`PositionMoved`, the follower's: the same race on
the same kind of row) and its transaction rolls back.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text

from libs.platform.follower import PositionMoved
from libs.platform.sql.database import upsert
from services.complaints.readmodel.tables import projection_positions

PROJECTION_NAME = "complaint_list"

# Plain SQL: built once, so no statement construction or cache-key work per batch.
_ADVANCE = text(
    "UPDATE projection_positions SET position = :new WHERE name = :name AND position = :old"
)


class ProjectionPosition:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def read(self) -> int:
        with self._engine.connect() as connection:
            value = connection.execute(
                select(projection_positions.c.position).where(
                    projection_positions.c.name == PROJECTION_NAME
                )
            ).scalar()
        return int(value or 0)

    def advance(self, connection: Connection, old: int, new: int) -> None:
        """Moves the position from `old` to `new` in `connection`'s transaction; raises
        `PositionMoved` when it is no longer at `old`."""
        moved = connection.execute(
            _ADVANCE, {"name": PROJECTION_NAME, "old": old, "new": new}
        ).rowcount
        if not moved and old == 0:
            # The very first batch: the position row does not exist yet.
            moved = connection.execute(
                self._insert, {"name": PROJECTION_NAME, "position": new}
            ).rowcount
        if not moved:
            raise PositionMoved(f"{PROJECTION_NAME} is no longer at {old}")

    def drop(self, connection: Connection) -> None:
        """Back to the start of the log (a rebuild)."""
        connection.execute(
            delete(projection_positions).where(projection_positions.c.name == PROJECTION_NAME)
        )

    @cached_property
    def _insert(self) -> Any:
        return upsert(self._engine)(projection_positions).on_conflict_do_nothing()
