"""The gateway's delivery metrics, read from its tables when Prometheus scrapes.

- `redress_outbox_depth{stage}`: referrals still to prepare or deliver (`referral_work`).
- `redress_outbox_due{stage}`: of those, the ones due now and not leased by a worker.
- `redress_outbox_oldest_due_seconds`: how long the oldest due referral has waited.
- `redress_delivery_retries_total`: failed delivery attempts (each one is retried or ends in
  a dead letter), counted from the referral events by the worklist projection.
- `redress_deliveries_dead_lettered_total`: deliveries given up (until an operator asks for a
  redelivery).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from prometheus_client.core import Metric
from sqlalchemy import Engine, and_, case, func, or_, select

from libs.platform.runtime.metrics import DatabaseCollector, counter, gauge, single_gauge
from services.adr_gateway.tables import referral_facts, referral_work

STAGES = ("prepare", "deliver")


class DeliveryCollector(DatabaseCollector):
    name = "delivery"

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self._engine = engine
        self._clock = clock

    def read(self) -> Iterable[Metric]:
        now = self._clock()
        work = referral_work.c
        free = or_(work.lease_until.is_(None), work.lease_until < now)
        with self._engine.connect() as connection:
            depth = dict.fromkeys(STAGES, 0)
            due = dict.fromkeys(STAGES, 0)
            oldest: float | None = None
            for stage, total, ready, first_due in connection.execute(
                select(
                    work.stage,
                    func.count(),
                    func.sum(case((and_(work.due_at <= now, free), 1), else_=0)),
                    func.min(work.due_at),
                )
                .where(work.stage.in_(STAGES))
                .group_by(work.stage)
            ):
                depth[stage] = int(total)
                due[stage] = int(ready or 0)
                if first_due is not None and first_due <= now:
                    oldest = min(oldest if oldest is not None else first_due, first_due)
            retries, dead = connection.execute(
                select(
                    func.coalesce(func.sum(referral_facts.c.failed_attempts), 0),
                    func.coalesce(func.sum(referral_facts.c.dead_letters), 0),
                )
            ).one()
        return [
            gauge(
                "redress_outbox_depth",
                "Referrals waiting to be prepared or delivered",
                depth,
                "stage",
            ),
            gauge(
                "redress_outbox_due", "Referrals due now and not leased by a worker", due, "stage"
            ),
            single_gauge(
                "redress_outbox_oldest_due_seconds",
                "How long the oldest due referral has waited (0: none waiting)",
                max(0.0, now - oldest) if oldest is not None else 0.0,
            ),
            counter(
                "redress_delivery_retries",
                "Failed delivery attempts (retried or given up)",
                retries,
            ),
            counter(
                "redress_deliveries_dead_lettered",
                "Deliveries given up on (dead letters; an operator may redeliver)",
                dead,
            ),
        ]
