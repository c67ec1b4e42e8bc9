"""Writes a signed Merkle checkpoint of every chain head periodically, in the background,
and publishes it outside the database (the checkpoint log file, and a time-stamping
authority when one is configured).

A checkpoint is written only when events were recorded since the last one, so an idle
service adds nothing to the log. Operators can also write one on demand with
`redress checkpoint`. The events not yet anchored are thus at most one interval
(`REDRESS_CHECKPOINT_INTERVAL_SECONDS`) old while this runs; `/metrics` and `redress verify`
report the gap.
"""

from __future__ import annotations

import structlog

from libs.platform.eventstore.integrity.audit import chain_recorder
from libs.platform.eventstore.integrity.chain_writes import CheckpointRecord
from libs.platform.eventstore.integrity.published_log import CheckpointLogFile
from libs.platform.eventstore.integrity.publisher import (
    CheckpointLogDiverged,
    CheckpointPublisher,
    Publication,
    write_and_publish,
)
from libs.platform.eventstore.integrity.signed_checkpoints import signer_for
from libs.platform.runtime.loop import BackgroundLoop
from libs.platform.signing.keys import SigningKeyStore
from services.complaints.application import ComplaintsApplication
from services.complaints.settings import ComplaintsSettings

log = structlog.get_logger()


def checkpoint_publisher(settings: ComplaintsSettings) -> CheckpointPublisher:
    return CheckpointPublisher(
        CheckpointLogFile(settings.checkpoint_log), tsa_url=settings.checkpoint_tsa_url or None
    )


def write_signed_checkpoint(
    application: ComplaintsApplication,
    settings: ComplaintsSettings,
    *,
    force: bool = False,
    keys: SigningKeyStore | None = None,
) -> tuple[CheckpointRecord | None, Publication]:
    """A checkpoint signed with the deployment key (made on first use), in the database and
    in the published log."""
    key = (keys or SigningKeyStore()).load_or_create()
    return write_and_publish(
        chain_recorder(application.recorder),
        checkpoint_publisher(settings),
        signer_for(key),
        force=force,
    )


class Checkpointer(BackgroundLoop):
    """Every `checkpoint_interval_seconds` (none when it is 0); a failed checkpoint, or a
    published log that no longer matches the database, is logged and tried again at the
    next interval."""

    def __init__(self, application: ComplaintsApplication, settings: ComplaintsSettings) -> None:
        self._application = application
        self._settings = settings
        super().__init__(
            "checkpointer",
            self._checkpoint,
            interval=settings.checkpoint_interval_seconds,
            first_wait=None,
        )

    def start(self) -> None:
        if self.interval > 0:
            super().start()

    def _checkpoint(self) -> None:
        try:
            record, _ = write_signed_checkpoint(self._application, self._settings)
        except CheckpointLogDiverged as error:
            # Someone cut or rewrote the database's checkpoint log: say so loudly, and
            # chain nothing onto it (the loop retries, and says so again, each interval).
            log.error("checkpoint log diverged from the published log", error=str(error))
            raise
        if record is not None:
            log.info("checkpoint written", seq=record.seq, root=record.root)
