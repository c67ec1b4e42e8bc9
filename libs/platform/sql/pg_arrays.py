"""PostgreSQL array literals, built in one pass over the values.

Sending a column of a bulk write as one array literal (`'{"a","b",NULL}'`) costs a string
join; handing psycopg a Python list costs a dumper call per element, which for a batch of
thousands of rows was a tenth of a read-model rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def text_array(values: Iterable[Any]) -> str:
    """An array literal of the values' text: each element quoted, None as NULL.

    `str()` of a value must be what PostgreSQL's input function for the element type
    reads: true for strings, integers, decimals, booleans and timezone-aware datetimes.
    """
    return "{" + ",".join("NULL" if v is None else _quoted(str(v)) for v in values) + "}"


def bytea_array(values: Iterable[bytes]) -> bytes:
    """A bytea[] literal, each element in hex (`\\x…`, its backslash escaped)."""
    return b"{" + b",".join(b'"\\\\x' + v.hex().encode() + b'"' for v in values) + b"}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
