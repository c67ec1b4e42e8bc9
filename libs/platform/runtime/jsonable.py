"""Python values as JSON, the one way every service shows them.

Decimals become strings (money is never rounded through a float), times RFC 3339 with their
offset (a naive time is UTC), UUIDs their canonical text, sets lists. orjson does the walk
in C: a complaint with a long history serialises in microseconds, not milliseconds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_NON_STR_KEYS


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_bytes(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def jsonable(value: Any) -> Any:
    """`value` made of JSON types only (dicts, lists, strings, numbers, booleans, None)."""
    return orjson.loads(json_bytes(value))
