"""Snapshots of the notifications aggregates, taken now, read back as the aggregates their
events make: every value they keep (a rendered message, delivery attempts, a survey's
answer and withdrawal, the case file's addressee and pending follow-ups) is stored and
revived as itself. (Snapshots taken before these values existed: test_stored_fixture.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from libs.domain.notification import AttemptOutcome, CaseFile, Notification, Survey
from services.notifications.application import NotificationsApplication

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[NotificationsApplication]:
    application = NotificationsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield application
    application.close()


def a_notification_tried_twice() -> Notification:
    notification = Notification.schedule(
        complaint_id="c-1",
        rule="acknowledgement",
        template="acknowledgement",
        channel="email",
        audience="customer",
        recipient="ada@example.com",
        locale="en",
        variables={"customer": {"name": "Ada"}},
        send_at=NOW,
        trigger_event_id="c-1/1",
        scheduled_at=NOW,
    )
    notification.render(subject="We have your complaint", text="Hello", html="<p>Hi</p>", at=NOW)
    notification.record_attempt(
        outcome=AttemptOutcome.RETRY, detail="451", at=NOW, retry_in=timedelta(minutes=1)
    )
    notification.record_attempt(
        outcome=AttemptOutcome.DELIVERED, detail="ok", at=NOW + timedelta(minutes=1), retry_in=None
    )
    return notification


def surveys_answered_and_withdrawn() -> list[Survey]:
    surveys = [
        Survey.offer(
            complaint_id="c-1",
            rule="satisfaction_survey",
            trigger_event_id=f"c-1/{n}",
            notification_id=f"n-{n}",
            category="billing",
            tier_reached="supervisor",
            adr_used=True,
            at=NOW,
            opens_at=NOW,
            valid_for=timedelta(days=30),
        )
        for n in (1, 2)
    ]
    surveys[0].respond(score=4, comment="Fair", at=NOW + timedelta(days=1))
    surveys[1].withdraw(reason="withdrawn after complaints.Reopened", at=NOW)
    return surveys


def a_case_file_with_a_followup() -> CaseFile:
    case = CaseFile.open(
        complaint_id="c-1",
        customer={"id": "C-1", "name": "Ada", "email": "ada@example.com", "phone": None},
        category="billing",
        regime="default",
        reference="CRM-1",
        tier="frontline",
        received_at=NOW,
    )
    case.add_followup(notification_id="n-1", survey_id="s-1", cancel_on=["complaints.Reopened"])
    return case


def state(aggregate: Aggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def test_a_snapshot_taken_now_reads_back_as_the_aggregate(
    store: NotificationsApplication,
) -> None:
    aggregates = [
        a_notification_tried_twice(),
        *surveys_answered_and_withdrawn(),
        a_case_file_with_a_followup(),
    ]
    store.save(*aggregates)
    for aggregate in aggregates:
        store.take_snapshot(aggregate.id)
        (snapshot,) = store.snapshots.get(aggregate.id, desc=True, limit=1)
        assert state(snapshot.mutate(None)) == state(aggregate)
