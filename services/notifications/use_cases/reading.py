"""What staff read: notifications with their delivery attempts, and the satisfaction report.

Both read the read models (services.notifications.projection), never the event store, and
both are limited to one legal entity's rows when the reader's key is (issue 20).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from libs.domain.notification import MAX_SCORE, MIN_SCORE
from services.notifications.tables import delivery_attempts, surveys
from services.notifications.tables import notifications as notification_rows


@dataclass(frozen=True)
class ListNotifications:
    complaint_id: str | None = None  # None: every complaint's
    status: str | None = None  # None: whatever their status
    after: int = 0  # the `next_after` of the page before
    limit: int = 50
    legal_entity: str | None = None  # None: every entity's (a group-wide key)


@dataclass(frozen=True)
class NotificationsPage:
    items: list[dict[str, Any]]  # each notification's row, with its `attempts`
    next_after: int | None  # the cursor of the next page; None: this was the last


def list_notifications(query: ListNotifications, *, engine: Engine) -> NotificationsPage:
    """A page of notifications in the order they were scheduled."""
    table = notification_rows
    limit = query.limit
    rows_wanted = select(table).where(table.c.position > query.after)
    if query.complaint_id is not None:
        rows_wanted = rows_wanted.where(table.c.complaint_id == query.complaint_id)
    if query.status is not None:
        rows_wanted = rows_wanted.where(table.c.status == query.status)
    if query.legal_entity is not None:
        rows_wanted = rows_wanted.where(table.c.legal_entity == query.legal_entity)
    rows_wanted = rows_wanted.order_by(table.c.position).limit(limit + 1)
    attempts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(rows_wanted).mappings()]
        more = len(rows) > limit
        rows = rows[:limit]
        if rows:
            for attempt in connection.execute(
                select(delivery_attempts)
                .where(
                    delivery_attempts.c.notification_id.in_([r["notification_id"] for r in rows])
                )
                .order_by(delivery_attempts.c.notification_id, delivery_attempts.c.attempt)
            ).mappings():
                attempts[attempt["notification_id"]].append(dict(attempt))
    items = [
        {**row, "id": row["notification_id"], "attempts": attempts.get(row["notification_id"], [])}
        for row in rows
    ]
    return NotificationsPage(items, rows[-1]["position"] if more else None)


def _summary(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    offered = answered = total = 0
    distribution = {str(score): 0 for score in range(MIN_SCORE, MAX_SCORE + 1)}
    for row in rows:
        offered += 1
        if row["score"] is not None:
            answered += 1
            total += row["score"]
            distribution[str(row["score"])] += 1
    return {
        "offered": offered,
        "answered": answered,
        "response_rate": round(answered / offered, 4) if offered else None,
        "average": round(total / answered, 2) if answered else None,
        "distribution": distribution,
    }


def _grouped(
    rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return {name: _summary(members) for name, members in sorted(groups.items())}


def _offered_between(
    row: dict[str, Any], offered_from: datetime | None, offered_to: datetime | None
) -> bool:
    offered = datetime.fromisoformat(str(row["offered_at"]))
    return (offered_from is None or offered >= offered_from) and (
        offered_to is None or offered < offered_to
    )


def satisfaction_report(
    *,
    engine: Engine,
    offered_from: datetime | None = None,
    offered_to: datetime | None = None,
    with_comments: bool = False,
    legal_entity: str | None = None,
) -> dict[str, Any]:
    """Counts, average and distribution overall, by category, tier reached and ADR use, of
    one legal entity's surveys (None: every entity's) offered from `offered_from`
    (inclusive) to `offered_to` (exclusive).

    A survey counts as offered once its e-mail was delivered. Withdrawn surveys (the
    complaint was reopened or appealed) are counted apart, unless the customer had already
    answered: their answer stands. `with_comments` adds what customers wrote, newest first
    (for supervisors: free text may name people)."""
    table = notification_rows
    with engine.connect() as connection:
        offered = select(surveys)
        if legal_entity is not None:
            offered = offered.where(surveys.c.legal_entity == legal_entity)
        rows = [
            dict(row)
            for row in connection.execute(offered).mappings()
            if _offered_between(dict(row), offered_from, offered_to)
        ]
        sent = set(
            connection.execute(
                select(table.c.survey_id).where(
                    table.c.survey_id.is_not(None), table.c.delivered_at.is_not(None)
                )
            ).scalars()
        )
    answered_or_sent = [r for r in rows if r["score"] is not None or r["survey_id"] in sent]
    counted = [r for r in answered_or_sent if not r["withdrawn"] or r["score"] is not None]
    comments = sorted(
        (
            {
                "survey_id": r["survey_id"],
                "complaint_id": r["complaint_id"],
                "category": r["category"],
                "score": r["score"],
                "comment": r["comment"],
                "answered_at": r["answered_at"],
            }
            for r in counted
            if r["score"] is not None and r["comment"]
        ),
        key=lambda c: str(c["answered_at"]),
        reverse=True,
    )
    return {
        **_summary(counted),
        **({"comments": comments} if with_comments else {}),
        "withdrawn": sum(1 for r in rows if r["withdrawn"] and r["score"] is None),
        "waiting_to_be_sent": sum(
            1 for r in rows if r not in answered_or_sent and not r["withdrawn"]
        ),
        "by_category": _grouped(counted, lambda r: str(r["category"])),
        "by_tier_reached": _grouped(counted, lambda r: str(r["tier_reached"])),
        "by_adr_used": _grouped(counted, lambda r: "true" if r["adr_used"] else "false"),
    }
