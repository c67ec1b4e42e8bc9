"""The read models, kept from this service's own log by a follower (libs.platform.follower.SqlSink):
notifications and their delivery attempts (for `GET /v1/notifications`), the timers the
dispatcher claims, and surveys with their answers (for the satisfaction report). Each page
is applied in one transaction with the follower's position; a rebuild replays the log.

Feed events arrive with their type as a string, so each is handled by a table from the
event's name to its handler, built once from the domain's event classes (a renamed event
fails at start, not by being skipped). Events not in it (none yet) change nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, update

from libs.domain.access import entity_or_default
from libs.domain.notification import Notification, Survey
from libs.platform.follower import FeedEvent
from libs.platform.sql.database import upsert
from services.notifications.tables import (
    delivery_attempts,
    notification_timers,
    notifications,
    surveys,
)

NAME = "notifications:read-models"
Handler = Callable[[Connection, FeedEvent, dict[str, Any]], None]


def unix(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


class ReadModelProjection:
    def __init__(self, engine: Engine) -> None:
        self._insert = upsert(engine)
        self._handlers: dict[str, Handler] = {
            event.__name__: handler
            for event, handler in (
                (Notification.Scheduled, self._scheduled),
                (Notification.Rendered, self._rendered),
                (Notification.DeliveryAttempted, self._delivery_attempted),
                (Notification.Cancelled, self._cancelled),
                (Survey.Offered, self._offered),
                (Survey.Answered, self._answered),
                (Survey.Withdrawn, self._withdrawn),
            )
        }

    def __call__(self, connection: Connection, events: Sequence[FeedEvent]) -> None:
        for event in events:
            handler = self._handlers.get(event.name)
            if handler is not None:
                handler(connection, event, event.data)

    # -- notifications ----------------------------------------------------------------------

    def _scheduled(self, connection: Connection, event: FeedEvent, data: dict[str, Any]) -> None:
        row = {
            "notification_id": event.subject,
            "position": event.position,
            "complaint_id": data["complaint_id"],
            "rule": data["rule"],
            "template": data["template"],
            "channel": data["channel"],
            "audience": data["audience"],
            "recipient": data.get("recipient"),
            "locale": data["locale"],
            "status": "scheduled",
            "trigger_event_id": data["trigger_event_id"],
            "survey_id": data.get("survey_id"),
            "scheduled_at": data["scheduled_at"],
            "send_at": data["send_at"],
            "legal_entity": entity_or_default(data.get("legal_entity")),
        }
        connection.execute(self._insert(notifications).values(**row).on_conflict_do_nothing())
        connection.execute(
            self._insert(notification_timers)
            .values(notification_id=event.subject, due_at=unix(data["send_at"]))
            .on_conflict_do_nothing()
        )

    def _rendered(self, connection: Connection, event: FeedEvent, data: dict[str, Any]) -> None:
        connection.execute(
            update(notifications)
            .where(notifications.c.notification_id == event.subject)
            .values(subject=data["subject"])
        )

    def _delivery_attempted(
        self, connection: Connection, event: FeedEvent, data: dict[str, Any]
    ) -> None:
        connection.execute(
            self._insert(delivery_attempts)
            .values(
                notification_id=event.subject,
                attempt=data["attempt"],
                outcome=data["outcome"],
                detail=data["detail"],
                attempted_at=data["attempted_at"],
                next_attempt_at=data.get("next_attempt_at"),
            )
            .on_conflict_do_nothing()
        )
        changes: dict[str, Any]
        if data["outcome"] == "delivered":
            changes = {"status": "delivered", "delivered_at": data["attempted_at"]}
        elif data.get("next_attempt_at"):
            changes = {"status": "retrying"}
        else:
            changes = {"status": "failed", "closed_reason": data["detail"]}
        this = notifications.c.notification_id == event.subject
        # A message sent just as it was cancelled stays 'cancelled', with its attempt shown.
        connection.execute(
            update(notifications)
            .where(this, notifications.c.status != "cancelled")
            .values(**changes)
        )
        timer = notification_timers.c.notification_id == event.subject
        if data.get("next_attempt_at"):
            connection.execute(
                update(notification_timers)
                .where(timer)
                .values(due_at=unix(data["next_attempt_at"]), claimed_until=None)
            )
        else:
            connection.execute(delete(notification_timers).where(timer))

    def _cancelled(self, connection: Connection, event: FeedEvent, data: dict[str, Any]) -> None:
        connection.execute(
            update(notifications)
            .where(notifications.c.notification_id == event.subject)
            .values(status="cancelled", closed_reason=data["reason"])
        )
        connection.execute(
            delete(notification_timers).where(
                notification_timers.c.notification_id == event.subject
            )
        )

    # -- surveys ------------------------------------------------------------------------------

    def _offered(self, connection: Connection, event: FeedEvent, data: dict[str, Any]) -> None:
        connection.execute(
            self._insert(surveys)
            .values(
                survey_id=event.subject,
                complaint_id=data["complaint_id"],
                rule=data["rule"],
                category=data["category"],
                tier_reached=data["tier_reached"],
                adr_used=bool(data["adr_used"]),
                offered_at=data["offered_at"],
                expires_at=data["expires_at"],
                withdrawn=False,
                legal_entity=entity_or_default(data.get("legal_entity")),
            )
            .on_conflict_do_nothing()
        )

    def _answered(self, connection: Connection, event: FeedEvent, data: dict[str, Any]) -> None:
        connection.execute(
            update(surveys)
            .where(surveys.c.survey_id == event.subject)
            .values(
                score=data["score"], comment=data.get("comment"), answered_at=data["answered_at"]
            )
        )

    def _withdrawn(self, connection: Connection, event: FeedEvent, data: dict[str, Any]) -> None:
        connection.execute(
            update(surveys).where(surveys.c.survey_id == event.subject).values(withdrawn=True)
        )
