"""What no checkpoint anchors yet: the events recorded since the latest checkpoint, and how
long ago it was written.

Events newer than the latest checkpoint are protected only by their hash chain, which
whoever administers the database can recompute; once a checkpoint (signed, and written
outside the database) covers them, they are not. The gap is bounded by the checkpoint
interval (`REDRESS_CHECKPOINT_INTERVAL_SECONDS`) while the checkpointer runs, and reported
by `/metrics` and `redress verify` so that a stalled checkpointer is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from libs.platform.eventstore.integrity.chain_writes import CheckpointRecord


class _CountsEvents(Protocol):
    def count_events_after(self, position: int) -> int: ...


@dataclass(frozen=True)
class CheckpointGap:
    events_since_checkpoint: int
    #: None when no checkpoint was ever written.
    seconds_since_checkpoint: float | None
    checkpoint_seq: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "events_since_checkpoint": self.events_since_checkpoint,
            "seconds_since_checkpoint": (
                None
                if self.seconds_since_checkpoint is None
                else round(self.seconds_since_checkpoint, 3)
            ),
            "checkpoint_seq": self.checkpoint_seq,
        }


def checkpoint_gap(
    recorder: _CountsEvents, latest: CheckpointRecord | None, now: datetime | None = None
) -> CheckpointGap:
    if latest is None:
        return CheckpointGap(recorder.count_events_after(0), None, None)
    elapsed = ((now or datetime.now(UTC)) - latest.created_at).total_seconds()
    return CheckpointGap(recorder.count_events_after(latest.position), elapsed, latest.seq)
