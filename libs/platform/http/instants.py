"""Date-times a client sends, in a body or a query: RFC 3339 strings, within the years a
complaint can be about.

One type (`Instant`) for every date-time input, so they are all read alike:
- **RFC 3339 only** (`2026-03-01T09:30:00Z`, `2026-03-01T10:30:00.5+01:00`): a date, `T`,
  a time with seconds, an optional fraction, and a time-zone offset (`Z` or `±hh:mm`; `t`
  and `z` in lower case too, as RFC 3339 §5.6 allows). A number is not read as a Unix time
  (`received_to=0.5` was 1970), and a date alone or a date-time without an offset is
  refused rather than taken as UTC: the same words mean a different moment in every zone,
  and a deadline a day off is a breach. A leap second (`:60`) is refused: Python's times
  cannot hold one. Fractions beyond microseconds are truncated.
- **Years 1900 to 2999, as written.** Every date-time an RFC 3339 string can spell is
  answered, never with a 500: those outside this range are refused with a 422 naming the
  field. Python's times end at years 1 and 9999, so a value near either end overflowed
  when it was converted to UTC (an offset of up to a day) or when a clock's length was
  added to it (up to a few years: AFCA's 2-year referral window) — an `OverflowError`, a
  500 and a reset connection. Complaints are not older than 1900 nor due after 2999; the
  range keeps every conversion and every deadline sum centuries away from those ends, and
  working-day calendars are built for the years asked about, which is only sensible for
  real ones. The bound is on the year as written, so the OpenAPI `pattern` says exactly
  what is accepted.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

EARLIEST_YEAR = 1900
LATEST_YEAR = 2999

_YEAR = r"(?:19[0-9][0-9]|2[0-9][0-9][0-9])"  # EARLIEST_YEAR..LATEST_YEAR
_MONTH_DAY = r"-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_DATE = rf"[0-9]{{4}}{_MONTH_DAY}"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?"
_OFFSET = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
#: The shape of RFC 3339's `date-time` (section 5.6), any year.
RFC3339 = re.compile(rf"^{_DATE}[Tt]{_TIME}{_OFFSET}$")
#: What is accepted, as a JSON Schema pattern: RFC 3339 within the years above.
PATTERN = rf"^{_YEAR}{_MONTH_DAY}[Tt]{_TIME}{_OFFSET}$"

RULE = (
    f"an RFC 3339 date-time with a time-zone offset, e.g. 2026-03-01T09:30:00Z, "
    f"in the years {EARLIEST_YEAR} to {LATEST_YEAR}"
)


def _invalid(value: object, why: str) -> PydanticCustomError:
    return PydanticCustomError(
        "rfc3339_date_time",
        "{value} is not {rule}: {why}",
        {"value": repr(value)[:80], "rule": RULE, "why": why},
    )


def parse_instant(value: object) -> datetime:
    """`value` as an aware datetime (with the offset it was given in), or a
    `PydanticCustomError` saying why not."""
    if isinstance(value, datetime):  # from Python code, not from the wire
        if value.tzinfo is None:
            raise _invalid(value, "it has no time-zone offset")
        moment = value
    elif not isinstance(value, str):
        raise _invalid(value, "a date-time is a string, not a number or another type")
    elif not RFC3339.fullmatch(value):
        raise _invalid(value, _shape_problem(value))
    else:
        try:
            moment = datetime.fromisoformat(value.upper())
        except ValueError:
            raise _invalid(value, "no such date") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise _invalid(value, "the year is out of range")
    return moment


def _shape_problem(text: str) -> str:
    if re.match(rf"^{_DATE}[Tt ]{_TIME}$", text):
        return "it has no time-zone offset"
    if re.match(rf"^{_DATE}$", text):
        return "a date alone is not a moment"
    if re.match(r"^[+-]?\d+(\.\d*)?$", text):
        return "a number is not read as a Unix time"
    if ":60" in text:
        return "leap seconds are not accepted"
    return "not in the form YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)"


Instant = Annotated[
    datetime,
    PlainValidator(parse_instant),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": PATTERN, "description": RULE}
    ),
]
