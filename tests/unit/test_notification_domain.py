"""Notifications and surveys as the business speaks of them: scheduled, sent once, retried,
given up, cancelled; a survey answered once, within its time, with a score from 1 to 5."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from libs.domain.errors import IllegalTransition, InvalidArgument
from libs.domain.notification import (
    AttemptOutcome,
    CaseFile,
    Notification,
    NotificationStatus,
    Survey,
    SurveyNotOpen,
    notification_id_for,
)

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def a_notification(**overrides: object) -> Notification:
    fields: dict[str, object] = {
        "complaint_id": "c-1",
        "rule": "satisfaction_survey",
        "template": "satisfaction_survey",
        "channel": "email",
        "audience": "customer",
        "recipient": "ada@example.com",
        "locale": "en",
        "variables": {"customer": {"name": "Ada"}},
        "send_at": NOW + timedelta(days=7),
        "trigger_event_id": "c-1/9",
        "scheduled_at": NOW,
    }
    fields.update(overrides)
    return Notification.schedule(**fields)  # type: ignore[arg-type]


def rendered(notification: Notification) -> Notification:
    notification.render(subject="How did we do?", text="Hello", html=None, at=NOW)
    return notification


def test_the_same_rule_and_upstream_event_always_make_the_same_notification() -> None:
    assert (
        a_notification().id
        == a_notification().id
        == notification_id_for("satisfaction_survey", "c-1/9")
    )
    assert a_notification(trigger_event_id="c-1/10").id != a_notification().id


def test_a_notification_waits_for_its_time() -> None:
    notification = a_notification()
    assert not notification.is_due(NOW + timedelta(days=6))
    assert notification.is_due(NOW + timedelta(days=7))


def test_it_is_rendered_once_so_every_retry_sends_the_same_words() -> None:
    notification = rendered(a_notification())
    notification.render(subject="Other", text="Other", html=None, at=NOW)
    assert notification.message is not None and notification.message["subject"] == "How did we do?"


def test_a_failed_attempt_is_retried_after_the_backoff_then_delivered() -> None:
    notification = rendered(a_notification())
    later = NOW + timedelta(days=7)
    notification.record_attempt(
        outcome=AttemptOutcome.RETRY, detail="SMTP 451", at=later, retry_in=timedelta(minutes=5)
    )
    assert notification.status == NotificationStatus.RETRYING
    assert notification.due_at == later + timedelta(minutes=5)
    notification.record_attempt(
        outcome=AttemptOutcome.DELIVERED,
        detail="ok",
        at=later + timedelta(minutes=5),
        retry_in=None,
    )
    assert notification.status == NotificationStatus.DELIVERED
    assert [a["attempt"] for a in notification.attempts] == [1, 2]
    assert notification.due_at is None


def test_with_no_retries_left_or_a_permanent_refusal_it_fails_for_good() -> None:
    exhausted = rendered(a_notification())
    exhausted.record_attempt(outcome=AttemptOutcome.RETRY, detail="down", at=NOW, retry_in=None)
    assert exhausted.status == NotificationStatus.FAILED
    assert "gave up after 1 attempts" in (exhausted.closed_reason or "")
    refused = rendered(a_notification())
    refused.record_attempt(
        outcome=AttemptOutcome.PERMANENT, detail="550 no such user", at=NOW, retry_in=None
    )
    assert refused.status == NotificationStatus.FAILED
    with pytest.raises(IllegalTransition):
        refused.record_attempt(outcome=AttemptOutcome.DELIVERED, detail="", at=NOW, retry_in=None)


def test_a_pending_follow_up_can_be_cancelled_but_a_sent_one_cannot() -> None:
    pending = a_notification()
    pending.cancel(reason="cancelled by complaints.Reopened", at=NOW)
    assert pending.status == NotificationStatus.CANCELLED and pending.due_at is None
    sent = rendered(a_notification())
    sent.record_attempt(outcome=AttemptOutcome.DELIVERED, detail="", at=NOW, retry_in=None)
    with pytest.raises(IllegalTransition):
        sent.cancel(reason="too late", at=NOW)


def test_a_message_that_went_out_as_it_was_cancelled_is_still_on_record() -> None:
    notification = rendered(a_notification())
    notification.cancel(reason="cancelled by complaints.Reopened", at=NOW)
    notification.record_attempt(outcome=AttemptOutcome.DELIVERED, detail="", at=NOW, retry_in=None)
    assert notification.status == NotificationStatus.CANCELLED
    assert notification.delivered_at == NOW and len(notification.attempts) == 1


def test_a_message_never_attempted_is_too_late_after_it_expires() -> None:
    notification = a_notification(send_at=NOW, expires_at=NOW + timedelta(days=3))
    assert not notification.is_too_late(NOW + timedelta(days=2))
    assert notification.is_too_late(NOW + timedelta(days=4))
    with pytest.raises(InvalidArgument):
        a_notification(send_at=NOW, expires_at=NOW - timedelta(days=1))


def a_survey() -> Survey:
    return Survey.offer(
        complaint_id="c-1",
        rule="satisfaction_survey",
        trigger_event_id="c-1/9",
        notification_id="n-1",
        category="billing",
        tier_reached="supervisor",
        adr_used=False,
        at=NOW,
        opens_at=NOW + timedelta(days=7),
        valid_for=timedelta(days=30),
    )


def test_a_survey_takes_one_answer_with_a_score_from_1_to_5() -> None:
    survey = a_survey()
    for score in (0, 6):
        with pytest.raises(InvalidArgument):
            survey.respond(score=score, comment=None, at=NOW)
    survey.respond(score=5, comment="Great", at=NOW + timedelta(days=8))
    assert survey.answer is not None and survey.answer["score"] == 5
    with pytest.raises(SurveyNotOpen) as refused:
        survey.respond(score=1, comment="changed my mind", at=NOW + timedelta(days=9))
    assert refused.value.reason == "answered"


def test_a_survey_expires_and_can_be_withdrawn_but_an_answer_stands() -> None:
    expired = a_survey()
    with pytest.raises(SurveyNotOpen, match="expired"):
        expired.respond(score=3, comment=None, at=NOW + timedelta(days=38))
    withdrawn = a_survey()
    withdrawn.withdraw(reason="reopened", at=NOW)
    with pytest.raises(SurveyNotOpen, match="withdrawn"):
        withdrawn.respond(score=3, comment=None, at=NOW + timedelta(days=8))
    answered = a_survey()
    answered.respond(score=2, comment=None, at=NOW + timedelta(days=8))
    answered.withdraw(reason="reopened", at=NOW + timedelta(days=9))
    assert answered.withdrawn is None and answered.answer is not None


def test_a_case_file_records_only_facts_that_changed_and_knows_what_cancels_a_follow_up() -> None:
    case = CaseFile.open(
        complaint_id="c-1",
        customer={"name": "Ada"},
        category="billing",
        regime="default",
        reference="CRM-1",
        tier="frontline",
        received_at=NOW,
    )
    case.note(tier="frontline")
    assert len(case.collect_events()) == 1  # only Opened
    case.note(tier="supervisor", adr_used=True)
    case.add_followup(notification_id="n-1", survey_id="s-1", cancel_on=["complaints.Reopened"])
    assert [f["notification_id"] for f in case.followups_cancelled_by("complaints.Reopened")] == [
        "n-1"
    ]
    assert case.followups_cancelled_by("complaints.Escalated") == []
    case.drop_followups(["n-1"], because_of="complaints.Reopened")
    assert case.followups == {} and case.tier == "supervisor" and case.adr_used
