"""The dispatcher: sends each notification when its timer is due, exactly once in the normal
course of things, and at least once across crashes.

A background loop claims due timers (services.notifications.timers) and dispatches each
notification (services.notifications.use_cases.dispatch: render once, send, record the
attempt), then settles its timer from what the notification now says. A restart loses
nothing: timers are rows, written with the position of the event that set them. Nothing is
sent twice unless a process dies between a channel accepting a message and the attempt
being recorded; then the lease runs out and the message is sent again with the same
Message-ID / webhook-id for the receiver to drop.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import structlog

from libs.domain.notification import Notification
from libs.platform.runtime.loop import BackgroundLoop
from services.notifications.timers import DueTimers
from services.notifications.use_cases.dispatch import DispatchNotification

log = structlog.get_logger()

#: The dispatch use case with its dependencies bound (see bootstrap).
Dispatch = Callable[[DispatchNotification], Notification | None]


class Dispatcher:
    def __init__(self, timers: DueTimers, dispatch: Dispatch) -> None:
        self._timers = timers
        self._dispatch = dispatch

    def dispatch_due(self) -> int:
        """Works on every notification due now; returns how many it worked on."""
        worked = 0
        while True:
            claimed = self._timers.claim()
            if not claimed:
                return worked
            for claim in claimed:
                # The batch was claimed at once but is worked one by one: each item gets a
                # full lease as its turn comes, or is left to whoever took it meanwhile.
                if not self._timers.renew(claim):
                    continue
                notification_id = claim[0]
                try:
                    self.work_on(notification_id)
                except Exception:
                    # Leave the lease to expire: the notification is tried again then.
                    log.exception("dispatching failed", notification_id=notification_id)
                worked += 1

    def work_on(self, notification_id: str) -> None:
        notification = self._dispatch(DispatchNotification(UUID(notification_id)))
        self._timers.settle(notification_id, notification.due_at if notification else None)


class DispatcherRunner(BackgroundLoop):
    """Runs the dispatcher every `poll_seconds`; woken early when timers are written. A
    failed round (the database may be away) is tried again at the next poll."""

    def __init__(self, dispatcher: Dispatcher, poll_seconds: float) -> None:
        super().__init__("dispatcher", self._round, interval=poll_seconds, join_timeout=30)
        self._dispatcher = dispatcher

    def _round(self) -> None:
        self._dispatcher.dispatch_due()
