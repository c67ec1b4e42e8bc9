"""Regulator reports, computed from the complaint list projection (so they rebuild with it).

The shape follows what complaint-handling regulators ask firms for (e.g. the FCA's complaints
return): complaints opened and closed in a period, how long the closed ones took, how many
were upheld, and the redress paid — in total and by product category.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, and_, or_, select

from services.complaints.readmodel.queries import as_utc
from services.complaints.readmodel.tables import complaint_list

FOUR_WEEKS = timedelta(weeks=4)
EIGHT_WEEKS = timedelta(weeks=8)
UPHELD = ("upheld", "partially_upheld")


@dataclass
class Tally:
    opened: int = 0
    closed: int = 0
    closed_within_4_weeks: int = 0
    closed_4_to_8_weeks: int = 0
    closed_after_8_weeks: int = 0
    upheld: int = 0
    redress_paid: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "closed": self.closed,
            "closed_within_4_weeks": self.closed_within_4_weeks,
            "closed_4_to_8_weeks": self.closed_4_to_8_weeks,
            "closed_after_8_weeks": self.closed_after_8_weeks,
            "upheld": self.upheld,
            "upheld_rate": round(self.upheld / self.closed, 4) if self.closed else None,
            "redress_paid": {c: str(a) for c, a in sorted(self.redress_paid.items())},
        }


def regulatory_report(
    engine: Engine, *, regime: str | None, start: datetime, end: datetime
) -> dict[str, Any]:
    start, end = as_utc(start), as_utc(end)
    table = complaint_list
    in_period = or_(
        and_(table.c.received_at >= start, table.c.received_at < end),
        and_(table.c.closed_at >= start, table.c.closed_at < end),
    )
    query = select(table).where(in_period)
    if regime is not None:
        query = query.where(table.c.regime == regime)
    total = Tally()
    by_category: dict[str, Tally] = defaultdict(Tally)
    with engine.connect() as connection:
        for row in connection.execute(query):
            for tally in (total, by_category[row.category]):
                _count(tally, row, start, end)
    return {
        "regime": regime,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "totals": total.as_dict(),
        "by_category": {name: t.as_dict() for name, t in sorted(by_category.items())},
    }


def _count(tally: Tally, row: Any, start: datetime, end: datetime) -> None:
    received = as_utc(row.received_at)
    if start <= received < end:
        tally.opened += 1
    if row.closed_at is None or not (start <= as_utc(row.closed_at) < end):
        return
    tally.closed += 1
    took = as_utc(row.closed_at) - received
    if took <= FOUR_WEEKS:
        tally.closed_within_4_weeks += 1
    elif took <= EIGHT_WEEKS:
        tally.closed_4_to_8_weeks += 1
    else:
        tally.closed_after_8_weeks += 1
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
    """One row per category and a total row; redress as `GBP 120.00; EUR 40.00`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["category", *CSV_COLUMNS])
    rows = [*report["by_category"].items(), ("all", report["totals"])]
    for category, tally in rows:
        redress = "; ".join(f"{c} {a}" for c, a in tally["redress_paid"].items())
        values = [tally[c] for c in CSV_COLUMNS[:-1]]
        writer.writerow([category, *["" if v is None else v for v in values], redress])
    return out.getvalue()
