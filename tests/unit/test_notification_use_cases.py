"""Two of the notifications service's use cases called as a newcomer would, without HTTP or
a running service: a customer answers their survey through the signed link in their e-mail,
and a due survey e-mail is rendered once with that link, sent, retried, then delivered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from libs.domain.notification import (
    AttemptOutcome,
    Notification,
    NotificationStatus,
    Survey,
    SurveyNotOpen,
    SurveyState,
    notification_id_for,
)
from services.notifications.application import NotificationsApplication
from services.notifications.channels import Outcome, OutgoingMessage, SendResult
from services.notifications.rendering import MessageRenderer
from services.notifications.sending import RetryPolicy, Sender
from services.notifications.templates import TemplateBook
from services.notifications.tokens import SurveyTokens
from services.notifications.use_cases.dispatch import DispatchNotification, dispatch_notification
from services.notifications.use_cases.surveys import (
    AnswerSurvey,
    InvalidSurveyLink,
    ShowSurvey,
    answer_survey,
    show_survey,
)

SENT_AT = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
TOKENS = SurveyTokens(b"a survey-link key for the tests")


@dataclass
class Clock:
    now: datetime = SENT_AT

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Channel:
    """Answers each message with the next of `outcomes`, and keeps what it was given."""

    outcomes: list[Outcome]
    name: str = "email"
    received: list[OutgoingMessage] = field(default_factory=list)

    def unavailable(self) -> str | None:
        return None

    def send(self, message: OutgoingMessage) -> SendResult:
        self.received.append(message)
        return SendResult(self.outcomes.pop(0), "said the test")


@pytest.fixture
def store() -> Iterator[NotificationsApplication]:
    application = NotificationsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield application
    application.close()


def a_survey_email(store: NotificationsApplication) -> tuple[Notification, Survey]:
    """A satisfaction survey e-mail due at SENT_AT, and its survey, as the intake makes them."""
    survey = Survey.offer(
        complaint_id="c-1",
        rule="satisfaction_survey",
        trigger_event_id="c-1/9",
        notification_id=str(notification_id_for("satisfaction_survey", "c-1/9")),
        category="billing",
        tier_reached="frontline",
        adr_used=False,
        at=SENT_AT - timedelta(days=7),
        opens_at=SENT_AT,
        valid_for=timedelta(days=30),
    )
    notification = Notification.schedule(
        complaint_id="c-1",
        rule="satisfaction_survey",
        template="survey",
        channel="email",
        audience="customer",
        recipient="ada@example.com",
        locale="en",
        variables={"customer": {"name": "Ada"}},
        send_at=SENT_AT,
        trigger_event_id="c-1/9",
        scheduled_at=SENT_AT - timedelta(days=7),
        survey_id=str(survey.id),
    )
    store.save(notification, survey)
    return notification, survey


def test_a_customer_answers_their_survey_once_through_its_signed_link(
    store: NotificationsApplication,
) -> None:
    _, survey = a_survey_email(store)
    link = TOKENS.issue(survey.id, survey.expires_at)
    clock = Clock(SENT_AT + timedelta(days=1))
    parts = {"surveys": store, "tokens": TOKENS, "clock": clock}

    assert show_survey(ShowSurvey(link), **parts).state == SurveyState.OPEN
    answered = answer_survey(AnswerSurvey(link, 5, "Quick and fair"), **parts)

    assert (answered.survey_id, answered.score, answered.comment) == (
        survey.id,
        5,
        "Quick and fair",
    )
    stored = store.survey(survey.id).answer
    assert stored is not None and (stored.score, stored.answered_at) == (5, clock.now)
    assert show_survey(ShowSurvey(link), **parts).state == SurveyState.ANSWERED
    with pytest.raises(SurveyNotOpen) as again:
        answer_survey(AnswerSurvey(link, 1, "changed my mind"), **parts)
    assert again.value.reason == "answered"
    with pytest.raises(InvalidSurveyLink):
        answer_survey(AnswerSurvey(link[:-2] + "xx", 5, None), **parts)


def test_a_due_survey_email_is_rendered_once_with_its_link_then_retried_until_delivered(
    store: NotificationsApplication, tmp_path: Path
) -> None:
    for part, text in {
        "subject.txt.j2": "How did we do, {{ customer.name }}?",
        "body.txt.j2": "Tell us: {{ survey.url }}",
    }.items():
        path = tmp_path / "survey" / "en" / part
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    notification, survey = a_survey_email(store)
    channel = Channel([Outcome.RETRY, Outcome.DELIVERED])
    clock = Clock()
    dispatch = partial(
        dispatch_notification,
        notifications=store,
        renderer=MessageRenderer(TemplateBook(tmp_path, "en"), TOKENS, "https://n.example/"),
        sender=Sender({"email": channel}),
        retries=RetryPolicy([60.0], jitter=0),
        clock=clock,
    )

    after_failure = dispatch(DispatchNotification(notification.id))
    assert after_failure is not None and after_failure.status == NotificationStatus.RETRYING
    assert after_failure.due_at == SENT_AT + timedelta(seconds=60)
    clock.now = SENT_AT + timedelta(seconds=60)
    delivered = dispatch(DispatchNotification(notification.id))

    assert delivered is not None and delivered.status == NotificationStatus.DELIVERED
    assert delivered.due_at is None
    assert [a.outcome for a in delivered.attempts] == [
        AttemptOutcome.RETRY,
        AttemptOutcome.DELIVERED,
    ]
    first, second = channel.received
    link = TOKENS.issue(survey.id, survey.expires_at)
    assert first.subject == "How did we do, Ada?"
    assert first.text == f"Tell us: https://n.example/v1/followups/{link}"
    assert (second.text, second.attempt) == (first.text, 2)  # the same words, rendered once


def test_an_acknowledgement_scheduled_with_an_expiry_is_still_sent_when_late(
    store: NotificationsApplication, tmp_path: Path
) -> None:
    """One scheduled before acknowledgements stopped expiring (its `expires_at` kept in its
    events) is sent all the same: the complaint stays unacknowledged until it is (DISP
    1.6.1R). Any other message past its expiry is still cancelled."""
    for part, text in {"subject.txt.j2": "Received", "body.txt.j2": "We have it."}.items():
        path = tmp_path / "acknowledgement" / "en" / part
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def scheduled(rule: str) -> Notification:
        notification = Notification.schedule(
            complaint_id="c-1",
            rule=rule,
            template="acknowledgement",
            channel="email",
            audience="customer",
            recipient="ada@example.com",
            locale="en",
            variables={},
            send_at=SENT_AT,
            expires_at=SENT_AT + timedelta(days=3),
            trigger_event_id=f"c-1/{rule}",
            scheduled_at=SENT_AT,
        )
        store.save(notification)
        return notification

    acknowledgement, other = scheduled("acknowledgement"), scheduled("reminder")
    channel = Channel([Outcome.DELIVERED])
    dispatch = partial(
        dispatch_notification,
        notifications=store,
        renderer=MessageRenderer(TemplateBook(tmp_path, "en"), TOKENS, "https://n.example/"),
        sender=Sender({"email": channel}),
        retries=RetryPolicy([60.0], jitter=0),
        clock=Clock(SENT_AT + timedelta(days=10)),
        acknowledgements=frozenset({"acknowledgement"}),
    )

    sent = dispatch(DispatchNotification(acknowledgement.id))
    dropped = dispatch(DispatchNotification(other.id))

    assert sent is not None and sent.status == NotificationStatus.DELIVERED
    assert dropped is not None and dropped.status == NotificationStatus.CANCELLED
    assert dropped.closed_reason == "too late to be worth sending"
    assert [m.text for m in channel.received] == ["We have it."]
