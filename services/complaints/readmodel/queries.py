"""Listing complaints from the read model: filters and keyset (cursor) pagination.

Whether a complaint is breached depends on the moment one asks: a deadline still running
becomes breached when its due time passes, with no event to mark it. So the list asks it of
the complaint's deadline rows as of the moment of the request (`breached_as_of`), for the
`breached` filter and for each item alike: the two always agree, and `breached=false` is
exactly the complaints `breached=true` leaves out.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, exists, not_, or_, select, true

from services.complaints.readmodel.tables import complaint_deadlines, complaint_list

#: The party whose windows are not the firm's to keep (a lapsed referral window breaches
#: nothing).
CUSTOMER = "customer"


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class ComplaintFilter:
    status: str | None = None
    tier: str | None = None
    category: str | None = None
    customer_id: str | None = None
    external_ref: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    due_before: datetime | None = None
    breached: bool | None = None
    regime: str | None = None
    regime_variant: str | None = None
    #: The legal entity (a scoped key's own, or the one a group-wide key asked for).
    legal_entity: str | None = None
    #: Flags that must all be set.
    flags: tuple[str, ...] = ()
    #: A clock the complaint must have (any party's, started).
    deadline: str | None = None
    #: The moment `breached` is judged at (default: now).
    now: datetime | None = None


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def as_utc(moment: datetime) -> datetime:
    """Stored times are UTC (SQLite keeps no offset); naive values read back are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def encode_cursor(received_at: datetime, complaint_id: str) -> str:
    raw = json.dumps([received_at.isoformat(), complaint_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        received_at, complaint_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(received_at), str(complaint_id)
    except (ValueError, TypeError) as error:
        raise InvalidCursor("the cursor is not one this service issued") from error


def breached_as_of(now: datetime) -> ColumnElement[bool]:
    """A deadline row that is breached at `now`: one of the firm's (or the ADR entity's)
    deadlines met after its due time, or still unmet when its due time has passed — the
    domain's `DeadlineState.BREACHED` (libs/domain/deadlines/clocks.py), asked in SQL."""
    deadlines = complaint_deadlines
    return and_(
        deadlines.c.party != CUSTOMER,
        or_(
            deadlines.c.met_at > deadlines.c.due_at,
            and_(deadlines.c.met_at.is_(None), deadlines.c.due_at < as_utc(now)),
        ),
    )


def breached_complaint(now: datetime) -> ColumnElement[bool]:
    """The list row's complaint has a deadline breached at `now`."""
    deadlines = complaint_deadlines
    return exists().where(deadlines.c.complaint_id == complaint_list.c.id, breached_as_of(now))


def list_complaints(
    engine: Engine, filters: ComplaintFilter, *, limit: int, cursor: str | None
) -> Page:
    """Newest first; the cursor continues after the last item of the previous page.

    Each item says whether it is `breached` at the moment of the request, and which of its
    deadlines are (`breached_deadlines`, earliest due first)."""
    table = complaint_list
    now = as_utc(filters.now or datetime.now(UTC))
    breached = breached_complaint(now)
    conditions = _conditions(filters, breached)
    if cursor is not None:
        received_at, complaint_id = decode_cursor(cursor)
        received_at = as_utc(received_at)
        conditions.append(
            or_(
                table.c.received_at < received_at,
                and_(table.c.received_at == received_at, table.c.id < complaint_id),
            )
        )
    columns = [c for c in table.columns if c.name != "breached"]
    query = (
        select(*columns, breached.label("breached"))
        .where(and_(true(), *conditions))
        .order_by(table.c.received_at.desc(), table.c.id.desc())
        .limit(limit + 1)
    )
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            next_cursor = encode_cursor(as_utc(last["received_at"]), last["id"])
        late = _breached_deadlines(connection, [row["id"] for row in rows], now)
    for row in rows:
        for column in ("received_at", "updated_at", "next_deadline_at", "closed_at"):
            if row[column] is not None:
                row[column] = as_utc(row[column])
        row["breached"] = bool(row["breached"])
        row["breached_deadlines"] = late.get(row["id"], [])
    return Page(rows, next_cursor)


def _conditions(filters: ComplaintFilter, breached: ColumnElement[bool]) -> list[Any]:
    table = complaint_list
    conditions: list[Any] = []
    for name in (
        "status",
        "tier",
        "category",
        "customer_id",
        "external_ref",
        "regime",
        "regime_variant",
        "legal_entity",
    ):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(table.c[name] == value)
    for flag in filters.flags:
        conditions.append(table.c.flags[flag].as_boolean().is_(True))
    if filters.deadline is not None:
        deadlines = complaint_deadlines
        conditions.append(
            exists().where(
                deadlines.c.complaint_id == table.c.id, deadlines.c.clock == filters.deadline
            )
        )
    if filters.received_from is not None:
        conditions.append(table.c.received_at >= as_utc(filters.received_from))
    if filters.received_to is not None:
        conditions.append(table.c.received_at < as_utc(filters.received_to))
    if filters.due_before is not None:
        conditions.append(table.c.next_deadline_at < as_utc(filters.due_before))
    if filters.breached is not None:
        # EXISTS is true or false, never NULL: `not_` of it is exactly the other complaints.
        conditions.append(breached if filters.breached else not_(breached))
    return conditions


def _breached_deadlines(connection: Any, ids: list[str], now: datetime) -> dict[str, list[str]]:
    if not ids:
        return {}
    deadlines = complaint_deadlines
    query = (
        select(deadlines.c.complaint_id, deadlines.c.clock)
        .where(deadlines.c.complaint_id.in_(ids), breached_as_of(now))
        .order_by(deadlines.c.due_at, deadlines.c.clock)
    )
    found: dict[str, list[str]] = defaultdict(list)
    for complaint_id, clock in connection.execute(query):
        found[complaint_id].append(clock)
    return found
