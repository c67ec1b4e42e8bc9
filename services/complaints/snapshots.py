"""How a complaint's snapshot stores its interaction log: compressed chunks, read on demand.

A long-lived complaint is mostly its interactions, and loading it was mostly decoding
them: a thousand interactions are 306 KB of JSON, and parsing them and reviving their
times took over a millisecond. A complaint is loaded far more often to take one more
command than to be read in full, so the log is stored apart from the rest of the state, as
chunks of JSON records compressed and base64-encoded, and read only when something reads
the log (see `libs.domain.interaction_log`). Each snapshot adds one chunk for the
interactions recorded since the one it was loaded from, so taking a snapshot encodes only
those; past `MAX_CHUNKS` the log is written again as one.

Snapshots stored in the earlier forms still read: the log as one list of plain records
(`interaction_log`), or as the library stores any state.
"""

from __future__ import annotations

import base64
import zlib
from datetime import datetime
from typing import Any

import orjson
from eventsourcing.domain import Snapshot

from libs.domain.interaction_log import InteractionLog, InteractionRecord
from libs.platform.eventstore.transcoder import PlainJSONTranscoding

#: The fields of an interaction record that hold times.
TIMES = ("occurred_at", "recorded_at")
#: A log with this many chunks is written again as one, which compresses better.
MAX_CHUNKS = 16


class StoredInteractions:
    """Interaction records as a snapshot stored them, decoded when first read."""

    __slots__ = ("chunks", "count")

    def __init__(self, count: int, chunks: list[str]) -> None:
        self.count = count
        self.chunks = chunks

    def read(self) -> list[InteractionRecord]:
        records: list[InteractionRecord] = []
        for chunk in self.chunks:
            records += _revive_times(orjson.loads(zlib.decompress(base64.b64decode(chunk))))
        return records


class InteractionLogInChunks(PlainJSONTranscoding):
    type = InteractionLog
    name = "interaction_log_chunks"

    def encode(self, obj: InteractionLog) -> dict[str, Any]:
        earlier = obj.unread
        if isinstance(earlier, StoredInteractions) and len(earlier.chunks) < MAX_CHUNKS:
            count, chunks, new = earlier.count, list(earlier.chunks), obj.appended
        else:
            count, chunks, new = 0, [], list(obj)
        if new:
            chunks.append(_chunk(new))
        return {"count": count + len(new), "chunks": chunks}

    def decode(self, data: dict[str, Any]) -> InteractionLog:
        return InteractionLog(earlier=StoredInteractions(data["count"], data["chunks"]))


def _chunk(records: list[InteractionRecord]) -> str:
    plain = [
        {key: value.isoformat() if key in TIMES else _plain(key, value) for key, value in r.items()}
        for r in records
    ]
    return base64.b64encode(zlib.compress(orjson.dumps(plain), 1)).decode("ascii")


def _plain(key: str, value: Any) -> Any:
    """`value`, if JSON holds it as it is; a snapshot must read back as it was taken."""
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            _plain(inner_key, inner)
    elif value is not None and not isinstance(value, str | int | float | bool):
        raise TypeError(f"interaction field '{key}' is not plain JSON: {type(value).__name__}")
    return value


def _revive_times(records: list[InteractionRecord]) -> list[InteractionRecord]:
    parse = datetime.fromisoformat
    for record in records:
        for key in TIMES:
            record[key] = parse(record[key])
    return records


class _LogAsOneList:
    """Stands for the log as snapshots stored it before it was chunked; never encoded."""


class InteractionLogAsRecords(PlainJSONTranscoding):
    """Reads snapshots whose log is one list of plain records. Complaints of that class
    version keep a list, which `Complaint.upcast_v2_v3` turns into a log."""

    type = _LogAsOneList
    name = "interaction_log"

    def encode(self, obj: _LogAsOneList) -> Any:
        raise TypeError("interaction logs are stored in chunks now")

    def decode(self, data: list[InteractionRecord]) -> list[InteractionRecord]:
        return _revive_times(data)


class ComplaintSnapshot(Snapshot):
    """A complaint's snapshot. Its own class, since stored snapshots name it by topic."""
