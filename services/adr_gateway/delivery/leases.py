"""Which referral is due, and which worker holds it: leases on `referral_work`.

A worker claims a due referral by setting its lease where none is held or the last one ran
out (compare-and-set: of two workers, one wins the row). While it works the lease keeps the
others away; when it is done it gives the lease back with the referral's next stage and due
time. A worker that dies holding a lease only delays the referral until the lease runs out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, or_, select, update

from libs.domain.referral import Referral
from libs.domain.referral_lifecycle import DeliveryStatus, ReferralStatus
from services.adr_gateway.tables import referral_work

#: The stages in which a referral is waiting for a worker.
WORKING_STAGES = ("prepare", "deliver")
ERROR_TEXT_LIMIT = 500


class Leases:
    def __init__(
        self,
        engine: Engine,
        owner: str,
        lease_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self.owner = owner
        self._lease_seconds = lease_seconds
        self._clock = clock

    def claim_due(self, limit: int) -> list[str]:
        """Leases up to `limit` due referrals, oldest due first; returns their ids."""
        now = self._clock()
        free = or_(referral_work.c.lease_until.is_(None), referral_work.c.lease_until < now)
        with self._engine.connect() as connection:
            due = [
                row[0]
                for row in connection.execute(
                    select(referral_work.c.referral_id)
                    .where(referral_work.c.stage.in_(WORKING_STAGES))
                    .where(referral_work.c.due_at <= now)
                    .where(free)
                    .order_by(referral_work.c.due_at)
                    .limit(limit)
                )
            ]
        claimed = []
        for referral_id in due:
            with self._engine.begin() as connection:
                won = connection.execute(
                    update(referral_work)
                    .where(referral_work.c.referral_id == referral_id)
                    .where(free)
                    .values(lease_owner=self.owner, lease_until=now + self._lease_seconds)
                ).rowcount
            if won:
                claimed.append(referral_id)
        return claimed

    def postpone(self, referral_id: str, seconds: float, error: str) -> None:
        """Makes the referral due again in `seconds`, saying why it waits."""
        with self._engine.begin() as connection:
            connection.execute(
                update(referral_work)
                .where(referral_work.c.referral_id == referral_id)
                .values(due_at=self._clock() + seconds, last_error=error[:ERROR_TEXT_LIMIT])
            )

    def release(self, referral_id: str, referral: Referral) -> None:
        """Gives the lease back, leaving the schedule as the referral now stands (the
        worklist projection would write the same when it reaches these events; rows only
        move forward in version, so neither undoes the other)."""
        if referral.delivery in (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD_LETTERED):
            stage, due = "done", self._clock()
        elif referral.status == ReferralStatus.RECEIVED:
            stage, due = "prepare", None
        else:
            next_at = referral.next_attempt_at
            stage, due = "deliver", next_at.timestamp() if next_at else self._clock()
        values: dict[str, Any] = {"lease_owner": None, "lease_until": None, "stage": stage}
        if due is not None:
            values["due_at"] = due
            values["version"] = referral.version
        with self._engine.begin() as connection:
            moved = connection.execute(
                update(referral_work)
                .where(referral_work.c.referral_id == referral_id)
                .where(referral_work.c.lease_owner == self.owner)
                .where(referral_work.c.version <= referral.version)
                .values(**values)
            ).rowcount
        if not moved:
            self.give_back(referral_id)

    def give_back(self, referral_id: str) -> None:
        """Gives the lease back and leaves the schedule as it is (the projection has
        already moved it on, or the referral could not be read)."""
        with self._engine.begin() as connection:
            connection.execute(
                update(referral_work)
                .where(referral_work.c.referral_id == referral_id)
                .where(referral_work.c.lease_owner == self.owner)
                .values(lease_owner=None, lease_until=None)
            )
