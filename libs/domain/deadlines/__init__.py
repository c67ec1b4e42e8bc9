"""Regulatory deadlines: regimes as data files, business-day calendars, clocks from events."""

from libs.domain.deadlines.calendar import BusinessCalendar, Period, Unit, validate_calendar
from libs.domain.deadlines.clocks import (
    ClockFacts,
    Deadline,
    DeadlineState,
    PausedInterval,
    approaching_from,
    calendar_for,
    compute_deadlines,
    is_approaching,
)
from libs.domain.deadlines.final_response import (
    MissingElement,
    check_final_response_elements,
    find_missing_elements,
    missing_final_response_elements,
)
from libs.domain.deadlines.regime import (
    ClockEvent,
    ClockRule,
    ElementKind,
    Party,
    Regime,
    RegimeError,
    UnknownRegime,
    get_regime,
    known_regime_names,
    load_regime_file,
    load_regimes,
    parse_regime,
)

__all__ = [
    "BusinessCalendar",
    "ClockEvent",
    "ClockFacts",
    "ClockRule",
    "Deadline",
    "DeadlineState",
    "ElementKind",
    "MissingElement",
    "Party",
    "PausedInterval",
    "Period",
    "Regime",
    "RegimeError",
    "Unit",
    "UnknownRegime",
    "approaching_from",
    "calendar_for",
    "check_final_response_elements",
    "compute_deadlines",
    "find_missing_elements",
    "get_regime",
    "is_approaching",
    "known_regime_names",
    "load_regime_file",
    "load_regimes",
    "missing_final_response_elements",
    "parse_regime",
    "validate_calendar",
]
