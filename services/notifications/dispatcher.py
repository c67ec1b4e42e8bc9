"""The dispatcher: sends each notification when its timer is due, exactly once in the normal
course of things, and at least once across crashes.

Due timers are a projection (`notification_timers`). A loop claims due rows — `FOR UPDATE
SKIP LOCKED` on PostgreSQL so that two processes take different rows; SQLite serialises
writers, so a claim there is a conditional UPDATE — then re-reads the notification (the
truth), renders it once (recorded, so a retry sends the same words), hands it to its
channel and records the attempt. A restart loses nothing: timers are rows, written with the
position of the event that set them. Nothing is sent twice unless a process dies between a
channel accepting a message and the attempt being recorded; then the lease runs out and the
message is sent again with the same Message-ID / webhook-id for the receiver to drop.

The clock is injected: tests move time instead of sleeping.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog
from jinja2 import TemplateError
from sqlalchemy import Engine, delete, or_, select, update

from libs.domain.notification import AttemptOutcome, Notification
from services.notifications.application import NotFound, NotificationsApplication
from services.notifications.channels import Channel, Outcome, OutgoingMessage, SendResult
from services.notifications.settings import NotificationsSettings
from services.notifications.tables import notification_timers
from services.notifications.templates import TemplateBook
from services.notifications.tokens import SurveyTokens

log = structlog.get_logger()
Clock = Callable[[], datetime]


def offset_clock(seconds: float) -> Clock:
    """The real clock, moved by `seconds` (REDRESS_CLOCK_OFFSET_SECONDS, for tests)."""
    shift = timedelta(seconds=seconds)
    return lambda: datetime.now(UTC) + shift


class Dispatcher:
    def __init__(
        self,
        application: NotificationsApplication,
        engine: Engine,
        book: TemplateBook,
        channels: dict[str, Channel],
        tokens: SurveyTokens,
        settings: NotificationsSettings,
        clock: Clock,
    ) -> None:
        self._application = application
        self._engine = engine
        self._book = book
        self._channels = channels
        self._tokens = tokens
        self._settings = settings
        self.clock = clock
        self._random = random.Random()
        self.sent = 0  # messages handed to a channel by this process (for tests and metrics)

    # -- the loop's one step ----------------------------------------------------------------

    def dispatch_due(self) -> int:
        """Works on every notification due now; returns how many it worked on."""
        worked = 0
        while True:
            claimed = self._claim(self.clock().timestamp())
            if not claimed:
                return worked
            for notification_id, lease in claimed:
                # The batch was claimed at once but is worked one by one: each item gets a
                # full lease as its turn comes, or is left to whoever took it meanwhile.
                if not self._renew(notification_id, lease):
                    continue
                try:
                    self.work_on(notification_id)
                except Exception:
                    # Leave the lease to expire: the notification is tried again then.
                    log.exception("dispatching failed", notification_id=notification_id)
                worked += 1

    def _claim(self, now: float) -> list[tuple[str, float]]:
        table = notification_timers
        free = or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)
        query = (
            select(table.c.notification_id)
            .where(table.c.due_at <= now, free)
            .order_by(table.c.due_at)
            .limit(self._settings.dispatch_batch)
        )
        if self._engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        lease = now + self._settings.lease_seconds
        with self._engine.begin() as connection:
            for (notification_id,) in connection.execute(query).all():
                taken = connection.execute(
                    update(table)
                    .where(table.c.notification_id == notification_id, free)
                    .values(claimed_until=lease)
                ).rowcount
                if taken:
                    claimed.append((notification_id, lease))
        return claimed

    def _renew(self, notification_id: str, lease: float) -> bool:
        """Extends our claim from now, if it is still ours."""
        table = notification_timers
        with self._engine.begin() as connection:
            return bool(
                connection.execute(
                    update(table)
                    .where(table.c.notification_id == notification_id)
                    .where(table.c.claimed_until == lease)
                    .values(claimed_until=self.clock().timestamp() + self._settings.lease_seconds)
                ).rowcount
            )

    def _settle(self, notification_id: str, notification: Notification | None) -> None:
        """Makes the timer row say what the notification says: next due time, or gone."""
        table = notification_timers
        this = table.c.notification_id == notification_id
        due = notification.due_at if notification is not None else None
        with self._engine.begin() as connection:
            if due is None:
                connection.execute(delete(table).where(this))
            else:
                connection.execute(
                    update(table).where(this).values(due_at=due.timestamp(), claimed_until=None)
                )

    # -- one notification -------------------------------------------------------------------

    def work_on(self, notification_id: str) -> None:
        try:
            notification = self._application.notification(UUID(notification_id))
        except NotFound:
            self._settle(notification_id, None)
            return
        now = self.clock()
        if notification.is_open and notification.is_too_late(now):
            notification = self._application.change(
                notification.id,
                Notification,
                "notification",
                lambda n: (
                    n.cancel(reason="too late to be worth sending", at=now) if n.is_open else None
                ),
            )
        if not notification.is_due(now):
            self._settle(notification_id, notification)
            return
        if notification.message is None:
            notification = self._render(notification, now)
            if not notification.is_open:
                self._settle(notification_id, notification)
                return
        result = self._send(notification)
        notification = self._record(notification.id, result)
        self._settle(notification_id, notification)

    def _render(self, notification: Notification, now: datetime) -> Notification:
        variables = dict(notification.variables)
        if notification.survey_id is not None:
            survey = self._application.survey(UUID(notification.survey_id))
            token = self._tokens.issue(survey.id, survey.expires_at)
            variables["survey"] = {
                "url": f"{self._settings.public_url.rstrip('/')}/v1/followups/{token}",
                "expires_at": survey.expires_at.isoformat(),
            }
        try:
            message = self._book.render(notification.template, notification.locale, variables)
        except (TemplateError, OSError) as error:
            # Templates were checked at start-up; one edited since is the operator's to fix.
            detail = f"cannot render template '{notification.template}': {error}"
            return self._application.change(
                notification.id,
                Notification,
                "notification",
                lambda n: n.cancel(reason=detail, at=self.clock()) if n.is_open else None,
            )
        return self._application.change(
            notification.id,
            Notification,
            "notification",
            lambda n: (
                n.render(subject=message.subject, text=message.text, html=message.html, at=now)
                if n.is_open
                else None
            ),
        )

    def _send(self, notification: Notification) -> SendResult:
        channel = self._channels.get(notification.channel)
        if channel is None:
            return SendResult(Outcome.PERMANENT, f"no channel '{notification.channel}'")
        assert notification.message is not None
        message = notification.message
        outgoing = OutgoingMessage(
            notification_id=str(notification.id),
            complaint_id=notification.complaint_id,
            complaint_reference=notification.variables.get("complaint", {}).get("reference"),
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
            correlation_id=(notification.variables.get("event") or {}).get("correlation_id"),
        )
        try:
            result = channel.send(outgoing)
        except Exception as error:  # a plugin's defect must not stop the other messages
            log.exception("channel failed", channel=notification.channel)
            result = SendResult(Outcome.RETRY, f"channel error: {type(error).__name__}")
        if result.outcome == Outcome.DELIVERED:
            self.sent += 1
        log.info(
            "notification attempted",
            notification_id=str(notification.id),
            channel=notification.channel,
            outcome=result.outcome.value,
            detail=result.detail,
        )
        return result

    def _retry_in(self, attempts_made: int, retry_after: float | None) -> timedelta | None:
        schedule = self._settings.retry_schedule_seconds
        if attempts_made >= len(schedule):
            return None
        delay = schedule[attempts_made]
        jitter = self._settings.retry_jitter
        delay *= 1 + self._random.uniform(-jitter, jitter)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return timedelta(seconds=delay)

    def _record(self, notification_id: UUID, result: SendResult) -> Notification:
        at = self.clock()

        def record(notification: Notification) -> None:
            retry_in = (
                self._retry_in(notification.attempts_made, result.retry_after)
                if result.outcome == Outcome.RETRY
                else None
            )
            notification.record_attempt(
                outcome=AttemptOutcome(result.outcome.value),
                detail=result.detail,
                at=at,
                retry_in=retry_in,
            )

        return self._application.change(notification_id, Notification, "notification", record)


class DispatcherRunner:
    """Polls the dispatcher in a background thread; woken early when timers are written."""

    def __init__(self, dispatcher: Dispatcher, poll_seconds: float) -> None:
        self._dispatcher = dispatcher
        self._poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="dispatcher", daemon=True)
        self._thread.start()

    def wake(self, *_: object) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._dispatcher.dispatch_due()
                self.last_error = None
            except Exception as error:  # the database may be away: try again next tick
                self.last_error = f"{type(error).__name__}: {error}"[:500]
                log.warning("dispatcher failed; will retry", error=self.last_error)
            self._wake.wait(self._poll_seconds)
            self._wake.clear()
