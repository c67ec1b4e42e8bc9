"""The time bands each regulator's complaints return counts closures in, counted in the
complaint's business-day calendar (bank holidays and weekends are not business days)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from libs.domain.deadlines import BusinessCalendar
from services.complaints.readmodel.closure_buckets import (
    ASIC_RG271,
    CFPB,
    DEFAULT,
    FCA_COMPLAINTS_RETURN,
    closure_bands,
)

ENGLAND = BusinessCalendar("Europe/London", country="GB", subdivision="ENG")
NSW = BusinessCalendar("Australia/Sydney", country="AU", subdivision="NSW")
US = BusinessCalendar("America/New_York", country="US")


def at(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def london(*parts: int) -> datetime:
    return at("Europe/London", *parts)


@pytest.mark.parametrize(
    ("closed", "band"),
    [
        # Received on Maundy Thursday: Good Friday and Easter Monday are bank holidays, so
        # the 3rd business day after is Thursday 24 April.
        (london(2025, 4, 24, 17, 30), "closed_within_3_business_days"),
        (london(2025, 4, 25, 9), "closed_after_3_business_days_within_8_weeks"),
        (london(2025, 6, 12, 23, 59), "closed_after_3_business_days_within_8_weeks"),
        (london(2025, 6, 13, 0, 1), "closed_after_8_weeks"),
    ],
)
def test_the_fca_return_counts_3_business_days_then_8_weeks(closed: datetime, band: str) -> None:
    received = london(2025, 4, 17, 16)
    assert FCA_COMPLAINTS_RETURN.band_of(received, closed, ENGLAND) == band


def test_a_complaint_received_on_a_saturday_counts_from_the_next_business_days() -> None:
    saturday = london(2025, 3, 8, 11)
    assert (
        FCA_COMPLAINTS_RETURN.band_of(saturday, london(2025, 3, 12, 18), ENGLAND)
        == "closed_within_3_business_days"
    )
    assert (
        FCA_COMPLAINTS_RETURN.band_of(saturday, london(2025, 3, 13, 9), ENGLAND)
        == "closed_after_3_business_days_within_8_weeks"
    )


@pytest.mark.parametrize(
    ("closed", "band"),
    [
        # Australia Day (Monday 27 January 2025) is not a business day in NSW.
        (at("Australia/Sydney", 2025, 1, 28, 17), "closed_within_5_business_days"),
        (at("Australia/Sydney", 2025, 1, 29, 9), "closed_within_30_calendar_days"),
        (at("Australia/Sydney", 2025, 2, 19, 23), "closed_within_30_calendar_days"),
        (at("Australia/Sydney", 2025, 2, 20, 8), "closed_after_30_calendar_days"),
    ],
)
def test_rg271_counts_5_business_days_then_30_calendar_days(closed: datetime, band: str) -> None:
    received = at("Australia/Sydney", 2025, 1, 20, 10)
    assert ASIC_RG271.band_of(received, closed, NSW) == band


@pytest.mark.parametrize(
    ("closed", "band"),
    [
        (at("America/New_York", 2025, 3, 16, 22), "closed_within_15_days"),
        (at("America/New_York", 2025, 3, 17, 9), "closed_within_60_days"),
        (at("America/New_York", 2025, 4, 30, 20), "closed_within_60_days"),
        (at("America/New_York", 2025, 5, 1, 9), "closed_after_60_days"),
    ],
)
def test_the_cfpb_counts_15_then_60_days(closed: datetime, band: str) -> None:
    received = at("America/New_York", 2025, 3, 1, 12)
    assert CFPB.band_of(received, closed, US) == band


def test_each_regime_has_the_bands_of_its_own_return() -> None:
    assert closure_bands("uk-fca-disp") is FCA_COMPLAINTS_RETURN
    assert closure_bands("uk-psd") is FCA_COMPLAINTS_RETURN
    assert closure_bands("au-rg271") is ASIC_RG271
    assert closure_bands("us-cfpb") is CFPB
    assert closure_bands("default") is DEFAULT
    assert closure_bands("eu-adr") is DEFAULT
    assert DEFAULT.names == ("closed_within_4_weeks", "closed_4_to_8_weeks", "closed_after_8_weeks")
