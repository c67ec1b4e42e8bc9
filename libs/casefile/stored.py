"""The generic reading of a stored event: what anyone can re-derive from its stored bytes.

docs/proof-formats.md promises that an event's shown fields are exactly this reading of
`stored.state`, so an offline verifier needs no code of ours: decode the bytes as JSON, read
each tagged value `{"_type_": T, "_data_": D}` as D, then take the envelope keys below out
as the event's who/when, and show the rest as its `data`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from libs.platform.runtime.jsonable import utc_text

#: Stored keys that say who did what when (and the library's bookkeeping), not what happened.
ENVELOPE_KEYS = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor",
        "actor_role",
        "correlation_id",
        "occurred_at",
        "command_id",
        "class_version",
    }
)


def untagged(value: Any) -> Any:
    """`value` with every tagged value `{"_type_": T, "_data_": D}` replaced by D; a time
    (`datetime_iso`) as the same instant in UTC with `Z`, as every response shows times."""
    if isinstance(value, dict):
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            if value["_type_"] == "datetime_iso" and isinstance(value["_data_"], str):
                return utc_text(value["_data_"])
            return untagged(value["_data_"])
        return {key: untagged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [untagged(item) for item in value]
    return value


@dataclass(frozen=True)
class ShownFields:
    """An event's fields as people read them, re-derived from its stored bytes."""

    recorded_at: str | None
    occurred_at: str | None
    actor: str | None
    actor_role: str | None
    correlation_id: str | None
    data: dict[str, Any]


def shown_fields(state: bytes) -> ShownFields:
    """The generic reading of one event's stored state (ValueError if it is not a JSON
    object)."""
    document = untagged(json.loads(state))
    if not isinstance(document, dict):
        raise ValueError("the stored state is not a JSON object")

    # Exactly as stored (no conversion): the verifier compares them byte for byte.
    return ShownFields(
        recorded_at=document.get("timestamp"),
        occurred_at=document.get("occurred_at"),
        actor=document.get("actor"),
        actor_role=document.get("actor_role"),
        correlation_id=document.get("correlation_id"),
        data={key: value for key, value in document.items() if key not in ENVELOPE_KEYS},
    )
