"""Business days as a person in the jurisdiction would count them.

Every expected date below was counted by hand on a wall calendar; the comments show the
count. Holidays used: England 2025 late summer bank holiday Mon 25 Aug, Christmas Thu 25 and
Boxing Day Fri 26 Dec, New Year Thu 1 Jan 2026, Good Friday 3 Apr and Easter Monday 6 Apr
2026. Scotland has no August bank holiday on 25 Aug (it has Mon 4 Aug), no Easter Monday,
but St Andrew's Day (Sun 30 Nov 2025, observed Mon 1 Dec) and a second New Year holiday
(Fri 2 Jan 2026).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from libs.domain.deadlines.calendar import (
    BusinessCalendar,
    Period,
    Unit,
    add_months,
    validate_calendar,
)
from libs.domain.errors import InvalidArgument

LONDON = "Europe/London"
ENGLAND = BusinessCalendar(LONDON, country="GB", subdivision="ENG")
SCOTLAND = BusinessCalendar(LONDON, country="GB", subdivision="SCT")
NSW = BusinessCalendar("Australia/Sydney", country="AU", subdivision="NSW")
WEEKENDS_ONLY = BusinessCalendar("UTC")


def test_the_august_bank_holiday_is_skipped_in_england_but_not_in_scotland() -> None:
    friday = date(2025, 8, 22)
    # England: Mon 25 is a bank holiday, so Tue 26 (1), Wed 27 (2), Thu 28 (3).
    assert ENGLAND.add_business_days(friday, 1) == date(2025, 8, 26)
    assert ENGLAND.add_business_days(friday, 3) == date(2025, 8, 28)
    # Scotland works on Mon 25: Mon 25 (1), Tue 26 (2), Wed 27 (3).
    assert SCOTLAND.add_business_days(friday, 1) == date(2025, 8, 25)
    assert SCOTLAND.add_business_days(friday, 3) == date(2025, 8, 27)


def test_st_andrews_day_observed_on_monday_delays_scotland_only() -> None:
    friday = date(2025, 11, 28)
    # St Andrew's Day falls on Sunday 30 Nov 2025 and is observed on Mon 1 Dec in Scotland.
    assert SCOTLAND.add_business_days(friday, 1) == date(2025, 12, 2)
    assert ENGLAND.add_business_days(friday, 1) == date(2025, 12, 1)
    assert SCOTLAND.holiday_name(date(2025, 12, 1)) is not None


def test_christmas_and_new_year_in_england_and_scotland() -> None:
    christmas_eve = date(2025, 12, 24)
    # Thu 25 and Fri 26 are holidays, then the weekend: Mon 29 (1), Tue 30 (2), Wed 31 (3).
    assert ENGLAND.add_business_days(christmas_eve, 3) == date(2025, 12, 31)
    # Thu 1 Jan is a holiday: Fri 2 Jan (4), Mon 5 Jan (5).
    assert ENGLAND.add_business_days(christmas_eve, 5) == date(2026, 1, 5)
    # Scotland also rests on Fri 2 Jan: Mon 5 Jan (4), Tue 6 Jan (5).
    assert SCOTLAND.add_business_days(christmas_eve, 5) == date(2026, 1, 6)


def test_easter_2026_is_a_four_day_weekend_in_england_and_three_in_scotland() -> None:
    maundy_thursday = date(2026, 4, 2)
    # Good Friday 3 Apr, weekend, Easter Monday 6 Apr: the next business day is Tue 7 Apr.
    assert ENGLAND.add_business_days(maundy_thursday, 1) == date(2026, 4, 7)
    # Easter Monday is not a bank holiday in Scotland.
    assert SCOTLAND.add_business_days(maundy_thursday, 1) == date(2026, 4, 6)


def test_nsw_public_holidays_anzac_day_and_easter() -> None:
    # Fri 25 Apr 2025 is Anzac Day: the business day after Thu 24 Apr is Mon 28 Apr.
    assert NSW.add_business_days(date(2025, 4, 24), 1) == date(2025, 4, 28)
    # Good Friday 18 Apr and Easter Monday 21 Apr 2025: after Thu 17 Apr comes Tue 22 Apr.
    assert NSW.add_business_days(date(2025, 4, 17), 1) == date(2025, 4, 22)


def test_a_calendar_without_a_country_rests_only_at_weekends() -> None:
    assert WEEKENDS_ONLY.is_business_day(date(2025, 8, 25))
    assert not WEEKENDS_ONLY.is_business_day(date(2025, 8, 23))
    assert WEEKENDS_ONLY.add_business_days(date(2025, 8, 22), 2) == date(2025, 8, 26)


def test_the_target_calendar_closes_on_labour_day() -> None:
    target = BusinessCalendar("Europe/Brussels", financial="XECB")
    assert not target.is_business_day(date(2025, 5, 1))
    assert target.is_business_day(date(2025, 5, 29))  # Ascension is a working day for TARGET


def test_counting_backwards_skips_holidays_too() -> None:
    # Five business days before Thu 8 Jan 2026 in England: Wed 7, Tue 6, Mon 5, Fri 2, Wed 31.
    assert ENGLAND.add_business_days(date(2026, 1, 8), -5) == date(2025, 12, 31)


def test_business_days_between_is_half_open() -> None:
    # [Fri 22 Aug, Fri 29 Aug) in England: Fri 22, Tue 26, Wed 27, Thu 28 = 4.
    assert ENGLAND.business_days_between(date(2025, 8, 22), date(2025, 8, 29)) == 4


def test_periods_of_calendar_days_weeks_and_months() -> None:
    friday = date(2025, 8, 22)
    assert ENGLAND.advance(friday, Period(Unit.CALENDAR_DAYS, 30)) == date(2025, 9, 21)
    assert ENGLAND.advance(friday, Period(Unit.WEEKS, 8)) == date(2025, 10, 17)
    assert ENGLAND.advance(friday, Period(Unit.MONTHS, 6)) == date(2026, 2, 22)
    assert ENGLAND.advance(friday, Period(Unit.BUSINESS_DAYS, 3)) == date(2025, 8, 28)


def test_a_month_later_than_the_31st_is_the_last_day_of_a_short_month() -> None:
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert add_months(date(2025, 5, 15), 24) == date(2027, 5, 15)


def test_the_local_date_is_taken_in_the_calendars_timezone() -> None:
    # 23:30 UTC on Fri 22 Aug is already Saturday in London (BST, UTC+1).
    late_friday_utc = datetime(2025, 8, 22, 23, 30, tzinfo=UTC)
    assert ENGLAND.local_date(late_friday_utc) == date(2025, 8, 23)
    assert WEEKENDS_ONLY.local_date(late_friday_utc) == date(2025, 8, 22)


def test_a_day_ends_at_the_last_instant_before_local_midnight() -> None:
    end = ENGLAND.end_of_day(date(2025, 8, 28))
    assert end.time() == time.max
    assert end.utcoffset() == ZoneInfo(LONDON).utcoffset(datetime(2025, 8, 28))
    assert end.astimezone(UTC) == datetime(2025, 8, 28, 22, 59, 59, 999999, tzinfo=UTC)


def test_a_datetime_without_a_timezone_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="no timezone"):
        ENGLAND.local_date(datetime(2025, 8, 22, 10))


def test_subdivisions_may_be_named_by_code_alias_or_iso_code() -> None:
    assert validate_calendar(LONDON, "GB", "SCT").subdivision == "SCT"
    assert validate_calendar(LONDON, "GB", "Scotland").subdivision == "SCT"
    assert validate_calendar(LONDON, "GB", "GB-SCT").subdivision == "SCT"


def test_an_unknown_subdivision_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(InvalidArgument, match=r"'XX' is not a subdivision of GB .*ENG.*SCT") as e:
        validate_calendar(LONDON, "GB", "XX")
    assert e.value.field == "subdivision"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("Mars/Olympus",), "timezone"),
        ((LONDON, "XX"), "country"),
        ((LONDON, None, "ENG"), "subdivision"),
        ((LONDON, None, None, "NOPE"), "financial"),
        ((LONDON, "GB", None, "XECB"), "financial"),
    ],
)
def test_a_calendar_that_cannot_be_built_names_the_field(
    arguments: tuple[str | None, ...], field: str
) -> None:
    with pytest.raises(InvalidArgument) as error:
        validate_calendar(*arguments)  # type: ignore[arg-type]
    assert error.value.field == field
