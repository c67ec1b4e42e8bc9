"""Verification of the stored history and the Merkle checkpoint log.

`verify_aggregate` re-derives one aggregate's chain; `verify_all` streams the whole events
table once and re-derives every chain (the bulk path: one read, no per-aggregate queries);
`write_checkpoint` anchors every chain head under one Merkle root, chained to the previous
checkpoint, so that even a complaint deleted with all its hashes is noticed.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from libs.platform.eventstore.integrity.gap import CheckpointGap, checkpoint_gap
from libs.platform.eventstore.integrity.hashchain import (
    GENESIS,
    Anchor,
    ChainVerdict,
    canonical_json,
    verify_chain,
)
from libs.platform.eventstore.integrity.merkle import Leaf, merkle_root
from libs.platform.eventstore.integrity.recorders import (
    CheckpointRecord,
    HashChainPostgresRecorder,
    HashChainRecorder,
    HashChainSQLiteRecorder,
)
from libs.platform.eventstore.integrity.signed_checkpoints import (
    CheckpointSigner,
    header_bytes,
    signature_problems,
)

Progress = Callable[[int, int], None]


class NotTamperEvident(RuntimeError):
    """The application's recorder does not keep a hash chain."""


def chain_recorder(recorder: object) -> HashChainRecorder:
    if not isinstance(recorder, (HashChainSQLiteRecorder, HashChainPostgresRecorder)):
        raise NotTamperEvident(
            f"the event store's recorder ({type(recorder).__name__}) keeps no hash chain; "
            "build the application with libs.platform.eventstore.application.event_store_env"
        )
    return recorder


def aggregate_type(topic: str) -> str:
    """`libs.domain.complaint:Complaint.ComplaintReceived` → `Complaint`."""
    return topic.partition(":")[2].split(".", 1)[0] or topic


def verify_aggregate(recorder: HashChainRecorder, originator_id: UUID | str) -> ChainVerdict:
    events = recorder.select_events(originator_id)
    recorded = recorder.select_chain(originator_id)
    anchored = recorder.latest_anchor(originator_id)
    anchor = Anchor(*anchored) if anchored else None
    return verify_chain(originator_id, events, recorded, anchor)


# -- the checkpoint log ---------------------------------------------------------------------


def checkpoint_hash(record: CheckpointRecord) -> str:
    """What seals a checkpoint: the hash of every field of it but the hash itself."""
    return hashlib.sha256(canonical_json(record.sealed_fields())).hexdigest()


def write_checkpoint(
    recorder: HashChainRecorder,
    *,
    force: bool = False,
    now: datetime | None = None,
    sign: CheckpointSigner | None = None,
) -> CheckpointRecord | None:
    """Anchors the head of every chain, signed with `sign` when given. Returns None when
    nothing was recorded since the last checkpoint (unless `force`)."""
    latest = recorder.select_checkpoints(latest_only=True)
    previous = latest[0] if latest else None
    # The cheap question first: an idle service reads no heads.
    idle = previous is not None and (recorder.max_notification_id() or 0) == previous.position
    if idle and not force:
        return None
    # The position and the heads from one snapshot: `verify --against` re-derives the heads
    # from the events up to the position, and a write between two reads would differ.
    position, heads = recorder.snapshot_heads()
    leaves = [Leaf(oid, version, digest) for oid, (version, digest) in heads.items()]
    unsealed = CheckpointRecord(
        seq=previous.seq + 1 if previous else 1,
        created_at=(now or datetime.now(UTC)).astimezone(UTC),
        position=position,
        aggregates=len(leaves),
        root=merkle_root(leaves),
        prev_hash=previous.hash if previous else GENESIS,
        hash="",
    )
    record = replace(unsealed, hash=checkpoint_hash(unsealed))
    if sign is not None:
        record = replace(record, jws=sign(header_bytes(record.header())))
    recorder.insert_checkpoint(
        record, [(leaf.originator_id, leaf.version, leaf.hash) for leaf in sorted(leaves)]
    )
    return record


def verify_checkpoint_log(
    recorder: HashChainRecorder,
    keys: Sequence[dict[str, Any]] | None = None,
    checkpoints: list[CheckpointRecord] | None = None,
) -> list[str]:
    """Problems with the checkpoint log itself: a header altered, removed or reordered, a
    signature that does not verify against the published `keys` (when given) or that was
    removed, or the latest checkpoint's leaves no longer matching its root."""
    problems: list[str] = []
    prev_hash = GENESIS
    expected_seq = 1
    if checkpoints is None:
        checkpoints = recorder.select_checkpoints()
    for record in checkpoints:
        if record.seq != expected_seq:
            problems.append(f"checkpoint #{expected_seq} is missing from the checkpoint log")
        if record.prev_hash != prev_hash:
            problems.append(f"checkpoint #{record.seq} does not link to the checkpoint before it")
        if checkpoint_hash(record) != record.hash:
            problems.append(f"checkpoint #{record.seq} was altered (its hash does not match)")
        prev_hash = record.hash
        expected_seq = record.seq + 1
    problems.extend(signature_problems(checkpoints, keys)[0])
    if checkpoints:
        latest = checkpoints[-1]
        leaves = [Leaf(*head) for head in recorder.checkpoint_leaves(latest.seq)]
        if len(leaves) != latest.aggregates or merkle_root(leaves) != latest.root:
            problems.append(
                f"the heads stored for checkpoint #{latest.seq} no longer match its Merkle root"
            )
    return problems


# -- everything at once ---------------------------------------------------------------------


@dataclass
class AuditReport:
    aggregates: int = 0
    events: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    failures: list[ChainVerdict] = field(default_factory=list)
    checkpoint: CheckpointRecord | None = None
    checkpoint_problems: list[str] = field(default_factory=list)
    #: Checkpoints written before checkpoints were signed (reported, not invalid).
    unsigned_checkpoints: int = 0
    #: Whether signatures were checked against the deployment's published keys.
    signatures_checked: bool = False
    #: What is not anchored yet: see `gap.CheckpointGap`.
    gap: CheckpointGap | None = None
    seconds: float = 0.0

    @property
    def valid(self) -> bool:
        return not self.failures and not self.checkpoint_problems

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "aggregates": self.aggregates,
            "events": self.events,
            "by_type": dict(self.by_type),
            "failures": [
                {"originator_id": verdict.originator_id, **verdict.as_dict()}
                for verdict in self.failures
            ],
            "checkpoint": self.checkpoint.as_dict() if self.checkpoint else None,
            "checkpoint_problems": self.checkpoint_problems,
            "unsigned_checkpoints": self.unsigned_checkpoints,
            "signatures_checked": self.signatures_checked,
            "gap": self.gap.as_dict() if self.gap else None,
            "seconds": round(self.seconds, 3),
        }


def verify_all(
    recorder: HashChainRecorder,
    progress: Progress | None = None,
    keys: Sequence[dict[str, Any]] | None = None,
) -> AuditReport:
    """Re-derives every chain in one streamed read of the events table, and checks each
    against the latest checkpoint (and every checkpoint's signature against the published
    `keys`, when given)."""
    started = time.perf_counter()
    report = AuditReport(signatures_checked=keys is not None)
    # Heads and anchors are read before the scan: whatever is written during the scan is
    # then either seen whole (event and hash commit together) or not at all.
    heads = recorder.recorded_heads()
    latest = recorder.select_checkpoints(latest_only=True)
    report.checkpoint = latest[0] if latest else None
    anchors: dict[str, Anchor] = {}
    if report.checkpoint is not None:
        seq = report.checkpoint.seq
        anchors = {
            oid: Anchor(seq, version, digest)
            for oid, version, digest in recorder.checkpoint_leaves(seq)
        }
    total = recorder.count_events()
    done = 0
    for scanned in recorder.scan_chains():
        oid = scanned.originator_id
        head = heads.pop(oid, None)
        verdict = verify_chain(
            oid,
            scanned.events,
            scanned.recorded,
            anchors.pop(oid, None),
            recorded_head=head[0] if head else None,
        )
        report.aggregates += 1
        report.events += verdict.events
        report.by_type[aggregate_type(scanned.events[0].topic)] += 1
        if not verdict.valid:
            report.failures.append(verdict)
        done += len(scanned.events)
        if progress is not None and report.aggregates % 500 == 0:
            progress(done, total)
    # What has hashes or an anchor but no stored events at all was deleted outright.
    for oid in sorted({*heads, *anchors}):
        head = heads.get(oid)
        verdict = verify_chain(
            oid, [], {}, anchors.get(oid), recorded_head=head[0] if head else None
        )
        report.aggregates += 1
        report.failures.append(verdict)
    checkpoints = recorder.select_checkpoints()
    report.checkpoint_problems = verify_checkpoint_log(recorder, keys, checkpoints)
    report.unsigned_checkpoints = signature_problems(checkpoints, None)[1]
    report.gap = checkpoint_gap(recorder, report.checkpoint)
    report.seconds = time.perf_counter() - started
    if progress is not None:
        progress(done, total)
    return report
