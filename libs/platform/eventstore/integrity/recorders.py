"""Application recorders that write the hash chain in the same transaction as the events.

Chosen with the library's `APPLICATION_RECORDER_TOPIC` (see
`eventstore.application.event_store_env`). Every aggregate's events are chained (complaints
and API keys alike), so the rule is simple: a row in the events table without its hash row
was not written by the application.

Three tables sit beside the events table:
- `<prefix>_event_hashes`: one row per event (originator_id, originator_version, hash,
  prev_hash), written with the event;
- `<prefix>_event_checkpoints`: the checkpoint log, each entry a Merkle root over every
  chain head, chained to the entry before it;
- `<prefix>_event_checkpoint_leaves`: the heads each checkpoint committed to.

The recorders also answer the queries that verification needs: one aggregate's recorded
chain, a streamed scan of every event with its recorded hash, and the checkpoint log.
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder

from libs.platform.eventstore.integrity.chain_writes import (
    CheckpointRecord,
    ScannedAggregate,
    ScannedEvent,
)
from libs.platform.eventstore.integrity.postgres_recorder import HashChainPostgresRecorder
from libs.platform.eventstore.integrity.sqlite_recorder import HashChainSQLiteRecorder

__all__ = [
    "CheckpointRecord",
    "HashChainPostgresProcessRecorder",
    "HashChainPostgresRecorder",
    "HashChainRecorder",
    "HashChainSQLiteProcessRecorder",
    "HashChainSQLiteRecorder",
    "ScannedAggregate",
    "ScannedEvent",
    "chain_recorder_topics",
]


# -- process recorders: the same chain for applications that also record tracking -----------


class HashChainSQLiteProcessRecorder(HashChainSQLiteRecorder, SQLiteProcessRecorder):
    """Events, their hashes and the upstream position, in one transaction (SQLite)."""


class HashChainPostgresProcessRecorder(HashChainPostgresRecorder, PostgresProcessRecorder):
    """Events, their hashes and the upstream position, in one transaction (PostgreSQL)."""


HashChainRecorder = HashChainSQLiteRecorder | HashChainPostgresRecorder


def _topic(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def chain_recorder_topics(is_sqlite: bool) -> dict[str, str]:
    """The library's environment variables that select the hash-chain recorders."""
    if is_sqlite:
        return {
            "APPLICATION_RECORDER_TOPIC": _topic(HashChainSQLiteRecorder),
            "PROCESS_RECORDER_TOPIC": _topic(HashChainSQLiteProcessRecorder),
        }
    return {
        "APPLICATION_RECORDER_TOPIC": _topic(HashChainPostgresRecorder),
        "PROCESS_RECORDER_TOPIC": _topic(HashChainPostgresProcessRecorder),
    }
