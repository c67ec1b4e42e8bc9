"""Publishing checkpoints outside the database: each one the database holds is appended to
the published log (`published_log`), with an RFC 3161 token when a time-stamping authority
is configured, and a new checkpoint is written only onto a log that agrees with what was
published.

The database is written first and the file after: a checkpoint the file lacks (the disk
was full, the process died between the two) is appended at the next run, and a token the
TSA could not give is asked for again then. What the file holds and the database does not
(its newest checkpoint rows deleted or rewritten) stops checkpointing with
`CheckpointLogDiverged`, logged at every interval until an operator looks: a checkpoint
chained onto a cut log would bless the cut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from libs.platform.eventstore.integrity.audit import write_checkpoint
from libs.platform.eventstore.integrity.chain_writes import CheckpointRecord
from libs.platform.eventstore.integrity.published_log import (
    TIMESTAMP_FORMAT,
    CheckpointLogFile,
    PublishedCheckpoint,
    published,
    timestamp_entry,
)
from libs.platform.eventstore.integrity.recorders import HashChainRecorder
from libs.platform.eventstore.integrity.signed_checkpoints import CheckpointSigner, header_bytes
from libs.platform.signing.timestamps import TimestampUnavailable, request_timestamp

log = structlog.get_logger()

Timestamper = Callable[[str, bytes], bytes]
"""(TSA url, data) → DER token over SHA-256 of data."""


class CheckpointLogDiverged(RuntimeError):
    """The database's checkpoint log no longer holds what was published."""


@dataclass
class Publication:
    """What one run appended, and the TSA failures it met (also in the file)."""

    appended: list[PublishedCheckpoint] = field(default_factory=list)
    timestamp_errors: list[str] = field(default_factory=list)


@dataclass
class CheckpointPublisher:
    log_file: CheckpointLogFile
    tsa_url: str | None = None
    timestamper: Timestamper = request_timestamp

    def publish(self, recorder: HashChainRecorder) -> Publication:
        """Appends the checkpoints the file lacks (a new file starts at the database's
        latest); asks again for the newest one's token if the TSA failed it before."""
        outcome = Publication()
        with self.log_file.locked() as file:
            newest = file.newest()
            if newest is None:
                pending = recorder.select_checkpoints(latest_only=True)
            else:
                held = recorder.select_checkpoints(from_seq=newest.seq)
                self._check_agreement(newest, held[0] if held else None)
                pending = held[1:]
            lines = [self._stamped(record, outcome) for record in pending]
            outcome.appended = lines
            if not lines and newest is not None and newest.timestamp is None and self.tsa_url:
                retried = self._retry_token(newest, outcome)
                file.append([retried] if retried else [])
            file.append([line.line() for line in lines])
        return outcome

    def _check_agreement(self, newest: PublishedCheckpoint, held: CheckpointRecord | None) -> None:
        if held is not None and held.hash == newest.hash:
            return
        state = "missing from" if held is None else "different in"
        raise CheckpointLogDiverged(
            f"checkpoint #{newest.seq}, published in {self.log_file.path}, is {state} the "
            "database: its checkpoint log was cut or rewritten (or restored from an older "
            f"backup); see redress verify --all --against {self.log_file.path}"
        )

    def _token(self, header: dict[str, object]) -> bytes:
        assert self.tsa_url is not None
        return self.timestamper(self.tsa_url, header_bytes(header))

    def _stamped(self, record: CheckpointRecord, outcome: Publication) -> PublishedCheckpoint:
        if not self.tsa_url:
            return published(record)
        try:
            token = self._token(record.header())
        except TimestampUnavailable as error:
            # The checkpoint is published without its token; the next run asks again.
            outcome.timestamp_errors.append(str(error))
            log.warning("checkpoint not time-stamped", seq=record.seq, error=str(error))
            return published(record, timestamp_error=str(error))
        return published(record, timestamp=timestamp_entry(self.tsa_url, token))

    def _retry_token(
        self, newest: PublishedCheckpoint, outcome: Publication
    ) -> dict[str, object] | None:
        assert self.tsa_url is not None
        try:
            token = self._token(newest.header)
        except TimestampUnavailable as error:
            outcome.timestamp_errors.append(str(error))
            log.warning("checkpoint still not time-stamped", seq=newest.seq, error=str(error))
            return None
        return {
            "format": TIMESTAMP_FORMAT,
            "seq": newest.seq,
            "hash": newest.hash,
            "timestamp": timestamp_entry(self.tsa_url, token),
        }


def write_and_publish(
    recorder: HashChainRecorder,
    publisher: CheckpointPublisher,
    sign: CheckpointSigner,
    *,
    force: bool = False,
) -> tuple[CheckpointRecord | None, Publication]:
    """Catches the published log up (refusing a database that lost what was published),
    writes a signed checkpoint when anything changed (or `force`), and publishes it."""
    earlier = publisher.publish(recorder)
    record = write_checkpoint(recorder, force=force, sign=sign)
    later = publisher.publish(recorder) if record is not None else Publication()
    return record, Publication(
        earlier.appended + later.appended, earlier.timestamp_errors + later.timestamp_errors
    )
