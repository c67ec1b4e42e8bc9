"""Regulator reports, computed from the complaint list projection (so they rebuild with it).

The shape follows what complaint-handling regulators ask firms for (e.g. the FCA's complaints
return, DISP 1.10.2R and DISP 1 Annex 1R): complaints opened and closed in a period, how long
the closed ones took — in the time bands of the regime's own return (`closure_buckets`) —
how many were upheld, the redress paid, and the deadlines breached in the period, clock by
clock; in total, by product category, by regime and by legal entity. FCA PS25/19 moves the
complaints return to legal-entity level (a return per legal entity, not per group), so a
report is for one entity (`legal_entity`) or breaks its figures down by entity
(`by_legal_entity`).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, and_, or_, select

from libs.domain.deadlines import BusinessCalendar, ClockFacts, UnknownRegime, calendar_for
from libs.domain.errors import InvalidArgument
from libs.platform.runtime.jsonable import rfc3339_utc
from services.complaints.policy import ComplaintPolicy
from services.complaints.readmodel.closure_buckets import DEFAULT, ClosureBands, closure_bands
from services.complaints.readmodel.queries import as_utc, breached_as_of
from services.complaints.readmodel.tables import complaint_deadlines, complaint_list

UPHELD = ("upheld", "partially_upheld")
#: Where a complaint's calendar cannot be built (its regime file was removed): weekends only.
FALLBACK_CALENDAR = BusinessCalendar("UTC")


@dataclass
class Tally:
    #: The bands `closed_by_bucket` counts in; None when the tally mixes regimes whose
    #: returns count in different bands (see the report's `by_regime`).
    bands: ClosureBands | None = None
    opened: int = 0
    closed: int = 0
    #: The original 4- and 8-week bands (`closure_buckets.DEFAULT`), kept for every regime.
    legacy: Counter[str] = field(default_factory=Counter)
    by_bucket: Counter[str] = field(default_factory=Counter)
    upheld: int = 0
    redress_paid: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    #: clock -> {"met_late": n, "unmet": n}
    breaches: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def as_dict(self) -> dict[str, Any]:
        by_bucket = (
            {name: self.by_bucket[name] for name in self.bands.names} if self.bands else None
        )
        return {
            "opened": self.opened,
            "closed": self.closed,
            **{name: self.legacy[name] for name in DEFAULT.names},
            "upheld": self.upheld,
            "upheld_rate": round(self.upheld / self.closed, 4) if self.closed else None,
            "redress_paid": {c: str(a) for c, a in sorted(self.redress_paid.items())},
            "closed_by_bucket": by_bucket,
            "breaches_by_clock": {
                clock: {
                    "breached": counts["met_late"] + counts["unmet"],
                    "met_late": counts["met_late"],
                    "unmet": counts["unmet"],
                }
                for clock, counts in sorted(self.breaches.items())
            },
        }


class _Calendars:
    """Each complaint's business calendar (its regime's, or the subdivision it names),
    built once per regime and subdivision."""

    def __init__(self, policy: ComplaintPolicy) -> None:
        self._policy = policy
        self._known: dict[tuple[str, str | None], BusinessCalendar] = {}

    def of(self, regime: str, subdivision: str | None, received_at: datetime) -> BusinessCalendar:
        key = (regime, subdivision)
        if key not in self._known:
            try:
                facts = ClockFacts(received_at=received_at, subdivision=subdivision)
                self._known[key] = calendar_for(self._policy.regime(regime), facts)
            except (UnknownRegime, InvalidArgument):
                self._known[key] = FALLBACK_CALENDAR
        return self._known[key]


def regulatory_report(
    engine: Engine,
    policy: ComplaintPolicy,
    *,
    regime: str | None,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    legal_entity: str | None = None,
    within: str | None = None,
) -> dict[str, Any]:
    """Complaints opened or closed in [start, end), and the deadlines that fell due in it
    and were breached as of `now` (default: the moment of asking); only `legal_entity`'s,
    if given, and only if it is `within` (the entity the reader is scoped to, if any:
    another entity's figures are empty)."""
    start, end = as_utc(start), as_utc(end)
    now = as_utc(now or datetime.now(UTC))
    bands = closure_bands(regime) if regime is not None else None
    total = Tally(bands)
    by_category: dict[str, Tally] = defaultdict(lambda: Tally(bands))
    by_regime: dict[str, Tally] = {}
    by_entity: dict[str, Tally] = defaultdict(lambda: Tally(bands))

    def tallies(category: str, row_regime: str, entity: str) -> tuple[Tally, ...]:
        if row_regime not in by_regime:
            by_regime[row_regime] = Tally(closure_bands(row_regime))
        return total, by_category[category], by_regime[row_regime], by_entity[entity]

    scope = _Scope(regime, tuple(e for e in (legal_entity, within) if e is not None))

    calendars = _Calendars(policy)
    with engine.connect() as connection:
        for row in connection.execute(_complaints_in_period(scope, start, end)):
            received = as_utc(row.received_at)
            calendar = calendars.of(row.regime, row.calendar_subdivision, received)
            for tally in tallies(row.category, row.regime, row.legal_entity):
                _count(tally, row, received, calendar, start, end)
        for category, row_regime, entity, clock, met in connection.execute(
            _breaches_in_period(scope, start, end, now)
        ):
            for tally in tallies(category, row_regime, entity):
                tally.breaches[clock]["unmet" if met is None else "met_late"] += 1
    return {
        "regime": regime,
        "legal_entity": legal_entity,
        "from": rfc3339_utc(start),
        "to": rfc3339_utc(end),
        "as_of": rfc3339_utc(now),
        "closure_buckets": bands.describe() if bands else None,
        "totals": total.as_dict(),
        "by_category": {name: t.as_dict() for name, t in sorted(by_category.items())},
        "by_regime": {
            name: {"closure_buckets": t.bands.describe() if t.bands else None, **t.as_dict()}
            for name, t in sorted(by_regime.items())
        },
        "by_legal_entity": {name: t.as_dict() for name, t in sorted(by_entity.items())},
    }


@dataclass(frozen=True)
class _Scope:
    """The complaints a report counts: of one regime, one legal entity, or all."""

    regime: str | None
    #: Entities each of which the complaint must belong to (two different: none does).
    legal_entities: tuple[str, ...]

    def limit(self, query: Any) -> Any:
        table = complaint_list
        if self.regime is not None:
            query = query.where(table.c.regime == self.regime)
        for entity in self.legal_entities:
            query = query.where(table.c.legal_entity == entity)
        return query


def _complaints_in_period(scope: _Scope, start: datetime, end: datetime) -> Any:
    table = complaint_list
    in_period = or_(
        and_(table.c.received_at >= start, table.c.received_at < end),
        and_(table.c.closed_at >= start, table.c.closed_at < end),
    )
    return scope.limit(select(table).where(in_period))


def _breaches_in_period(scope: _Scope, start: datetime, end: datetime, now: datetime) -> Any:
    """Each deadline that fell due in the period and was breached as of `now`: met late,
    or still unmet."""
    deadlines, table = complaint_deadlines, complaint_list
    query = (
        select(
            table.c.category,
            table.c.regime,
            table.c.legal_entity,
            deadlines.c.clock,
            deadlines.c.met_at,
        )
        .join(table, table.c.id == deadlines.c.complaint_id)
        .where(deadlines.c.due_at >= start, deadlines.c.due_at < end, breached_as_of(now))
    )
    return scope.limit(query)


def _count(
    tally: Tally,
    row: Any,
    received: datetime,
    calendar: BusinessCalendar,
    start: datetime,
    end: datetime,
) -> None:
    if start <= received < end:
        tally.opened += 1
    if row.closed_at is None or not (start <= as_utc(row.closed_at) < end):
        return
    closed = as_utc(row.closed_at)
    tally.closed += 1
    tally.legacy[DEFAULT.band_of(received, closed, calendar)] += 1
    if tally.bands is not None:
        tally.by_bucket[tally.bands.band_of(received, closed, calendar)] += 1
    if row.outcome in UPHELD:
        tally.upheld += 1
    if row.redress_amount is not None and row.redress_currency:
        tally.redress_paid[row.redress_currency] += Decimal(row.redress_amount)


CSV_COLUMNS = (
    "opened",
    "closed",
    "closed_within_4_weeks",
    "closed_4_to_8_weeks",
    "closed_after_8_weeks",
    "upheld",
    "upheld_rate",
    "redress_paid",
)


def as_csv(report: dict[str, Any]) -> str:
    """One row per category and a total row; redress as `GBP 120.00; EUR 40.00`. After the
    original columns: the regime's closure buckets (a report for one regime), and the
    breaches as `final_response 2; acknowledgement 1`."""
    buckets = report["closure_buckets"]
    bucket_names = [b["name"] for b in buckets["buckets"]] if buckets else []
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["category", *CSV_COLUMNS, *bucket_names, "breaches"])
    rows = [*report["by_category"].items(), ("all", report["totals"])]
    for category, tally in rows:
        redress = "; ".join(f"{c} {a}" for c, a in tally["redress_paid"].items())
        values = [tally[c] for c in CSV_COLUMNS[:-1]]
        in_buckets = [tally["closed_by_bucket"][name] for name in bucket_names]
        breaches = "; ".join(
            f"{clock} {counts['breached']}" for clock, counts in tally["breaches_by_clock"].items()
        )
        writer.writerow(
            [category, *["" if v is None else v for v in values], redress, *in_buckets, breaches]
        )
    return out.getvalue()
