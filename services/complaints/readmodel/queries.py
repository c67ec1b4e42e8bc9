"""Listing complaints from the read model: filters and keyset (cursor) pagination."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, not_, or_, select

from services.complaints.readmodel.tables import complaint_list


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


def list_complaints(
    engine: Engine, filters: ComplaintFilter, *, limit: int, cursor: str | None
) -> Page:
    """Newest first; the cursor continues after the last item of the previous page."""
    table = complaint_list
    conditions = []
    for name in ("status", "tier", "category", "customer_id", "external_ref"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(table.c[name] == value)
    if filters.received_from is not None:
        conditions.append(table.c.received_at >= as_utc(filters.received_from))
    if filters.received_to is not None:
        conditions.append(table.c.received_at < as_utc(filters.received_to))
    if filters.due_before is not None:
        conditions.append(table.c.next_deadline_at < as_utc(filters.due_before))
    if filters.breached is not None:
        # Met late (recorded), or still running past its due time (as of now).
        now = as_utc(filters.now or datetime.now(UTC))
        breached = or_(table.c.breached.is_(True), table.c.next_deadline_at < now)
        conditions.append(breached if filters.breached else not_(breached))
    if cursor is not None:
        received_at, complaint_id = decode_cursor(cursor)
        received_at = as_utc(received_at)
        conditions.append(
            or_(
                table.c.received_at < received_at,
                and_(table.c.received_at == received_at, table.c.id < complaint_id),
            )
        )
    query = (
        select(table)
        .where(and_(True, *conditions))
        .order_by(table.c.received_at.desc(), table.c.id.desc())
        .limit(limit + 1)
    )
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
    for row in rows:
        for column in ("received_at", "updated_at", "next_deadline_at", "closed_at"):
            if row[column] is not None:
                row[column] = as_utc(row[column])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(last["received_at"], last["id"])
    return Page(rows, next_cursor)
