"""A typed state value as a record: its fields by name, as plain data.

A complaint kept its offers, appeals, decisions and ADR referral as dicts before they became
frozen value types; each type's field names are those dicts' keys. So a value's record is the
dict it replaced: what the HTTP view shows and what a snapshot stores. Snapshots taken
before the state was typed hold the records themselves, and each value type reads one back
with its `from_record`.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def record_of(value: DataclassInstance) -> dict[str, Any]:
    """Enumerations become their values, tuples lists and nested values their records;
    times and amounts stay as they are (the caller's encoder writes them)."""
    return {field.name: _plain(getattr(value, field.name)) for field in fields(value)}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return record_of(value)
    return value
