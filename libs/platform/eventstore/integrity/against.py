"""Holding the database to a published checkpoint (`redress verify --all --against`).

The database's own checkpoint log can be cut: delete its newest rows, then the events they
anchored, and every chain and the log still add up. A checkpoint published outside the
database (the checkpoint log file, signed with the deployment key) cannot be taken back.
From the events alone, this re-derives every chain head as it stood at the published
checkpoint's position (events with notification id <= position) and the Merkle root over
them, and compares them with the published root. It also checks the published log itself
(each line's hash and signature, each line linked to the one before) and that the
database still holds every published checkpoint.

It names the aggregate and version that differ when it can: when the checkpoint's leaves
are still in the database and match the published root (they are then as good as
published). When they were deleted too, the root and the count of chains still differ, and
that is said instead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from libs.platform.eventstore.integrity.audit import checkpoint_hash
from libs.platform.eventstore.integrity.chain_writes import CheckpointRecord
from libs.platform.eventstore.integrity.hashchain import GENESIS, event_hash
from libs.platform.eventstore.integrity.merkle import Leaf, merkle_root
from libs.platform.eventstore.integrity.published_log import PublishedCheckpoint
from libs.platform.eventstore.integrity.recorders import HashChainRecorder
from libs.platform.eventstore.integrity.signed_checkpoints import (
    RECENT_SIGNATURES,
    header_bytes,
    signature_problem,
)
from libs.platform.signing.timestamps import token_imprint


@dataclass(frozen=True)
class Difference:
    """One chain that is not what the published checkpoint says it was."""

    originator_id: str
    published_version: int | None
    database_version: int | None
    what: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "originator_id": self.originator_id,
            "published_version": self.published_version,
            "database_version": self.database_version,
            "what": self.what,
        }


@dataclass
class AgainstReport:
    published: dict[str, Any] | None = None
    published_checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Events recorded after the published checkpoint's position: it does not cover them.
    events_after: int = 0
    root_now: str | None = None

    @property
    def valid(self) -> bool:
        return not self.problems and not self.differences

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "published": self.published,
            "published_checkpoints": self.published_checkpoints,
            "root_now": self.root_now,
            "problems": self.problems,
            "differences": [difference.as_dict() for difference in self.differences],
            "notes": self.notes,
            "events_after": self.events_after,
        }


@dataclass(frozen=True)
class DerivedHead:
    version: int
    hash: str
    missing_version: int | None  # the first version absent below `version`, if any


def heads_at(recorder: HashChainRecorder, position: int) -> dict[str, DerivedHead]:
    """Every chain's head re-derived from the stored events with notification id <=
    `position`, ignoring the recorded hashes."""
    heads: dict[str, DerivedHead] = {}
    current, prev, expected, missing = "", GENESIS, 1, None
    for event in recorder.scan_events_upto(position):
        if event.originator_id != current:
            current, prev, expected, missing = event.originator_id, GENESIS, 1, None
        if event.originator_version != expected and missing is None:
            missing = expected
        prev = event_hash(current, event.originator_version, event.topic, event.state, prev)
        expected = event.originator_version + 1
        heads[current] = DerivedHead(event.originator_version, prev, missing)
    return heads


def _sealed(header: dict[str, Any]) -> CheckpointRecord:
    return CheckpointRecord(
        seq=int(header["seq"]),
        created_at=datetime.fromisoformat(header["created_at"]),
        position=int(header["position"]),
        aggregates=int(header["aggregates"]),
        root=str(header["root"]),
        prev_hash=str(header["prev_hash"]),
        hash=str(header["hash"]),
    )


def _check_published_log(
    published: Sequence[PublishedCheckpoint],
    keys: Sequence[dict[str, Any]] | None,
    report: AgainstReport,
) -> None:
    """Each line's hash, each line linked to the one before; the signatures and tokens of
    the newest `RECENT_SIGNATURES` lines (through the links, they vouch for the rest)."""
    previous: PublishedCheckpoint | None = None
    unsigned = 0
    checked_from = len(published) - RECENT_SIGNATURES
    for index, line in enumerate(published):
        try:
            sealed = _sealed(line.header)
        except (KeyError, TypeError, ValueError) as error:
            report.problems.append(f"a published checkpoint lacks a field ({error})")
            continue
        if checkpoint_hash(sealed) != sealed.hash:
            report.problems.append(f"published checkpoint #{line.seq}'s hash does not match it")
        unsigned += line.jws is None
        if index >= checked_from:
            report.problems.extend(_line_proof_problems(line, keys))
        if previous is not None:
            if line.seq == previous.seq:
                report.problems.append(
                    f"the published log holds two different checkpoints #{line.seq}: the "
                    "database's log was cut and written again"
                )
            elif line.seq != previous.seq + 1 or line.header.get("prev_hash") != previous.hash:
                report.problems.append(
                    f"published checkpoint #{line.seq} does not follow #{previous.seq}"
                )
        previous = line
    if unsigned:
        report.notes.append(f"{unsigned} published checkpoints unsigned (written before signing)")


def _line_proof_problems(
    line: PublishedCheckpoint, keys: Sequence[dict[str, Any]] | None
) -> list[str]:
    problems: list[str] = []
    if line.jws is not None and keys is not None:
        problem = signature_problem(line.seq, line.header, line.jws, keys)
        if problem is not None:
            problems.append(f"published {problem}")
    if line.timestamp is not None:
        stamped = _timestamp_problem(line)
        if stamped is not None:
            problems.append(stamped)
    return problems


def _timestamp_problem(line: PublishedCheckpoint) -> str | None:
    """Whether the line's RFC 3161 token is over this header (the TSA's signature on it is
    checked with the TSA's certificate, e.g. `openssl ts -verify`: docs/proof-formats.md)."""
    assert line.timestamp is not None
    try:
        imprint = token_imprint(base64.b64decode(line.timestamp["token"]))
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        return f"published checkpoint #{line.seq}'s time-stamp token is unreadable ({error})"
    expected = hashlib.sha256(header_bytes(line.header)).hexdigest()
    if imprint.algorithm != "sha256" or imprint.digest != expected:
        return f"published checkpoint #{line.seq}'s time-stamp token is for other data"
    return None


def _check_database_holds(
    recorder: HashChainRecorder, published: Sequence[PublishedCheckpoint], report: AgainstReport
) -> None:
    held = {r.seq: r for r in recorder.select_checkpoints(from_seq=published[0].seq)}
    for line in published:
        record = held.get(line.seq)
        if record is None:
            report.problems.append(
                f"checkpoint #{line.seq} was published but is missing from the database "
                "(its row was deleted)"
            )
        elif record.hash != line.hash:
            report.problems.append(
                f"checkpoint #{line.seq} in the database differs from the published one "
                f"(root {record.root[:12]}… there, {str(line.header.get('root'))[:12]}… published)"
            )


def _name_differences(
    derived: dict[str, DerivedHead], anchored: dict[str, tuple[int, str]]
) -> list[Difference]:
    found: list[Difference] = []
    for oid in sorted({*derived, *anchored}):
        head, was = derived.get(oid), anchored.get(oid)
        if was is None:
            assert head is not None
            found.append(Difference(oid, None, head.version, "not in the published checkpoint"))
        elif head is None:
            found.append(
                Difference(
                    oid, was[0], None, f"removed: every event up to version {was[0]} is gone"
                )
            )
        elif head.version < was[0]:
            found.append(
                Difference(
                    oid,
                    was[0],
                    head.version,
                    f"truncated: {_versions(head.version + 1, was[0])} removed",
                )
            )
        elif head.version > was[0]:
            found.append(
                Difference(oid, was[0], head.version, "events added below the published position")
            )
        elif head.hash != was[1]:
            missing = (
                f" (version {head.missing_version} is missing)" if head.missing_version else ""
            )
            found.append(
                Difference(
                    oid,
                    was[0],
                    head.version,
                    f"rewritten: version {was[0]} or an earlier one differs{missing}",
                )
            )
    return found


def _versions(first: int, last: int) -> str:
    return f"version {first}" if first == last else f"versions {first} to {last}"


def verify_against(
    recorder: HashChainRecorder,
    published: Sequence[PublishedCheckpoint],
    keys: Sequence[dict[str, Any]] | None = None,
) -> AgainstReport:
    """The database held to the newest of the `published` checkpoints (and the published
    log to itself); signatures checked against the published `keys` when given."""
    report = AgainstReport(published_checkpoints=len(published))
    if not published:
        report.problems.append("the published log holds no checkpoint")
        return report
    newest = published[-1]
    report.published = newest.header
    _check_published_log(published, keys, report)
    if keys is None and any(line.jws for line in published):
        report.notes.append("signatures not checked: no published keys (give --keys)")
    _check_database_holds(recorder, published, report)
    position, root = int(newest.header["position"]), str(newest.header["root"])
    derived = heads_at(recorder, position)
    leaves = [Leaf(oid, head.version, head.hash) for oid, head in derived.items()]
    report.root_now = merkle_root(leaves)
    report.events_after = recorder.count_events_after(position)
    if report.root_now == root and len(leaves) == newest.header["aggregates"]:
        return report
    stored = [Leaf(*head) for head in recorder.checkpoint_leaves(newest.seq)]
    if stored and merkle_root(stored) == root:
        anchored = {leaf.originator_id: (leaf.version, leaf.hash) for leaf in stored}
        report.differences = _name_differences(derived, anchored)
    if not report.differences:
        report.problems.append(
            f"the events up to position {position} no longer make the published root of "
            f"checkpoint #{newest.seq} ({len(leaves)} chains now, "
            f"{newest.header['aggregates']} published); its heads are no longer in the "
            "database, so the chains that differ cannot be named"
        )
    return report
