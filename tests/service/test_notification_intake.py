"""Upstream events in, notifications scheduled: staff reminders on deadlines, customer
notices from the ADR gateway's feed, and nothing twice when a page is applied again."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from libs.domain.notification import Notification
from libs.platform.follower import ApplicationSink, FeedEvent, Page, PositionMoved
from services.notifications.bootstrap import NotificationsService, bootstrap
from services.notifications.settings import NotificationsSettings

COMPLAINT = str(uuid4())


def event(position: int, name: str, feed: str = "complaints", **data: object) -> FeedEvent:
    return FeedEvent(
        id=f"{COMPLAINT}/{position}",
        type=f"dev.redress.{feed}.{name}",
        subject=COMPLAINT,
        position=position,
        data={"occurred_at": "2025-03-03T09:00:00+00:00", **data},
    )


RECEIVED = event(
    1,
    "ComplaintReceived",
    customer={"id": "C-1", "name": "Ada Lovelace", "email": "ada@example.com"},
    category="billing",
    regime="uk-fca-disp",
    external_ref="CRM-7",
    ladder=["frontline", "supervisor"],
)


@pytest.fixture
def service(tmp_path: Path) -> NotificationsService:
    built = bootstrap(NotificationsSettings(database_url=f"sqlite:///{tmp_path / 'n.db'}"))
    yield built
    built.stop()


def scheduled(service: NotificationsService) -> dict[str, Notification]:
    found = {}
    for item in service.application.recorder.select_notifications(start=1, limit=100):
        if item.topic.endswith("Notification.Scheduled"):
            notification = service.application.notification(item.originator_id)
            found[notification.rule] = notification
    return found


def test_staff_are_reminded_before_a_deadline_and_alerted_when_it_is_missed(
    service: NotificationsService,
) -> None:
    intake = service_intake(service)
    sink = ApplicationSink(service.application, "complaints", intake.complaint_event)
    deadline = {"deadline": "final_response", "due_at": "2025-04-28T17:00:00+00:00"}
    page = Page(
        [RECEIVED, event(2, "DeadlineApproaching", **deadline), event(3, "DeadlineMissed",
                                                                       **deadline)],
        after=0, next_after=3, head=3,
    )  # fmt: skip
    sink.apply(page)
    with pytest.raises(PositionMoved):
        sink.apply(page)  # the same page again records nothing
    found = scheduled(service)
    reminder = found["deadline_reminder"]
    assert reminder.audience == "staff" and reminder.recipient == service.settings.staff_email
    message = service.book.render(reminder.template, reminder.locale, reminder.variables)
    assert message.subject == (
        "Reminder: final_response deadline on 28 April 2025 for complaint CRM-7"
    )
    assert "Customer: Ada Lovelace" in message.text
    assert found["deadline_missed_alert"].variables["event"]["deadline"] == "final_response"
    assert found["acknowledgement"].recipient == "ada@example.com"


def test_the_customer_hears_when_the_adr_provider_accepts_the_case(
    service: NotificationsService,
) -> None:
    intake = service_intake(service)
    ApplicationSink(service.application, "complaints", intake.complaint_event).apply(
        Page([RECEIVED], after=0, next_after=1, head=1)
    )
    gateway = ApplicationSink(service.application, "adr_gateway", intake.gateway_event)
    status = {"complaint_id": COMPLAINT, "reference": "ref-1", "provider_id": "sandbox"}
    gateway.apply(
        Page(
            [
                event(1, "ProviderStatusReported", "adr_gateway", status="scheduled", **status),
                event(2, "ProviderStatusReported", "adr_gateway", status="accepted", **status),
            ],
            after=0,
            next_after=2,
            head=2,
        )
    )
    accepted = scheduled(service)["adr_provider_accepted"]
    assert accepted.trigger_event_id == f"{COMPLAINT}/2"  # only the 'accepted' report
    message = service.book.render(accepted.template, accepted.locale, accepted.variables)
    # The customer's reference (the CRM's), not the referral's internal one.
    assert "accepted your case (your reference\nCRM-7)" in message.text
    assert "ref-1" not in message.text


def service_intake(service: NotificationsService):  # type: ignore[no-untyped-def]
    from services.notifications.use_cases.intake import Intake

    return Intake(service.rules, service.book, service.settings, service.clock)


def test_the_read_models_and_timers_are_rebuilt_from_the_events(
    service: NotificationsService,
) -> None:
    intake = service_intake(service)
    ApplicationSink(service.application, "complaints", intake.complaint_event).apply(
        Page([RECEIVED, event(2, "ComplaintClosed", reason="resolved")], 0, 2, 2)
    )
    service.read_models.catch_up()
    before = _tables(service)
    assert service.rebuild_read_models() > 0
    assert _tables(service) == before
    assert len(before["notification_timers"]) == 3  # acknowledgement, survey, check-in


def _tables(service: NotificationsService) -> dict[str, list[tuple[object, ...]]]:
    from sqlalchemy import select

    from services.notifications import tables

    with service.engine.connect() as connection:
        return {
            t.name: sorted(tuple(r) for r in connection.execute(select(t)))
            for t in (tables.notifications, tables.notification_timers, tables.surveys)
        }
