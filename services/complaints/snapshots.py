"""How a complaint's snapshot is stored: its interaction log as plain JSON records.

A long-lived complaint is mostly its interactions, and loading it is mostly decoding the
latest snapshot. Stored as the library stores any state, every interaction's two times are
tagged objects, and the transcoder walks every interaction looking for tags: a thousand
interactions made a 376 KB snapshot that took about 2 ms to decode. Here the log is one
tagged value whose records are plain JSON (times as RFC 3339 strings), decoded in one pass.
Snapshots stored the old way still read: the log in them is a plain list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Snapshot

from libs.platform.transcoder import PlainJSONTranscoding

#: The fields of an interaction record that hold times.
TIMES = ("occurred_at", "recorded_at")


class InteractionLog:
    """A complaint's interaction records on their way into a snapshot."""

    __slots__ = ("records",)

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records


class InteractionLogAsRecords(PlainJSONTranscoding):
    type = InteractionLog
    name = "interaction_log"

    def encode(self, obj: InteractionLog) -> list[dict[str, Any]]:
        return [
            {
                key: value.isoformat() if key in TIMES else _plain(key, value)
                for key, value in record.items()
            }
            for record in obj.records
        ]

    def decode(self, data: list[dict[str, Any]]) -> list[dict[str, Any]]:
        parse = datetime.fromisoformat
        for record in data:
            for key in TIMES:
                record[key] = parse(record[key])
        return data


def _plain(key: str, value: Any) -> Any:
    """`value`, if JSON holds it as it is; a snapshot must read back as it was taken."""
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            _plain(inner_key, inner)
    elif value is not None and not isinstance(value, str | int | float | bool):
        raise TypeError(f"interaction field '{key}' is not plain JSON: {type(value).__name__}")
    return value


class ComplaintSnapshot(Snapshot):
    @classmethod
    def take(cls, aggregate: Any) -> ComplaintSnapshot:
        snapshot = super().take(aggregate)
        snapshot.state["interactions"] = InteractionLog(snapshot.state["interactions"])
        return snapshot
