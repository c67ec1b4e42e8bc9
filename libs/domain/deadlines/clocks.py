"""Deadlines worked out from when things happened, for any moment: pure and repeatable.

The service turns a complaint's events into `ClockFacts` (occurred-at times, not recorded-at)
and asks for the deadlines as of a moment; facts later than that moment are ignored, so
"what was due, and was it met, as of last March" has one answer. A clock runs from the latest
time its start event happened and stops at the first of its stop events after that: what
happened before a reopen stays done, and a start event that happens again starts it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from libs.domain.deadlines.calendar import BusinessCalendar, Period, Unit, validate_calendar
from libs.domain.deadlines.regime import ClockEvent, ClockRule, Party, Regime, RegimeVariant
from libs.domain.errors import InvalidArgument


class DeadlineState(StrEnum):
    PENDING = "pending"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class PausedInterval:
    """The clock stood still from `start` until `end` (still paused when `end` is None)."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class ClockFacts:
    """When each clock event first happened, as the complaint's events record it.

    `history` holds every time each event happened, in order, where it happened more than
    once (a second final response after a reopen, a second request from the ADR entity);
    an event missing from it happened at most once, at its `..._at` time.
    `variant` picks a regime's variant (e.g. "hardship"); `country` and `subdivision`
    replace the regime's holiday calendar for this complaint (e.g. subdivision "SCT").
    """

    received_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    summary_resolution_at: datetime | None = None
    holding_reply_at: datetime | None = None
    final_response_at: datetime | None = None
    closed_at: datetime | None = None
    referred_to_adr_at: datetime | None = None
    adr_file_complete_at: datetime | None = None
    adr_request_at: datetime | None = None
    adr_answer_at: datetime | None = None
    adr_outcome_at: datetime | None = None
    decision_reopened_at: datetime | None = None
    paused: tuple[PausedInterval, ...] = ()
    variant: str | None = None
    country: str | None = None
    subdivision: str | None = None
    history: Mapping[ClockEvent, tuple[datetime, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def moments(self, event: ClockEvent) -> tuple[datetime, ...]:
        """Every time `event` happened, earliest first."""
        if event in self.history:
            return self.history[event]
        first = self.moment(event)
        return (first,) if first is not None else ()

    def moment(self, event: ClockEvent) -> datetime | None:
        moments: dict[ClockEvent, datetime | None] = {
            ClockEvent.RECEIVED: self.received_at,
            ClockEvent.ACKNOWLEDGED: self.acknowledged_at,
            ClockEvent.RESOLVED: self.resolved_at,
            ClockEvent.SUMMARY_RESOLUTION: self.summary_resolution_at,
            ClockEvent.HOLDING_REPLY: self.holding_reply_at,
            ClockEvent.FINAL_RESPONSE: self.final_response_at,
            ClockEvent.CLOSED: self.closed_at,
            ClockEvent.REFERRED_TO_ADR: self.referred_to_adr_at,
            ClockEvent.ADR_FILE_COMPLETE: self.adr_file_complete_at,
            ClockEvent.ADR_REQUEST: self.adr_request_at,
            ClockEvent.ADR_ANSWER: self.adr_answer_at,
            ClockEvent.ADR_OUTCOME: self.adr_outcome_at,
            ClockEvent.DECISION_REOPENED: self.decision_reopened_at,
        }
        return moments[event]


@dataclass(frozen=True)
class Deadline:
    """One clock of a complaint as of a moment.

    `due_at` is the end of the due day in the regime's timezone. `met_at` is when the clock
    stopped; after `due_at` it was stopped late and the state is `breached`. For a customer's
    window (`party` customer) `breached` means the window has lapsed.
    """

    clock: str
    name: str
    party: Party
    started_at: datetime
    due_at: datetime
    state: DeadlineState
    met_at: datetime | None
    met_by: ClockEvent | None
    basis: str
    explanation: str
    calendar: BusinessCalendar
    #: From when the regime counts it as approaching (None: it declares no lead for this
    #: clock, and the service's default applies: see `approaching_from`).
    approaching_at: datetime | None = None


def calendar_for(regime: Regime, facts: ClockFacts) -> BusinessCalendar:
    """The regime's calendar, or the one the complaint names instead."""
    base = regime.calendar
    if facts.country is not None:
        return validate_calendar(base.timezone, facts.country, facts.subdivision)
    if facts.subdivision is not None:
        if base.country is None:
            raise InvalidArgument(
                "subdivision",
                f"regime '{regime.name}' has no country calendar; name a country with the "
                "subdivision",
            )
        return validate_calendar(base.timezone, base.country, facts.subdivision)
    return base


def compute_deadlines(
    regime: Regime, facts: ClockFacts, as_of: datetime, *, explain: bool = True
) -> list[Deadline]:
    """Every clock of the regime that has started by `as_of`, in the regime's order.
    With `explain=False` each deadline's explanation is left empty."""
    if as_of.tzinfo is None:
        raise InvalidArgument("as_of", "as_of needs a timezone")
    if facts.variant is not None and facts.variant not in regime.variants:
        known = ", ".join(regime.variants) or "none"
        raise InvalidArgument(
            "variant", f"regime '{regime.name}' has no variant '{facts.variant}' (known: {known})"
        )
    calendar = calendar_for(regime, facts)
    variant = regime.variant_details.get(facts.variant) if facts.variant else None
    clocks = (
        _ClockRun(rule, facts, as_of, calendar, explain, variant).deadline()
        for rule in regime.clocks
        if rule.runs_for(facts.variant)
    )
    return [deadline for deadline in clocks if deadline is not None]


def approaching_from(deadline: Deadline, default_lead_business_days: int) -> datetime:
    """From when the deadline counts as approaching: the lead its regime declares for the
    clock, or else `default_lead_business_days` before its last business day. Never before
    half the clock has run: a deadline is not approaching the moment it starts."""
    if deadline.approaching_at is not None:
        return deadline.approaching_at
    return business_days_before(
        deadline.calendar, deadline.started_at, deadline.due_at, default_lead_business_days
    )


def business_days_before(
    calendar: BusinessCalendar, started_at: datetime, due_at: datetime, days: int
) -> datetime:
    """The start of the business day `days` before the last business day on or before the
    due day (from then on, no more than that many business days are left), or halfway
    through the clock if that is later."""
    last_working_day = calendar.on_or_before(calendar.local_date(due_at))
    lead = calendar.start_of_day(calendar.add_business_days(last_working_day, -days))
    return max(lead, started_at + (due_at - started_at) / 2)


def is_approaching(deadline: Deadline, as_of: datetime, default_lead_business_days: int) -> bool:
    """Still running, not yet due, and within its lead (see `approaching_from`)."""
    if deadline.state is not DeadlineState.PENDING or as_of > deadline.due_at:
        return False
    return as_of >= approaching_from(deadline, default_lead_business_days)


class _ClockRun:
    """Works out one clock: start, due day (variant, extension, pauses), and how it ended."""

    def __init__(
        self,
        rule: ClockRule,
        facts: ClockFacts,
        as_of: datetime,
        calendar: BusinessCalendar,
        explain: bool = True,
        variant: RegimeVariant | None = None,
    ) -> None:
        self.rule = rule
        self.variant = variant
        self.facts = facts
        self.as_of = as_of
        self.calendar = calendar
        #: Whether to write the explanation: most callers only need the dates, and the
        #: prose (holiday names, formatted days) is most of the work.
        self.explain = explain
        self.notes: list[str] = []

    def latest(self, event: ClockEvent) -> datetime | None:
        """The last time `event` happened by `as_of`: a clock whose start event happens
        again (a second final response, a second request) runs again from it."""
        return max((m for m in self.facts.moments(event) if m <= self.as_of), default=None)

    def seen_from(self, event: ClockEvent, started: datetime) -> datetime | None:
        """The first time `event` happened at or after `started`, if it had by `as_of`:
        what happened before this run of the clock neither stops nor extends it."""
        return next((m for m in self.facts.moments(event) if started <= m <= self.as_of), None)

    def deadline(self) -> Deadline | None:
        rule, calendar = self.rule, self.calendar
        started = self.latest(rule.starts_on)
        if started is None:
            return None
        start_day = calendar.local_date(started)
        period, basis = rule.for_variant(self.facts.variant)
        due_day = self.due_day(start_day, period)
        if self.explain:
            self.notes.append(
                f"{_label(rule.starts_on)} on {_day(start_day)}; {period.describe()} after that "
                f"ends on {_day(due_day)}{self.skipped(start_day, due_day, period)}"
            )
            self.note_variant_in_force(start_day)
        stop = self.first_stop(started, start_day)
        due_day = self.extended(started, start_day, due_day, stop)
        if rule.pausable:
            due_day = self.paused(started, due_day, period.unit, stop)
        due_at = calendar.end_of_day(due_day)
        if self.explain:
            self.notes.append(f"due by the end of {_day(due_day)} ({calendar.describe()})")
        approaching_at = self.approaching_at(started, due_at)
        if stop is not None:
            met_at, met_by = stop
            state = DeadlineState.MET if met_at <= due_at else DeadlineState.BREACHED
            late = "" if state is DeadlineState.MET else ", after the deadline"
            if self.explain:
                self.notes.append(
                    f"stopped by {_label(met_by)} on {_day(calendar.local_date(met_at))}{late}"
                )
        else:
            met_at, met_by = None, None
            state = DeadlineState.BREACHED if self.as_of > due_at else DeadlineState.PENDING
        return Deadline(
            clock=rule.name,
            name=rule.title,
            party=rule.party,
            started_at=started,
            due_at=due_at,
            state=state,
            met_at=met_at,
            met_by=met_by,
            basis=basis,
            explanation="; ".join(self.notes),
            calendar=calendar,
            approaching_at=approaching_at,
        )

    def approaching_at(self, started: datetime, due_at: datetime) -> datetime | None:
        lead = self.rule.approaching
        if lead is None:
            return None
        if lead.last_percent is not None:
            moment = due_at - (due_at - started) * lead.last_percent / 100
        else:
            assert lead.business_days is not None
            moment = business_days_before(self.calendar, started, due_at, lead.business_days)
        if self.explain:
            day = _day(self.calendar.local_date(moment))
            self.notes.append(f"approaching from {day} ({lead.describe()}): {lead.reason}")
        return moment

    def note_variant_in_force(self, start_day: date) -> None:
        """A variant named before the rule it stands for applies says so."""
        variant, rule = self.variant, self.rule
        if variant is None or variant.effective_from is None:
            return
        if variant.name not in rule.variants and variant.name not in rule.only_for_variants:
            return
        if start_day < variant.effective_from:
            source = f" ({variant.source})" if variant.source else ""
            self.notes.append(
                f"the '{variant.name}' rule{source} applies from "
                f"{_day(variant.effective_from)}; this complaint is held to it earlier"
            )

    def due_day(self, start_day: date, period: Period) -> date:
        due = self.calendar.advance(start_day, period)
        if self.rule.ends_on_business_day:
            due = self.calendar.on_or_after(due)
        return due

    def first_stop(self, started: datetime, start_day: date) -> tuple[datetime, ClockEvent] | None:
        candidates = [
            (moment, event)
            for event in self.rule.stops_on
            if (moment := self.seen_from(event, started)) is not None
        ]
        early = self.rule.early_resolution
        if early is not None and (moment := self.seen_from(early.event, started)) is not None:
            window_end = self.calendar.advance(start_day, early.within)
            if self.calendar.local_date(moment) <= window_end:
                candidates.append((moment, early.event))
                if self.explain:
                    self.notes.append(
                        f"{_label(early.event)} by the end of {_day(window_end)} "
                        f"({early.within.describe()} after) meets this clock: {early.basis}"
                    )
        return min(candidates, default=None)

    def extended(
        self,
        started: datetime,
        start_day: date,
        due_day: date,
        stop: tuple[datetime, ClockEvent] | None,
    ) -> date:
        extension = self.rule.extension
        if extension is None:
            return due_day
        moment = self.seen_from(extension.event, started)
        if moment is None or (stop is not None and stop[0] < moment):
            return due_day
        when = _day(self.calendar.local_date(moment))
        if moment > self.calendar.end_of_day(due_day):
            if self.explain:
                self.notes.append(f"{_label(extension.event)} on {when} came too late to extend it")
            return due_day
        extended = self.due_day(start_day, extension.to)
        if self.explain:
            self.notes.append(
                f"{_label(extension.event)} on {when} extends it to {extension.to.describe()} "
                f"after the start, {_day(extended)}: {extension.basis}"
            )
        return extended

    def paused(
        self,
        started: datetime,
        due_day: date,
        unit: Unit,
        stop: tuple[datetime, ClockEvent] | None,
    ) -> date:
        """Each day on which the clock was paused, up to but not including the day it
        restarted, is added back: business days for a business-day clock, else calendar days."""
        until = min(self.as_of, stop[0]) if stop else self.as_of
        for interval in sorted(self.facts.paused, key=lambda i: i.start):
            begin = max(interval.start, started)
            end = min(interval.end or until, until)
            if begin >= end or begin > self.calendar.end_of_day(due_day):
                continue
            first, restart = self.calendar.local_date(begin), self.calendar.local_date(end)
            if unit is Unit.BUSINESS_DAYS:
                days = self.calendar.business_days_between(first, restart)
                due_day = self.calendar.add_business_days(due_day, days)
            else:
                days = (restart - first).days
                due_day = due_day + timedelta(days=days)
                if self.rule.ends_on_business_day:
                    due_day = self.calendar.on_or_after(due_day)
            ongoing = " (still paused)" if interval.end is None or interval.end > until else ""
            if self.explain:
                self.notes.append(
                    f"paused from {_day(first)} to {_day(restart)}{ongoing}: {days} day(s) added, "
                    f"now {_day(due_day)}"
                )
        return due_day

    def skipped(self, start_day: date, due_day: date, period: Period) -> str:
        if period.unit is not Unit.BUSINESS_DAYS:
            return ""
        names = [
            f"{name} ({_day(day)})"
            for offset in range(1, (due_day - start_day).days + 1)
            if (name := self.calendar.holiday_name(day := start_day + timedelta(days=offset)))
        ]
        return f", skipping weekends and {', '.join(names)}" if names else ", skipping weekends"


def _label(event: ClockEvent) -> str:
    return event.value.replace("_", " ").replace("adr", "ADR")


@cache
def _day(day: date) -> str:
    # Explanations name the same few days over and over; strftime is the slow part.
    return f"{day:%a} {day.day} {day:%b %Y}"
