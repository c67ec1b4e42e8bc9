"""Dispatch a due notification: render it once, send it, record the attempt.

The dispatcher (services.notifications.dispatcher) calls this for each notification whose
timer it has claimed; this reads the notification itself (the truth, not the timer) and
decides. A notification never attempted and past its expiry is cancelled instead of sent,
except an acknowledgement: the complaint stays unacknowledged until one is sent (DISP
1.6.1R), so it goes late and says so (services.notifications.rendering), and once delivered it
is recorded on the complaint (services.notifications.recording), which stops its deadline.
Its words are rendered and recorded before the first attempt, so every retry sends the
same words; a template that no longer renders cancels it (templates are checked at start,
so one edited since is the operator's to fix). Each attempt is recorded with what the
channel said and, for a failure worth retrying, when to try again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from jinja2 import TemplateError

from libs.domain.notification import AttemptOutcome, Notification
from services.notifications.application import NotFound, NotificationsApplication
from services.notifications.channels import Outcome, SendResult
from services.notifications.clock import Clock
from services.notifications.recording import AcknowledgementRecorder
from services.notifications.rendering import MessageRenderer
from services.notifications.sending import RetryPolicy, Sender


@dataclass(frozen=True)
class DispatchNotification:
    notification_id: UUID


def dispatch_notification(
    command: DispatchNotification,
    *,
    notifications: NotificationsApplication,
    renderer: MessageRenderer,
    sender: Sender,
    retries: RetryPolicy,
    clock: Clock,
    acknowledgements: frozenset[str] = frozenset(),
    recorder: AcknowledgementRecorder | None = None,
) -> Notification | None:
    """The notification as this leaves it (its `due_at` says when it is due again), or
    None when there is no such notification. `acknowledgements` names the rules that send
    the regime's acknowledgement: never too late, and recorded by `recorder` once sent."""
    try:
        notification = notifications.notification(command.notification_id)
    except NotFound:
        return None
    now = clock()
    acknowledges = notification.rule in acknowledgements
    if notification.is_open and not acknowledges and notification.is_too_late(now):
        notification = notifications.change(
            notification.id,
            Notification,
            "notification",
            lambda n: (
                n.cancel(reason="too late to be worth sending", at=now) if n.is_open else None
            ),
        )
    if not notification.is_due(now):
        return notification
    if notification.message is None:
        notification = _render(notification, now, notifications, renderer, clock)
        if not notification.is_open:
            return notification
    result = sender.send(notification)
    recorded = _record(notification.id, result, notifications, retries, clock())
    if acknowledges and recorder is not None and result.outcome == Outcome.DELIVERED:
        recorder.record(recorded)
    return recorded


def _render(
    notification: Notification,
    now: datetime,
    notifications: NotificationsApplication,
    renderer: MessageRenderer,
    clock: Clock,
) -> Notification:
    survey = None
    if notification.survey_id is not None:
        survey = notifications.survey(UUID(notification.survey_id))
    try:
        message = renderer.render(notification, survey, now)
    except (TemplateError, OSError) as error:
        detail = f"cannot render template '{notification.template}': {error}"
        return notifications.change(
            notification.id,
            Notification,
            "notification",
            lambda n: n.cancel(reason=detail, at=clock()) if n.is_open else None,
        )
    return notifications.change(
        notification.id,
        Notification,
        "notification",
        lambda n: (
            n.render(subject=message.subject, text=message.text, html=message.html, at=now)
            if n.is_open
            else None
        ),
    )


def _record(
    notification_id: UUID,
    result: SendResult,
    notifications: NotificationsApplication,
    retries: RetryPolicy,
    at: datetime,
) -> Notification:
    def record(notification: Notification) -> None:
        retry_in = (
            retries.retry_in(notification.attempts_made, result.retry_after)
            if result.outcome == Outcome.RETRY
            else None
        )
        notification.record_attempt(
            outcome=AttemptOutcome(result.outcome.value),
            detail=result.detail,
            at=at,
            retry_in=retry_in,
        )

    return notifications.change(notification_id, Notification, "notification", record)
