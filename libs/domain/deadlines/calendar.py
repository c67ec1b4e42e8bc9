"""Business-day arithmetic over a jurisdiction's public holidays, in a regime's timezone.

Close of business: a deadline that falls on a day is due by the end of that day in the
regime's timezone (23:59:59.999999 local), so anything done on the due day counts as on
time whatever the hour. The day something happened is day 0; "N business days after" counts
the N business days that follow it, so a complaint received on a Saturday or after hours on
a Friday gets the same dates as one received on Friday morning.
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from libs.domain.errors import InvalidArgument

_SATURDAY_SUNDAY = frozenset({5, 6})


class Unit(StrEnum):
    BUSINESS_DAYS = "business_days"
    CALENDAR_DAYS = "calendar_days"
    WEEKS = "weeks"
    MONTHS = "months"


@dataclass(frozen=True)
class Period:
    unit: Unit
    length: int

    def describe(self) -> str:
        words = self.unit.value.replace("_", " ")
        return f"{self.length} {words[:-1] if self.length == 1 else words}"


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and local time for one jurisdiction.

    `country` and `subdivision` are `holidays` codes (ISO 3166: "GB" + "ENG", "AU" + "NSW");
    `financial` names a market calendar instead (e.g. "XECB", the TARGET closing days). With
    neither, only weekends are non-working days.
    """

    timezone: str
    country: str | None = None
    subdivision: str | None = None
    financial: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        if self.financial:
            place = f"{self.financial} market holidays"
        elif self.country:
            where = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
            place = f"{where} public holidays"
        else:
            place = "no public holidays"
        return f"weekends and {place}, {self.timezone} time"

    def local_date(self, moment: datetime) -> date:
        return _require_aware(moment).astimezone(self.zone).date()

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, time.max, tzinfo=self.zone)

    def start_of_day(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.zone)

    def is_business_day(self, day: date) -> bool:
        weekend, holiday_dates = _non_working(
            self.country, self.subdivision, self.financial, day.year
        )
        return day.weekday() not in weekend and day not in holiday_dates

    def holiday_name(self, day: date) -> str | None:
        return _holiday_names(self.country, self.subdivision, self.financial, day.year).get(day)

    def add_business_days(self, day: date, count: int) -> date:
        """The `count`-th business day after `day` (backwards when negative)."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_business_day(day):
                remaining -= 1
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in the half-open range [start, end)."""
        return sum(
            1
            for offset in range((end - start).days)
            if self.is_business_day(start + timedelta(days=offset))
        )

    def on_or_before(self, day: date) -> date:
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def advance(self, day: date, period: Period) -> date:
        """The day a period that starts on `day` ends."""
        if period.unit is Unit.BUSINESS_DAYS:
            return self.add_business_days(day, period.length)
        if period.unit is Unit.CALENDAR_DAYS:
            return day + timedelta(days=period.length)
        if period.unit is Unit.WEEKS:
            return day + timedelta(weeks=period.length)
        return add_months(day, period.length)


def add_months(day: date, months: int) -> date:
    """Same day of the month, `months` later; the 31st becomes the last day of a short month
    (31 Aug + 6 months = 28 Feb), which is how a person would count it."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def validate_calendar(
    timezone: str,
    country: str | None = None,
    subdivision: str | None = None,
    financial: str | None = None,
) -> BusinessCalendar:
    """A calendar whose codes `holidays` knows; aliases ("Scotland", "GB-SCT") become codes.

    Raises InvalidArgument naming the field that is wrong.
    """
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument("timezone", f"unknown timezone '{timezone}'") from None
    if financial is not None:
        if country is not None or subdivision is not None:
            raise InvalidArgument(
                "financial", "a calendar names either a financial market or a country, not both"
            )
        markets = holidays.list_supported_financial()
        if financial not in markets:
            raise InvalidArgument("financial", f"unknown financial calendar '{financial}'")
        return BusinessCalendar(timezone, financial=financial)
    if country is None:
        if subdivision is not None:
            raise InvalidArgument("subdivision", "a subdivision needs a country")
        return BusinessCalendar(timezone)
    countries = holidays.list_supported_countries()
    if country not in countries:
        raise InvalidArgument("country", f"unknown country '{country}' for public holidays")
    if subdivision is not None:
        subdivision = _subdivision_code(country, subdivision)
    return BusinessCalendar(timezone, country=country, subdivision=subdivision)


def _subdivision_code(country: str, subdivision: str) -> str:
    entity = holidays.country_holidays(country)
    aliases: dict[str, str] = dict(getattr(entity, "subdivisions_aliases", {}))
    codes: tuple[str, ...] = tuple(entity.subdivisions)
    candidate = subdivision.removeprefix(f"{country}-")
    if candidate in codes:
        return candidate
    if candidate in aliases:
        return aliases[candidate]
    known = ", ".join(codes) or "none"
    raise InvalidArgument(
        "subdivision", f"'{subdivision}' is not a subdivision of {country} (known: {known})"
    )


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidArgument("datetime", f"{moment.isoformat()} has no timezone")
    return moment


# The holiday tables are the only state kept here: immutable answers memoised per year.
@lru_cache(maxsize=512)
def _holiday_names(
    country: str | None, subdivision: str | None, financial: str | None, year: int
) -> Mapping[date, str]:
    if financial:
        table = holidays.financial_holidays(financial, years=year)
    elif country:
        table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    else:
        return MappingProxyType({})
    return MappingProxyType({day: str(name) for day, name in table.items()})


@lru_cache(maxsize=512)
def _non_working(
    country: str | None, subdivision: str | None, financial: str | None, year: int
) -> tuple[frozenset[int], frozenset[date]]:
    weekend: frozenset[int] = _SATURDAY_SUNDAY
    if financial:
        weekend = frozenset(holidays.financial_holidays(financial).weekend)
    elif country:
        weekend = frozenset(holidays.country_holidays(country, subdiv=subdivision).weekend)
    return weekend, frozenset(_holiday_names(country, subdivision, financial, year))
