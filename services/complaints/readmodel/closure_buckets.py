"""How fast complaints were closed, in the time bands each regulator's return counts.

A regulator's complaints return counts closed complaints in bands of time from receipt; the
bands are the regulator's, so they differ by regime. Each band ends at the close of a day in
the regime's timezone, counted in the complaint's own business-day calendar (its regime's, or
the subdivision it names) exactly as its deadlines are: the day of receipt is day 0, and a
complaint received on a Saturday counts from the same business days as one received on the
Friday before (see `libs.domain.deadlines.calendar`).

A regime without bands of its own here is counted in the default bands (the 4- and 8-week
bands this report has always used).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from libs.domain.deadlines import BusinessCalendar, Period, Unit


@dataclass(frozen=True)
class Band:
    """Closed by the end of the day `within` after the day of receipt (None: any later)."""

    name: str
    within: Period | None
    description: str


@dataclass(frozen=True)
class ClosureBands:
    scheme: str
    rule: str
    bands: tuple[Band, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(band.name for band in self.bands)

    def band_of(
        self, received_at: datetime, closed_at: datetime, calendar: BusinessCalendar
    ) -> str:
        """The first band the closure falls in."""
        received, closed = calendar.local_date(received_at), calendar.local_date(closed_at)
        for band in self.bands:
            if band.within is None or closed <= calendar.advance(received, band.within):
                return band.name
        return self.bands[-1].name

    def describe(self) -> dict[str, object]:
        return {
            "scheme": self.scheme,
            "rule": self.rule,
            "buckets": [{"name": b.name, "description": b.description} for b in self.bands],
        }


# FCA Handbook DISP 1.10.2R with DISP 1 Annex 1R (the complaints return), as in force since
# 30 June 2016 (when DISP 1.5's summary resolution became three business days): complaints
# closed within 3 business days of receipt; after 3 business days and
# within 8 weeks; after 8 weeks. "Within 3 business days" ends, as DISP 1.5.1R's summary
# resolution does, at close of business on the third business day after the day of receipt.
# Payment services and e-money complaints (uk-psd) are reported in the same bands. FCA
# PS25/19 (3 December 2025) replaces DISP 1 Annex 1 and four other returns with one
# consolidated return from the reporting period starting 1 January 2027; its time bands
# are not encoded here (see docs/reporting.md).
FCA_COMPLAINTS_RETURN = ClosureBands(
    scheme="fca-complaints-return",
    rule="FCA DISP 1.10.2R and DISP 1 Annex 1R (complaints return): closed within 3 business "
    "days; after 3 business days and within 8 weeks; after 8 weeks of receipt",
    bands=(
        Band(
            "closed_within_3_business_days",
            Period(Unit.BUSINESS_DAYS, 3),
            "closed by close of business on the 3rd business day after receipt",
        ),
        Band(
            "closed_after_3_business_days_within_8_weeks",
            Period(Unit.WEEKS, 8),
            "closed after 3 business days and by the end of 8 weeks after receipt",
        ),
        Band("closed_after_8_weeks", None, "closed more than 8 weeks after receipt"),
    ),
)

# ASIC RG 271: a complaint closed by the end of the fifth business day after receipt needs no
# written IDR response unless the customer asks; otherwise the IDR response is due no later
# than 30 calendar days after receipt (the standard timeframe; superannuation and hardship
# complaints have 45 and 21 days, but the bands stay those of the standard timeframe).
ASIC_RG271 = ClosureBands(
    scheme="asic-rg271",
    rule="ASIC RG 271: closed within 5 business days (no written IDR response needed); within "
    "the 30-calendar-day IDR response timeframe; beyond it",
    bands=(
        Band(
            "closed_within_5_business_days",
            Period(Unit.BUSINESS_DAYS, 5),
            "closed by the end of the 5th business day after receipt",
        ),
        Band(
            "closed_within_30_calendar_days",
            Period(Unit.CALENDAR_DAYS, 30),
            "closed after 5 business days and by the end of the 30th day after receipt",
        ),
        Band("closed_after_30_calendar_days", None, "closed more than 30 days after receipt"),
    ),
)

# CFPB company portal: companies respond within 15 days, and are expected to close all but
# the most complicated complaints within 60 days.
CFPB = ClosureBands(
    scheme="cfpb",
    rule="CFPB company response expectations: respond within 15 days; close all but the most "
    "complicated complaints within 60 days",
    bands=(
        Band(
            "closed_within_15_days",
            Period(Unit.CALENDAR_DAYS, 15),
            "closed by the end of the 15th day after receipt",
        ),
        Band(
            "closed_within_60_days",
            Period(Unit.CALENDAR_DAYS, 60),
            "closed after 15 days and by the end of the 60th day after receipt",
        ),
        Band("closed_after_60_days", None, "closed more than 60 days after receipt"),
    ),
)

# No regulator's return: the bands this report always had (the FCA's before 2016), counted
# by day like the others. The report's original fields (`closed_within_4_weeks`, ...) are
# these bands, whatever the regime.
DEFAULT = ClosureBands(
    scheme="default",
    rule="No regulator's return applies: closed within 4 weeks; 4 to 8 weeks; after 8 weeks",
    bands=(
        Band("closed_within_4_weeks", Period(Unit.WEEKS, 4), "closed within 4 weeks of receipt"),
        Band(
            "closed_4_to_8_weeks",
            Period(Unit.WEEKS, 8),
            "closed after 4 weeks and within 8 weeks of receipt",
        ),
        Band("closed_after_8_weeks", None, "closed more than 8 weeks after receipt"),
    ),
)

# eu-adr: Directive 2013/11/EU sets no period for the trader's own complaint process (its
# 90 days are the ADR entity's), so it is counted in the default bands.
BY_REGIME: dict[str, ClosureBands] = {
    "uk-fca-disp": FCA_COMPLAINTS_RETURN,
    "uk-psd": FCA_COMPLAINTS_RETURN,
    "au-rg271": ASIC_RG271,
    "us-cfpb": CFPB,
}


def closure_bands(regime: str) -> ClosureBands:
    return BY_REGIME.get(regime, DEFAULT)
