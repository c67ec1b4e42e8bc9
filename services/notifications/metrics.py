"""The notifications' delivery metrics, read from their tables when Prometheus scrapes.

- `redress_timers_due`: notifications whose time has come, not yet claimed by a dispatcher.
- `redress_outbox_depth{stage}`: notifications still to send (`scheduled`, `retrying`).
- `redress_delivery_retries_total`: attempts that failed and will be tried again.
- `redress_deliveries_dead_lettered_total`: notifications given up on (`failed`).
- `redress_notifications{status}`: every notification by status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client.core import Metric
from sqlalchemy import Engine, func, or_, select

from libs.platform.runtime.metrics import DatabaseCollector, counter, gauge, single_gauge
from services.notifications.tables import delivery_attempts, notification_timers, notifications

OPEN = ("scheduled", "retrying")


class NotificationsCollector(DatabaseCollector):
    name = "notifications"

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self._engine = engine
        self._clock = clock

    def read(self) -> Iterable[Metric]:
        now = self._clock().timestamp()
        timers = notification_timers.c
        with self._engine.connect() as connection:
            due = connection.execute(
                select(func.count())
                .select_from(notification_timers)
                .where(
                    timers.due_at <= now,
                    or_(timers.claimed_until.is_(None), timers.claimed_until < now),
                )
            ).scalar_one()
            by_status: dict[str, int] = dict(
                connection.execute(
                    select(notifications.c.status, func.count()).group_by(notifications.c.status)
                ).all()
            )
            retries = connection.execute(
                select(func.count())
                .select_from(delivery_attempts)
                .where(delivery_attempts.c.outcome == "retry")
            ).scalar_one()
        return [
            single_gauge(
                "redress_timers_due", "Notifications due now and not claimed by a dispatcher", due
            ),
            gauge(
                "redress_outbox_depth",
                "Notifications waiting to be sent",
                {status: by_status.get(status, 0) for status in OPEN},
                "stage",
            ),
            gauge("redress_notifications", "Notifications by status", by_status, "status"),
            counter(
                "redress_delivery_retries", "Failed attempts that will be tried again", retries
            ),
            counter(
                "redress_deliveries_dead_lettered",
                "Notifications given up on (every retry used, or refused for good)",
                by_status.get("failed", 0),
            ),
        ]
