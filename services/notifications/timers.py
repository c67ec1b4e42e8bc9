"""Due timers as leases: which notifications a dispatcher may work on now.

Timers are a read model (`notification_timers`, kept by the projection from the
notifications' own events), one row per notification still to send, with the time it is
due. A dispatcher claims due rows for a lease — `FOR UPDATE SKIP LOCKED` on PostgreSQL so
that two processes take different rows; SQLite serialises writers, so a claim there is a
conditional UPDATE — and settles each row when done: the next due time, or gone. A process
that dies holding a lease loses nothing: the lease runs out and another takes the row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, or_, select, update

from services.notifications.clock import Clock
from services.notifications.tables import notification_timers

#: A claimed timer: the notification's id and the end of our lease (a UNIX time).
Claim = tuple[str, float]


class DueTimers:
    def __init__(self, engine: Engine, *, batch: int, lease_seconds: float, clock: Clock) -> None:
        self._engine = engine
        self._batch = batch
        self._lease_seconds = lease_seconds
        self._clock = clock

    def claim(self) -> list[Claim]:
        """Up to a batch of timers due now and free, each leased to us."""
        table = notification_timers
        now = self._clock().timestamp()
        free = or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)
        query = (
            select(table.c.notification_id)
            .where(table.c.due_at <= now, free)
            .order_by(table.c.due_at)
            .limit(self._batch)
        )
        if self._engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        lease = now + self._lease_seconds
        with self._engine.begin() as connection:
            for (notification_id,) in connection.execute(query).all():
                taken = connection.execute(
                    update(table)
                    .where(table.c.notification_id == notification_id, free)
                    .values(claimed_until=lease)
                ).rowcount
                if taken:
                    claimed.append((notification_id, lease))
        return claimed

    def renew(self, claim: Claim) -> bool:
        """Extends our lease from now, if it is still ours."""
        notification_id, lease = claim
        table = notification_timers
        with self._engine.begin() as connection:
            return bool(
                connection.execute(
                    update(table)
                    .where(table.c.notification_id == notification_id)
                    .where(table.c.claimed_until == lease)
                    .values(claimed_until=self._clock().timestamp() + self._lease_seconds)
                ).rowcount
            )

    def settle(self, notification_id: str, due_at: datetime | None) -> None:
        """Makes the timer say what the notification says: next due time, or gone."""
        table = notification_timers
        this = table.c.notification_id == notification_id
        with self._engine.begin() as connection:
            if due_at is None:
                connection.execute(delete(table).where(this))
            else:
                connection.execute(
                    update(table).where(this).values(due_at=due_at.timestamp(), claimed_until=None)
                )
