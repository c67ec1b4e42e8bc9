"""Tamper evidence: a SHA-256 hash chain over each aggregate's stored events.

Each stored event gets a hash over the canonical JSON of what was stored — its originator
id, version, topic and state bytes (base64), plus the hash of the aggregate's previous
event. Hashing the stored form (not the decoded event) means that upcasting, a new
transcoder or a code change never alters a hash: only a change to the stored row does.

This module is pure: hashing and verification take values and return values. The recorders
that write the chain in the events' own transaction are in `chain_recorders`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

GENESIS = "0" * 64
"""The `prev_hash` of an aggregate's first event."""


class StoredEventLike(Protocol):
    @property
    def originator_id(self) -> UUID | str: ...

    @property
    def originator_version(self) -> int: ...

    @property
    def topic(self) -> str: ...

    @property
    def state(self) -> bytes: ...


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: one byte string per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_event(
    originator_id: UUID | str, version: int, topic: str, state: bytes, prev_hash: str
) -> dict[str, Any]:
    """The document that is hashed for one stored event."""
    return {
        "originator_id": str(originator_id),
        "originator_version": version,
        "prev_hash": prev_hash,
        "state": base64.b64encode(state).decode("ascii"),
        "topic": topic,
    }


_TOPIC_JSON: dict[str, str] = {}


def _topic_json(topic: str) -> str:
    # Topics repeat endlessly (one per event class), so their JSON form is cached.
    encoded = _TOPIC_JSON.get(topic)
    if encoded is None:
        encoded = json.dumps(topic, ensure_ascii=False)
        if len(_TOPIC_JSON) < 10_000:
            _TOPIC_JSON[topic] = encoded
    return encoded


def event_hash(
    originator_id: UUID | str, version: int, topic: str, state: bytes, prev_hash: str
) -> str:
    """SHA-256 (hex) of `canonical_json(canonical_event(...))`.

    Written out by hand because verification hashes hundreds of thousands of events: the
    keys are fixed and sorted, ids are UUIDs, versions integers, hashes hex and base64 needs
    no escaping, so this is byte for byte what `canonical_json` gives (a test holds it to
    that), at a fraction of the cost.
    """
    document = (
        f'{{"originator_id":"{originator_id}","originator_version":{int(version)},'
        f'"prev_hash":"{prev_hash}","state":"{base64.b64encode(state).decode("ascii")}",'
        f'"topic":{_topic_json(topic)}}}'
    )
    return hashlib.sha256(document.encode()).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """The recorded hash of one event."""

    originator_id: UUID | str
    originator_version: int
    hash: str
    prev_hash: str


def link_events(
    stored_events: Iterable[StoredEventLike], previous: Mapping[tuple[str, int], str]
) -> list[ChainLink]:
    """Hashes a batch of new events, which may hold several aggregates and several events
    of one aggregate. `previous` gives the recorded hash of each aggregate's event just
    before the batch, keyed by (str(originator_id), version)."""
    known = dict(previous)
    links: list[ChainLink] = []
    for event in sorted(stored_events, key=lambda e: (str(e.originator_id), e.originator_version)):
        key = str(event.originator_id)
        version = event.originator_version
        prev = GENESIS if version == 1 else known.get((key, version - 1))
        if prev is None:
            raise MissingPredecessor(key, version - 1)
        digest = event_hash(event.originator_id, version, event.topic, event.state, prev)
        known[(key, version)] = digest
        links.append(ChainLink(event.originator_id, version, digest, prev))
    return links


class MissingPredecessor(LookupError):
    """The hash of the event before a new one is not recorded (e.g. it predates the chain)."""

    def __init__(self, originator_id: str, version: int) -> None:
        super().__init__(f"no recorded hash for {originator_id} version {version}")
        self.originator_id = originator_id
        self.version = version


def predecessors_needed(stored_events: Iterable[StoredEventLike]) -> set[tuple[str, int]]:
    """The (aggregate, version) pairs whose recorded hashes a batch of new events needs."""
    events = list(stored_events)
    in_batch = {(str(e.originator_id), e.originator_version) for e in events}
    return {
        (str(e.originator_id), e.originator_version - 1)
        for e in events
        if e.originator_version > 1
        and (str(e.originator_id), e.originator_version - 1) not in in_batch
    }


# -- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """Where a checkpoint says an aggregate's chain stood."""

    checkpoint: int
    version: int
    hash: str


@dataclass
class ChainVerdict:
    """The result of re-deriving one aggregate's chain from its stored events."""

    originator_id: str
    valid: bool = True
    events: int = 0
    head_version: int = 0
    head_hash: str = GENESIS
    first_bad_version: int | None = None
    reason: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, version: int, reason: str, kind: str) -> None:
        self.problems.append({"version": version, "kind": kind, "reason": reason})
        if self.valid:
            self.valid = False
            self.first_bad_version = version
            self.reason = reason

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "events": self.events,
            "head_version": self.head_version,
            "head_hash": self.head_hash,
            "first_bad_version": self.first_bad_version,
            "reason": self.reason,
            "problems": self.problems,
        }


MAX_PROBLEMS = 20


def verify_chain(
    originator_id: UUID | str,
    stored_events: Sequence[StoredEventLike],
    recorded: Mapping[int, tuple[str, str]],
    anchor: Anchor | None = None,
    recorded_head: int | None = None,
) -> ChainVerdict:
    """Re-derives the chain from `stored_events` (in version order) and compares it with
    the hashes `recorded` when they were written ({version: (hash, prev_hash)}).

    Each row is checked against its own recorded hash, and each recorded hash against the
    one before it, so a failure is pinned to the rows at fault rather than to everything
    after them. The first failure is the verdict's `first_bad_version` and `reason`; a few
    more are listed under `problems` so an auditor sees the extent of the damage. A
    checkpoint `anchor` catches what per-event hashes cannot: rows and their hashes
    rewritten or removed together.
    """
    verdict = ChainVerdict(str(originator_id))
    prev = GENESIS
    expected_version = 1
    derived: dict[int, str] = {}
    altered: list[StoredEventLike] = []
    for event in stored_events:
        version = event.originator_version
        if version > expected_version:
            missing = (
                f"version {expected_version} is"
                if version == expected_version + 1
                else f"versions {expected_version} to {version - 1} are"
            )
            verdict.fail(
                expected_version, f"{missing} missing from the stored events (deleted)", "missing"
            )
        digest = event_hash(originator_id, version, event.topic, event.state, prev)
        derived[version] = digest
        record = recorded.get(version)
        if record is None:
            verdict.fail(
                version,
                f"version {version} has no recorded hash: it was not written by the "
                "application (inserted directly) or its hash was removed",
                "unrecorded",
            )
        elif record[0] != digest:
            recorded_hash, recorded_prev = record
            if event_hash(originator_id, version, event.topic, event.state, recorded_prev) != (
                recorded_hash
            ):
                altered.append(event)
            else:
                expected_prev = GENESIS if version == 1 else recorded.get(version - 1, ("",))[0]
                if recorded_prev != expected_prev:
                    verdict.fail(
                        version,
                        f"the recorded hash of version {version} does not link to the one "
                        "before it: the chain's records were rewritten",
                        "relinked",
                    )
        verdict.events += 1
        verdict.head_version = version
        verdict.head_hash = digest
        prev = digest
        expected_version = version + 1
    for event in altered:
        verdict.fail(
            event.originator_version,
            _why_altered(originator_id, event, altered, recorded),
            "altered",
        )
    beyond = sorted(v for v in recorded if v > verdict.head_version)
    if recorded_head is not None and recorded_head > verdict.head_version:
        # A bulk scan knows only the highest recorded version beyond the stored events.
        beyond = sorted({*beyond, verdict.head_version + 1, recorded_head})
    if beyond:
        span = (
            f"version {beyond[0]} was"
            if len(beyond) == 1
            else (f"versions {beyond[0]} to {beyond[-1]} were")
        )
        verdict.fail(
            beyond[0],
            f"{span} recorded but are missing from the stored events (deleted)",
            "missing",
        )
    if anchor is not None:
        _check_anchor(verdict, derived, anchor)
    verdict.problems.sort(key=lambda problem: int(problem["version"]))
    verdict.problems = verdict.problems[:MAX_PROBLEMS]
    if verdict.problems:
        verdict.first_bad_version = int(verdict.problems[0]["version"])
        verdict.reason = str(verdict.problems[0]["reason"])
    return verdict


def _why_altered(
    originator_id: UUID | str,
    event: StoredEventLike,
    altered: Sequence[StoredEventLike],
    recorded: Mapping[int, tuple[str, str]],
) -> str:
    version = event.originator_version
    # Two rows whose contents were exchanged each carry the other's recorded content.
    for other in altered[:MAX_PROBLEMS]:
        theirs = other.originator_version
        if theirs != version and theirs in recorded:
            recorded_hash, recorded_prev = recorded[theirs]
            if event_hash(originator_id, theirs, event.topic, event.state, recorded_prev) == (
                recorded_hash
            ):
                return (
                    f"version {version} holds the content recorded as version {theirs}: "
                    "the events were swapped or reordered"
                )
    return (
        f"the stored content of version {version} (topic or data) does not match the hash "
        "recorded when it was written: it was altered"
    )


def _check_anchor(verdict: ChainVerdict, derived: Mapping[int, str], anchor: Anchor) -> None:
    at_anchor = derived.get(anchor.version)
    if verdict.events == 0:
        verdict.fail(
            1,
            f"checkpoint #{anchor.checkpoint} anchored this aggregate at version "
            f"{anchor.version}, but none of its events are stored (deleted)",
            "deleted",
        )
    elif at_anchor is None:
        verdict.fail(
            anchor.version,
            f"checkpoint #{anchor.checkpoint} anchored version {anchor.version}, which is "
            "no longer stored (deleted)",
            "checkpoint",
        )
    elif at_anchor != anchor.hash:
        verdict.fail(
            anchor.version,
            f"the chain up to version {anchor.version} differs from the head hash anchored "
            f"in checkpoint #{anchor.checkpoint}: the history was rewritten",
            "checkpoint",
        )
