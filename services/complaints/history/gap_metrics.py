"""`/metrics` on what no checkpoint anchors yet (see `libs.platform.eventstore.integrity.gap`):

- `redress_events_since_checkpoint`: events recorded after the latest checkpoint's position;
- `redress_seconds_since_checkpoint`: how long ago the latest checkpoint was written (absent
  before the first).

While the checkpointer runs, an event waits at most `REDRESS_CHECKPOINT_INTERVAL_SECONDS`
to be anchored: alert when events are waiting and the checkpoint is older than that (plus
a margin), which means the checkpointer has stalled or refuses a diverged log.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import Metric

from libs.platform.eventstore.integrity.audit import chain_recorder
from libs.platform.eventstore.integrity.gap import checkpoint_gap
from libs.platform.runtime.metrics import DatabaseCollector, single_gauge
from services.complaints.application import ComplaintsApplication


class CheckpointGapCollector(DatabaseCollector):
    name = "checkpoints"

    def __init__(self, application: ComplaintsApplication) -> None:
        super().__init__()
        self._application = application

    def read(self) -> Iterable[Metric]:
        recorder = chain_recorder(self._application.recorder)
        latest = recorder.select_checkpoints(latest_only=True)
        gap = checkpoint_gap(recorder, latest[0] if latest else None)
        metrics = [
            single_gauge(
                "redress_events_since_checkpoint",
                "Events recorded since the latest checkpoint (not yet anchored)",
                gap.events_since_checkpoint,
            )
        ]
        if gap.seconds_since_checkpoint is not None:
            metrics.append(
                single_gauge(
                    "redress_seconds_since_checkpoint",
                    "Seconds since the latest checkpoint was written",
                    gap.seconds_since_checkpoint,
                )
            )
        return metrics
