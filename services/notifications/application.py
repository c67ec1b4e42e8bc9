"""The notifications service's event store: notifications, surveys, case files, API keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from libs.domain.notification import CaseFile, Notification, Survey
from libs.platform.eventstore.application import GroupCommitApplication
from libs.platform.eventstore.concurrency import retry_on_conflict
from services.notifications.stored_values import VALUE_TRANSCODINGS

NOTIFICATION_TOPIC_PREFIXES = (
    f"{Notification.__module__}:Notification.",
    f"{Notification.__module__}:Survey.",
)

A = TypeVar("A", bound=Aggregate)


class NotFound(LookupError):
    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"no {what} with id '{identifier}'")
        self.what = what
        self.identifier = identifier


class NotificationsApplication(GroupCommitApplication):
    name = "Notifications"
    follows_upstreams = True  # the complaints and ADR gateway feeds
    snapshotting_intervals: ClassVar[dict[type, int]] = {CaseFile: 100}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in VALUE_TRANSCODINGS:
            transcoder.register(transcoding)

    def _get(self, identity: UUID, kind: type[A], what: str) -> A:
        try:
            aggregate = self.repository.get(identity)
        except AggregateNotFoundError:
            raise NotFound(what, str(identity)) from None
        if not isinstance(aggregate, kind):
            raise NotFound(what, str(identity))
        return aggregate

    def notification(self, identity: UUID) -> Notification:
        return self._get(identity, Notification, "notification")

    def survey(self, identity: UUID) -> Survey:
        return self._get(identity, Survey, "survey")

    def change(self, identity: UUID, kind: type[A], what: str, command: Callable[[A], None]) -> A:
        """Loads, lets `command` decide, saves; runs again on fresh state when another
        writer (the feed intake, another dispatcher) saved first."""

        def attempt() -> A:
            aggregate = self._get(identity, kind, what)
            command(aggregate)
            self.save(aggregate)
            return aggregate

        return retry_on_conflict(
            attempt, gave_up=lambda: IntegrityError(f"{what} {identity} kept changing under us")
        )
