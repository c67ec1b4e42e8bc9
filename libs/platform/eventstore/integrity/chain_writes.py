"""What the hash-chain recorders of both databases share: the shapes of a scan and of a
checkpoint, and how a batch of new events is linked onto the chain heads (`WritesChain`).

The recorders themselves live one per database (`sqlite_recorder`, `postgres_recorder`);
`recorders` selects them and describes the three tables beside the events table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from eventsourcing.persistence import StoredEvent

from libs.platform.eventstore.integrity.chain_heads import KnownHeads
from libs.platform.eventstore.integrity.hashchain import (
    GENESIS,
    ChainLink,
    event_hash,
    link_events,
    predecessors_needed,
)

SCAN_BATCH = 5000


class ScannedEvent(NamedTuple):
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class ScannedAggregate:
    """One aggregate's stored events with the hashes recorded for them."""

    originator_id: str
    events: list[ScannedEvent]
    recorded: dict[int, tuple[str, str]]


@dataclass(frozen=True)
class CheckpointRecord:
    seq: int
    created_at: datetime
    position: int
    aggregates: int
    root: str
    prev_hash: str
    hash: str
    #: The deployment key's JWS over `header()` (docs/proof-formats.md, "Checkpoints");
    #: None for a checkpoint written before checkpoints were signed.
    jws: str | None = None

    def sealed_fields(self) -> dict[str, Any]:
        """What the checkpoint's hash covers: every field but the hash and the signature."""
        return {
            "aggregates": self.aggregates,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
            "position": self.position,
            "prev_hash": self.prev_hash,
            "root": self.root,
            "seq": self.seq,
        }

    def header(self) -> dict[str, Any]:
        """What the signature covers and the published log carries: the sealed fields
        and the hash."""
        return {**self.sealed_fields(), "hash": self.hash}

    def columns(self) -> tuple[int, datetime, int, int, str, str, str, str | None]:
        """The checkpoint log's row, in the table's column order."""
        return (
            self.seq,
            self.created_at,
            self.position,
            self.aggregates,
            self.root,
            self.prev_hash,
            self.hash,
            self.jws,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "created_at": self.created_at.isoformat(),
            "position": self.position,
            "aggregates": self.aggregates,
            "root": self.root,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "jws": self.jws,
        }


Head = tuple[str, int, str]
"""(originator_id, version, hash)."""


def backfill(
    originator_id: str,
    stored: Sequence[StoredEvent | ScannedEvent],
    recorded: dict[int, tuple[str, str]],
) -> list[ChainLink]:
    """Hashes events that predate the chain, so a new event has a predecessor to link to.

    They are attested from the moment they are backfilled, not from when they were written:
    the chain can only vouch for what it saw.
    """
    links: list[ChainLink] = []
    prev = GENESIS
    for event in stored:
        version = event.originator_version
        if version in recorded:
            prev = recorded[version][0]
            continue
        digest = event_hash(originator_id, version, event.topic, event.state, prev)
        links.append(ChainLink(originator_id, version, digest, prev))
        prev = digest
    return links


def links_for(
    stored_events: Sequence[StoredEvent],
    known: KnownHeads,
    recorded_hashes: Callable[[set[tuple[str, int]]], dict[tuple[str, int], str]],
    aggregate_rows: Callable[
        [str], tuple[Sequence[StoredEvent | ScannedEvent], dict[int, tuple[str, str]]]
    ],
) -> list[ChainLink]:
    needed = predecessors_needed(stored_events)
    previous = known.lookup(needed) if needed else {}
    unknown = needed - previous.keys()
    if unknown:
        previous.update(recorded_hashes(unknown))
    backfilled: list[ChainLink] = []
    for originator_id in sorted({oid for oid, version in needed if (oid, version) not in previous}):
        events, recorded = aggregate_rows(originator_id)
        links = backfill(originator_id, events, recorded)
        backfilled.extend(links)
        previous.update({(oid, v): h for oid, v, h in as_heads(recorded, originator_id)})
        previous.update({(originator_id, link.originator_version): link.hash for link in links})
    return backfilled + link_events(stored_events, previous)


def as_heads(recorded: dict[int, tuple[str, str]], originator_id: str) -> list[Head]:
    return [(originator_id, version, pair[0]) for version, pair in recorded.items()]


def grouped_by_originator(
    rows: Iterator[tuple[Any, ...]], to_id: Callable[[Any], str]
) -> Iterator[ScannedAggregate]:
    """Groups (id, version, topic, state, hash, prev_hash) rows, ordered by id and version."""
    current: Any = None
    originator_id = ""
    events: list[ScannedEvent] = []
    recorded: dict[int, tuple[str, str]] = {}
    for raw_id, version, topic, state, digest, prev in rows:
        if raw_id != current:
            if current is not None:
                yield ScannedAggregate(originator_id, events, recorded)
            current, originator_id, events, recorded = raw_id, to_id(raw_id), [], {}
        events.append(ScannedEvent(originator_id, version, topic, bytes(state)))
        if digest is not None:
            recorded[version] = (digest, prev)
    if current is not None:
        yield ScannedAggregate(originator_id, events, recorded)


class WritesChain:
    """The chain's write side, the same on both databases: its tables' names beside the
    events table, each batch linked onto the chain heads in the events' transaction, and
    the batch's links published to `known_heads` once that transaction has committed.

    A recorder supplies the two reads linking may need, on the transaction's cursor.
    """

    known_heads: KnownHeads
    hashes_table: str
    checkpoints_table: str
    leaves_table: str

    def _name_chain_tables(self, events_table_name: str) -> None:
        prefix = events_table_name.removesuffix("_events")
        self.hashes_table = f"{prefix}_event_hashes"
        self.checkpoints_table = f"{prefix}_event_checkpoints"
        self.leaves_table = f"{prefix}_event_checkpoint_leaves"
        self.known_heads = KnownHeads()

    def _link_batch(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> list[ChainLink]:
        """The batch's links (with any backfill), staged to be published on commit."""
        links = links_for(
            stored_events,
            self.known_heads,
            lambda needed: self._recorded_hashes(cursor, needed),
            lambda originator_id: self._aggregate_rows(cursor, originator_id),
        )
        self.known_heads.stage(links)
        return links

    def _recorded_hashes(
        self, cursor: Any, needed: set[tuple[str, int]]
    ) -> dict[tuple[str, int], str]:
        """The recorded hashes of the `needed` (originator id, version) pairs."""
        raise NotImplementedError

    def _aggregate_rows(
        self, cursor: Any, originator_id: str
    ) -> tuple[list[ScannedEvent], dict[int, tuple[str, str]]]:
        """One aggregate's stored events and recorded hashes (to backfill its chain)."""
        raise NotImplementedError

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        self.known_heads.discard()
        try:
            ids = super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        except BaseException:
            self.known_heads.discard()
            raise
        self.known_heads.publish()
        return ids
