"""Values as a person reads them on the case-history page.

Times in the regime's time zone with its abbreviation and UTC offset, to the second (never
microseconds: nobody reads them, and a regulator compares minutes); money per currency with
Babel's CLDR data (`£1,234.50`, `€80.00`, `A$12.00`); names of states and kinds as words.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import UnknownCurrencyError, format_currency

from libs.platform.http.instants import EARLIEST_YEAR, LATEST_YEAR

#: The page is written in British English; amounts follow its conventions.
LOCALE = "en_GB"
NONE = "—"

#: The page's `as_of`: a date and a time to the minute or second (any fraction), with an
#: offset (RFC 3339) or without one — as the page's picker (`<input type="datetime-local">`)
#: sends it, read in the regime's time zone. Years 1900 to 2999, as the API's times.
AS_OF_PATTERN = (
    r"^(?:19[0-9][0-9]|2[0-9][0-9][0-9])-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?"
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?$"
)
_AS_OF = re.compile(AS_OF_PATTERN)


class BadMoment(ValueError):
    """A page `as_of` that names no moment."""


def moment(value: Any) -> datetime | None:
    """An RFC 3339 string (as the JSON holds times) or a datetime, as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def offset(local: datetime) -> str:
    delta = local.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def when(value: Any, zone: tzinfo) -> str:
    """`Sun 6 Dec 2026 09:19:34 GMT (UTC+00:00)`, `Sun 6 Dec 2026 09:19:34 UTC`; `—` for
    nothing."""
    at = moment(value)
    if at is None:
        return NONE
    local = at.astimezone(zone)
    name = local.tzname() or ""
    text = f"{local:%a} {local.day} {local:%b %Y %H:%M:%S}"
    if name == "UTC":  # the name is the offset
        return f"{text} UTC"
    label = f" {name}" if name and not name.startswith(("+", "-")) else ""
    return f"{text}{label} ({offset(local)})"


def picker_value(value: Any, zone: tzinfo) -> str:
    """The moment as the date-time picker shows it: local, to the second, no offset."""
    at = moment(value)
    return "" if at is None else at.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def money(amount: Any, currency: str | None) -> str:
    """`£1,234.50`; an amount without a currency (or one Babel does not know) as written."""
    if amount is None or amount == "":
        return NONE
    try:
        number = Decimal(str(amount))
    except InvalidOperation:
        return f"{amount} {currency or ''}".strip()
    if not currency:
        return str(number)
    try:
        return format_currency(number, currency, locale=LOCALE)
    except UnknownCurrencyError:
        return f"{number} {currency}"


def money_of(value: dict[str, Any] | None) -> str:
    """A `{"amount", "currency"}` document (amounts in dispute, redress, awards)."""
    if not isinstance(value, dict):
        return NONE
    return money(value.get("amount"), value.get("currency"))


def words(value: Any) -> str:
    """`final_response_issued` → `final response issued`."""
    return NONE if value is None else str(value).replace("_", " ")


def yes_no(value: Any) -> str:
    return NONE if value is None else ("yes" if value else "no")


def parse_as_of(text: str, zone: tzinfo) -> datetime:
    """The page's `as_of` (see AS_OF_PATTERN) as an aware datetime; BadMoment saying why
    not."""
    if not _AS_OF.fullmatch(text):
        raise BadMoment(
            f"{text[:40]!r} is not a date-time: use YYYY-MM-DDThh:mm[:ss] (read in the "
            "regime's time zone) or RFC 3339 with an offset, in the years "
            f"{EARLIEST_YEAR} to {LATEST_YEAR}"
        )
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        raise BadMoment(f"{text[:40]!r}: no such date") from None
    # A local time that happens twice (clocks going back) is read as its first (fold=0).
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def zone_of(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or "UTC")
