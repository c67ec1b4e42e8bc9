"""How the PDFs write times, money and long text for people.

- Times in the regime's time zone, to the second, with the zone's abbreviation and the
  offset from UTC: `6 Dec 2026 09:18:55 GMT (+00:00)`. Never microseconds; the JSON keeps
  the exact recorded instants.
- Money per currency with Babel (CLDR): the currency's symbol and its number of decimal
  places (`£1,234.50`, `€20.00`, `US$5.00`, `¥1,235`), in British English.
- Long text (an interaction's body) up to `BODY_LIMIT` characters, then a pointer to the
  JSON, which always holds the whole of it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import UnknownCurrencyError, format_currency

from libs.casefile.sections import Money

#: The language the PDFs are written in, and whose conventions Babel follows for amounts.
LOCALE = "en_GB"
#: How much of an interaction's body the PDF shows (characters); the JSON has all of it.
BODY_LIMIT = 2000
#: How much of an event's description the timeline shows.
TIMELINE_LIMIT = 300


@cache
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_time(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def human_time(value: datetime | str | None, timezone: str) -> str:
    """`6 Dec 2026 09:18:55 GMT (+00:00)` in `timezone`; "—" for none. A naive time (which
    Redress never records) is shown as it is, without an offset."""
    moment = parse_time(value)
    if moment is None:
        return "—" if value is None else str(value)
    if moment.tzinfo is None:
        return f"{moment.day} {moment:%b %Y %H:%M:%S}"
    local = moment.astimezone(zone(timezone))
    offset = local.strftime("%z")
    return f"{local.day} {local:%b %Y %H:%M:%S} {local.tzname()} ({offset[:3]}:{offset[3:]})"


def money(value: Money | None) -> str:
    """`£1,234.50`; "—" for none; an amount Babel cannot read is shown as given."""
    if value is None:
        return "—"
    try:
        return str(format_currency(Decimal(value.amount), value.currency, locale=LOCALE))
    except (InvalidOperation, UnknownCurrencyError, ValueError):
        return f"{value.amount} {value.currency}"


def clipped(text: str | None, limit: int, pointer: str) -> str:
    """`text` up to `limit` characters; beyond, a note of what was left out and where the
    whole of it is."""
    if text is None:
        return "—"
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters: {pointer}]"


def plain(value: Any) -> str:
    """A value as a reader expects it: yes/no, "—" for none, lists joined."""
    if value is None:
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key.replace('_', ' ')}: {plain(item)}" for key, item in value.items())
    return str(value)


def words(name: str) -> str:
    """`vulnerable_customer` → `vulnerable customer`."""
    return name.replace("_", " ")
