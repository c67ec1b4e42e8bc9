"""Writes a Merkle checkpoint of every chain head periodically, in the background.

A checkpoint is written only when events were recorded since the last one, so an idle
service adds nothing to the log. Operators can also write one on demand with
`redress checkpoint`.
"""

from __future__ import annotations

import structlog

from libs.platform.eventstore.integrity.audit import chain_recorder, write_checkpoint
from libs.platform.runtime.loop import BackgroundLoop
from services.complaints.application import ComplaintsApplication

log = structlog.get_logger()


class Checkpointer(BackgroundLoop):
    """Every `interval_seconds` (none when it is 0); a failed checkpoint is tried again at
    the next interval."""

    def __init__(self, application: ComplaintsApplication, interval_seconds: float) -> None:
        self._application = application
        super().__init__(
            "checkpointer", self._checkpoint, interval=interval_seconds, first_wait=None
        )

    def start(self) -> None:
        if self.interval > 0:
            super().start()

    def _checkpoint(self) -> None:
        record = write_checkpoint(chain_recorder(self._application.recorder))
        if record is not None:
            log.info("checkpoint written", seq=record.seq, root=record.root)
