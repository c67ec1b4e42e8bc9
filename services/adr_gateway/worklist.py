"""Projects the gateway's own referral events into `referral_work` (what is due when) and
`referral_facts` (what track records are computed from), in one transaction per page with
the projection's position (a `SqlSink` over a `LocalSource`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, update

from libs.platform.follower import FeedEvent
from libs.platform.sql.database import upsert
from services.adr_gateway.tables import referral_facts, referral_work

NAME = "worklist"


def _epoch(value: Any) -> float:
    return datetime.fromisoformat(str(value)).timestamp()


class WorklistProjection:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __call__(self, connection: Connection, events: Sequence[FeedEvent]) -> None:
        for event in events:
            handler = getattr(self, f"_on_{event.name}", None)
            if handler is not None:
                handler(connection, event, event.subject, int(event.data["originator_version"]))

    def _work(self, connection: Connection, referral_id: str, version: int, **values: Any) -> None:
        """Rows only move forward in version: an old page replayed cannot undo a new one."""
        statement = upsert(self._engine)(referral_work).values(
            referral_id=referral_id, version=version, **values
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[referral_work.c.referral_id],
                set_={"version": version, **values},
                where=referral_work.c.version < version,
            )
        )

    def _facts(self, connection: Connection, referral_id: str, **values: Any) -> None:
        statement = upsert(self._engine)(referral_facts).values(referral_id=referral_id, **values)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[referral_facts.c.referral_id], set_=values
            )
            if values
            else statement.on_conflict_do_nothing()
        )

    def _count(self, connection: Connection, referral_id: str, column: Any) -> None:
        """Each event is applied exactly once (with the projection's position), so an
        increment is safe."""
        self._facts(connection, referral_id)
        connection.execute(
            update(referral_facts)
            .where(referral_facts.c.referral_id == referral_id)
            .values({column: column + 1})
        )

    def _on_Opened(self, c: Connection, e: FeedEvent, rid: str, v: int) -> None:
        self._work(c, rid, v, stage="prepare", due_at=_epoch(e.data["timestamp"]))
        self._facts(c, rid)

    def _on_Prepared(self, c: Connection, e: FeedEvent, rid: str, v: int) -> None:
        self._work(c, rid, v, stage="deliver", due_at=_epoch(e.data["timestamp"]))
        self._facts(c, rid, provider_id=e.data["provider_id"])

    def _on_DeliveryAttempted(self, c: Connection, e: FeedEvent, rid: str, v: int) -> None:
        self._work(
            c,
            rid,
            v,
            stage="deliver",
            due_at=_epoch(e.data["next_attempt_at"]),
            last_error=str(e.data.get("error", ""))[:500],
        )
        self._count(c, rid, referral_facts.c.failed_attempts)

    def _on_Delivered(self, c: Connection, e: FeedEvent, rid: str, v: int) -> None:
        self._work(c, rid, v, stage="done", due_at=_epoch(e.data["timestamp"]), last_error=None)
        self._facts(c, rid, delivered_at=_epoch(e.data["timestamp"]))

    def _on_DeliveryDeadLettered(self, c: Connection, e: FeedEvent, rid: str, v: int) -> None:
        self._work(
            c,
            rid,
            v,
            stage="done",
            due_at=_epoch(e.data["timestamp"]),
            last_error=str(e.data.get("reason", ""))[:500],
        )
        self._count(c, rid, referral_facts.c.dead_letters)

    def _on_RedeliveryRequested(self, c: Connection, e: FeedEvent, rid: str, v: int) -> None:
        self._work(c, rid, v, stage="deliver", due_at=_epoch(e.data["timestamp"]), last_error=None)

    def _on_ProviderStatusReported(self, c: Connection, e: FeedEvent, rid: str, v: int) -> None:
        status = e.data["status"]
        if status in ("accepted", "declined"):
            self._facts(c, rid, accepted=status == "accepted")

    def _on_ProviderDecisionIssued(self, c: Connection, e: FeedEvent, rid: str, v: int) -> None:
        self._facts(c, rid, outcome=e.data["outcome"], outcome_at=_epoch(e.data["timestamp"]))
