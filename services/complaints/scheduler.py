"""The deadline scheduler: records `DeadlineApproaching` and `DeadlineMissed` when their time
comes, exactly once, across restarts and with several processes running.

Due timers are a read model (`deadline_timers`, kept by the list projection). A loop claims
due timers — `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two processes take different
ones; SQLite serialises writers, so a claim there is one conditional UPDATE — and records
the alert with a command id derived from the timer. Should two processes ever fire the
same timer (a claim that outlived its lease, a crash after recording but before marking),
the complaint recognises the command id and records nothing twice. The clock is injected,
so tests move time instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog
from sqlalchemy import Engine, and_, or_, select, update

from libs.domain.values import CommandContext
from libs.platform.runtime.loop import BackgroundLoop
from services.complaints.application import ComplaintNotFound, ComplaintsApplication
from services.complaints.policy import ComplaintPolicy
from services.complaints.readmodel.queries import as_utc
from services.complaints.readmodel.rows import MISSED
from services.complaints.readmodel.tables import deadline_timers
from services.complaints.use_cases.commands import RecordDeadlineAlert
from services.complaints.use_cases.deadlines import record_deadline_alert

log = structlog.get_logger()

Clock = Callable[[], datetime]
CLAIM_LEASE = timedelta(minutes=2)
CLAIM_BATCH = 100
ACTOR = "system:deadline-scheduler"


@dataclass(frozen=True)
class Timer:
    complaint_id: str
    deadline: str
    alert: str
    due_at: datetime


class DeadlineScheduler:
    def __init__(
        self,
        application: ComplaintsApplication,
        engine: Engine,
        policy: ComplaintPolicy,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._application = application
        self._engine = engine
        self._policy = policy
        self.clock = clock

    def fire_due(self) -> int:
        """Fires every timer due by now; returns how many alerts it recorded."""
        recorded = 0
        while True:
            now = as_utc(self.clock())
            timers = self._claim(now)
            if not timers:
                return recorded
            for timer in timers:
                recorded += self._fire(timer, now)
                self._mark_fired(timer, now)

    def due_count(self) -> int:
        now = as_utc(self.clock())
        with self._engine.connect() as connection:
            return len(connection.execute(self._due(now).limit(10_000)).all())

    def _due(self, now: datetime):  # type: ignore[no-untyped-def]
        table = deadline_timers
        return select(table.c.complaint_id, table.c.deadline, table.c.alert, table.c.due_at).where(
            and_(
                table.c.fired_at.is_(None),
                table.c.fire_at <= now,
                or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
            )
        )

    def _claim(self, now: datetime) -> list[Timer]:
        table = deadline_timers
        query = self._due(now).order_by(table.c.fire_at).limit(CLAIM_BATCH)
        if self._engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with self._engine.begin() as connection:
            timers = [Timer(*row) for row in connection.execute(query)]
            claimed = []
            for timer in timers:
                taken = connection.execute(
                    update(table)
                    .where(_is(timer))
                    .where(table.c.fired_at.is_(None))
                    .where(or_(table.c.claimed_until.is_(None), table.c.claimed_until < now))
                    .values(claimed_until=now + CLAIM_LEASE)
                ).rowcount
                if taken:
                    claimed.append(timer)
        return claimed

    def _fire(self, timer: Timer, now: datetime) -> int:
        missed = timer.alert == MISSED
        due_at = as_utc(timer.due_at)
        if not missed and now > due_at:
            return 0  # too late to warn; the missed alert says it all
        context = CommandContext(
            actor=ACTOR,
            actor_role="service",
            correlation_id=f"deadline:{timer.complaint_id}",
            occurred_at=now,
            command_id=f"deadline:{timer.deadline}:{timer.alert}:{due_at.isoformat()}",
        )
        alert = RecordDeadlineAlert(
            complaint_id=UUID(timer.complaint_id),
            deadline=timer.deadline,
            due_at=due_at,
            missed=missed,
        )
        try:
            recorded = record_deadline_alert(self._application, self._policy, alert, context)
        except ComplaintNotFound:
            return 0
        return 1 if recorded else 0

    def _mark_fired(self, timer: Timer, now: datetime) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(deadline_timers).where(_is(timer)).values(fired_at=now, claimed_until=None)
            )


def _is(timer: Timer):  # type: ignore[no-untyped-def]
    table = deadline_timers
    return and_(
        table.c.complaint_id == timer.complaint_id,
        table.c.deadline == timer.deadline,
        table.c.alert == timer.alert,
        table.c.due_at == timer.due_at,
    )


class SchedulerRunner(BackgroundLoop):
    """Polls the scheduler on a background thread; a failed pass (the database away) is
    logged and tried again at the next poll."""

    def __init__(self, scheduler: DeadlineScheduler, poll_seconds: float) -> None:
        self._scheduler = scheduler
        super().__init__(
            "deadline-scheduler",
            self._fire_due,
            interval=poll_seconds,
            first_wait=None,
            join_timeout=5,
        )

    def _fire_due(self) -> None:
        self._scheduler.fire_due()
