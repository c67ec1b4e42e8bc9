"""Writes a Merkle checkpoint of every chain head periodically, in the background.

A checkpoint is written only when events were recorded since the last one, so an idle
service adds nothing to the log. Operators can also write one on demand with
`redress checkpoint`.
"""

from __future__ import annotations

import threading

import structlog

from libs.platform.eventstore.integrity.audit import chain_recorder, write_checkpoint
from services.complaints.application import ComplaintsApplication

log = structlog.get_logger()


class Checkpointer:
    def __init__(self, application: ComplaintsApplication, interval_seconds: float) -> None:
        self._application = application
        self._interval = interval_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="checkpointer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                record = write_checkpoint(chain_recorder(self._application.recorder))
            except Exception:  # a failed checkpoint is retried at the next interval
                log.exception("checkpoint failed")
                continue
            if record is not None:
                log.info("checkpoint written", seq=record.seq, root=record.root)
