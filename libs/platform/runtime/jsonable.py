"""Python values as JSON, the one way every service shows them.

Decimals become strings (money is never rounded through a float), UUIDs their canonical
text, sets lists, and **every instant RFC 3339 in UTC with `Z`** (`2026-03-01T09:30:00Z`):
a time recorded with another offset (a regime's local time, a client's `+01:00`) is shown
as the same instant in UTC, so a client compares and sorts them as text and one parser
reads them all (issue 20, "one format everywhere"). A naive time is UTC. A field that is
meant to be read as a local wall-clock time is made a string by its producer and named
`*_local` (see `rfc3339_local`). orjson does the walk in C; only the times come back to
Python, to be moved to UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def rfc3339_utc(moment: datetime) -> str:
    """`moment` as RFC 3339 in UTC, ending in `Z` (a naive time is taken as UTC)."""
    if moment.tzinfo is not UTC:  # most times are recorded in UTC already
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        moment = aware.astimezone(UTC)
    # orjson writes it in C (3x faster than isoformat): an event history has thousands.
    return orjson.dumps(moment, option=orjson.OPT_UTC_Z)[1:-1].decode()


def rfc3339_local(moment: datetime) -> str:
    """`moment` as RFC 3339 with its own offset: only for fields named `*_local`."""
    return moment.isoformat()


def utc_text(text: str) -> str:
    """An RFC 3339 string (as stored) moved to UTC with `Z`; other text unchanged."""
    if text.endswith("+00:00"):
        return text[:-6] + "Z"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return rfc3339_utc(moment) if moment.tzinfo is not None else text


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339_utc(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
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
