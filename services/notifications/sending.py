"""Handing a rendered notification to its channel, and how long to wait before trying a
failed one again.

A channel is a plugin (services.notifications.channels); one that raises is treated as a
failure worth retrying, so a plugin's defect cannot stop the other messages. Retries follow
the configured schedule (Standard Webhooks' by default), spread by a random jitter so that
messages failed together are not retried together, and never sooner than the receiver
asked (`Retry-After`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

import structlog

from libs.domain.notification import Notification
from services.notifications.channels import (
    Attachment,
    Channel,
    Outcome,
    OutgoingMessage,
    SendResult,
)

#: The files a notification encloses (its template's `enclosures.txt.j2`, read at sending
#: from the variables it was scheduled with, so every attempt encloses the same).
Enclosures = Callable[[Notification], tuple[Attachment, ...]]

log = structlog.get_logger()


def outgoing_message(
    notification: Notification, attachments: tuple[Attachment, ...] = ()
) -> OutgoingMessage:
    """The next attempt at a rendered notification, as its channel sees it."""
    message = notification.message
    assert message is not None, "only a rendered notification is sent"
    variables = notification.variables
    return OutgoingMessage(
        notification_id=str(notification.id),
        complaint_id=notification.complaint_id,
        complaint_reference=variables.get("complaint", {}).get("reference"),
        rule=notification.rule,
        template=notification.template,
        locale=notification.locale,
        audience=notification.audience,
        recipient=notification.recipient,
        subject=message.subject,
        text=message.text,
        html=message.html,
        attempt=notification.attempts_made + 1,
        scheduled_at=notification.scheduled_at.isoformat(),
        correlation_id=(variables.get("event") or {}).get("correlation_id"),
        attachments=attachments,
    )


def no_enclosures(notification: Notification) -> tuple[Attachment, ...]:
    return ()


class Sender:
    def __init__(
        self, channels: dict[str, Channel], enclosures: Enclosures = no_enclosures
    ) -> None:
        self._channels = channels
        self._enclosures = enclosures

    def send(self, notification: Notification) -> SendResult:
        channel = self._channels.get(notification.channel)
        if channel is None:
            return SendResult(Outcome.PERMANENT, f"no channel '{notification.channel}'")
        try:
            attachments = self._enclosures(notification)
        except OSError as error:  # a file removed since start-up: the operator's to restore
            log.error("enclosure missing", notification_id=str(notification.id), error=str(error))
            return SendResult(Outcome.RETRY, f"enclosure missing: {error.filename}")
        try:
            result = channel.send(outgoing_message(notification, attachments))
        except Exception as error:  # a plugin's defect must not stop the other messages
            log.exception("channel failed", channel=notification.channel)
            result = SendResult(Outcome.RETRY, f"channel error: {type(error).__name__}")
        log.info(
            "notification attempted",
            notification_id=str(notification.id),
            channel=notification.channel,
            outcome=result.outcome.value,
            detail=result.detail,
        )
        return result


class RetryPolicy:
    def __init__(self, schedule_seconds: list[float], jitter: float) -> None:
        self._schedule = list(schedule_seconds)
        self._jitter = jitter
        self._random = random.Random()

    def retry_in(self, attempts_made: int, retry_after: float | None) -> timedelta | None:
        """How long after the `attempts_made`-th failure to try again; None: give up."""
        if attempts_made >= len(self._schedule):
            return None
        delay = self._schedule[attempts_made]
        delay *= 1 + self._random.uniform(-self._jitter, self._jitter)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return timedelta(seconds=delay)
