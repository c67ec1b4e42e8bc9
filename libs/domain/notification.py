"""Notifications, satisfaction surveys, and what the notifications service knows of a case.

Three aggregates, changed only through their events:

- `Notification`: one message to one recipient over one channel, triggered by one upstream
  event under one rule. It is scheduled (now or after a delay), rendered once (so every
  retry sends the same words), attempted until delivered or given up, or cancelled while
  still pending. Its id is derived from the rule and the triggering event, so processing the
  same upstream event twice can never schedule two messages.
- `Survey`: a satisfaction survey offered after resolution; it takes exactly one answer
  (a score from 1 to 5 and a comment) before it expires, unless it was withdrawn because the
  complaint was reopened or appealed.
- `CaseFile`: the few facts of a complaint the messages need (customer, category, tier
  reached, ADR used) and the follow-ups still pending on it, kept from the complaints feed.

Time is always passed in (`at`): the service's clock is injectable, the domain has none.
Each records the legal entity its complaint belongs to (issue 20: a key scoped to one entity
sees only that entity's notifications and surveys); what was stored before a deployment had
entities belongs to the default one, as every complaint did.
The values they keep, their statuses and ids live in `libs.domain.notification_values`;
the aggregates stay here, since their events are stored under this module's name
(`libs.domain.notification:Notification.Rendered`, …).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from eventsourcing.domain import Aggregate

from libs.domain.access import DEFAULT_LEGAL_ENTITY
from libs.domain.errors import IllegalTransition, InvalidArgument
from libs.domain.notification_values import (
    MAX_COMMENT_LENGTH,
    MAX_SCORE,
    MIN_SCORE,
    OPEN,
    Addressee,
    AttemptOutcome,
    DeliveryAttempt,
    Message,
    NotificationStatus,
    PendingFollowup,
    SurveyAnswer,
    SurveyNotOpen,
    SurveyState,
    Withdrawal,
    case_file_id_for,
    notification_id_for,
    survey_id_for,
)


class Notification(Aggregate):
    # Version 2: the message and the attempts are values (`Message`, `DeliveryAttempt`),
    # not dicts; snapshots taken before are upcast, to read the same as events replayed.
    # Version 3: the complaint's legal entity.
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        if state.get("message") is not None:
            state["message"] = Message.from_record(state["message"])
        state["attempts"] = [DeliveryAttempt.from_record(a) for a in state.get("attempts", [])]

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state.setdefault("legal_entity", DEFAULT_LEGAL_ENTITY)

    class Event(Aggregate.Event):
        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Notification)
            self.change(aggregate)

        def change(self, notification: Notification) -> None:
            """What this event does to the notification."""

    class Scheduled(Aggregate.Created):
        # Version 2: `legal_entity`, the complaint's.
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("legal_entity", DEFAULT_LEGAL_ENTITY)

        complaint_id: str
        rule: str
        template: str
        channel: str
        audience: str
        recipient: str | None
        locale: str
        variables: dict[str, Any]
        send_at: datetime
        expires_at: datetime | None
        trigger_event_id: str
        survey_id: str | None
        scheduled_at: datetime
        legal_entity: str

    def __init__(
        self,
        *,
        complaint_id: str,
        rule: str,
        template: str,
        channel: str,
        audience: str,
        recipient: str | None,
        locale: str,
        variables: dict[str, Any],
        send_at: datetime,
        expires_at: datetime | None,
        trigger_event_id: str,
        survey_id: str | None,
        scheduled_at: datetime,
        legal_entity: str,
    ) -> None:
        self.complaint_id = complaint_id
        self.legal_entity = legal_entity
        self.rule = rule
        self.template = template
        self.channel = channel
        self.audience = audience
        self.recipient = recipient
        self.locale = locale
        self.variables = dict(variables)
        self.send_at = send_at
        self.expires_at = expires_at
        self.trigger_event_id = trigger_event_id
        self.survey_id = survey_id
        self.scheduled_at = scheduled_at
        self.status = NotificationStatus.SCHEDULED.value
        self.message: Message | None = None
        self.attempts: list[DeliveryAttempt] = []
        self.next_attempt_at: datetime | None = None
        self.delivered_at: datetime | None = None
        self.closed_reason: str | None = None

    @classmethod
    def schedule(
        cls,
        *,
        complaint_id: str,
        rule: str,
        template: str,
        channel: str,
        audience: str,
        recipient: str | None,
        locale: str,
        variables: dict[str, Any],
        send_at: datetime,
        trigger_event_id: str,
        scheduled_at: datetime,
        expires_at: datetime | None = None,
        survey_id: str | None = None,
        legal_entity: str = DEFAULT_LEGAL_ENTITY,
    ) -> Notification:
        if expires_at is not None and expires_at < send_at:
            raise InvalidArgument("expires_at", "a notification cannot expire before it is due")
        return cls._create(
            cls.Scheduled,
            id=notification_id_for(rule, trigger_event_id),
            complaint_id=complaint_id,
            rule=rule,
            template=template,
            channel=channel,
            audience=audience,
            recipient=recipient,
            locale=locale,
            variables=dict(variables),
            send_at=send_at,
            expires_at=expires_at,
            trigger_event_id=trigger_event_id,
            survey_id=survey_id,
            legal_entity=legal_entity,
            scheduled_at=scheduled_at,
        )

    # -- queries --------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def due_at(self) -> datetime | None:
        """When the next attempt is due; None once nothing more will be sent."""
        if not self.is_open:
            return None
        return self.next_attempt_at or self.send_at

    def is_due(self, now: datetime) -> bool:
        due = self.due_at
        return due is not None and due <= now

    def is_too_late(self, now: datetime) -> bool:
        """A message that would now only confuse (e.g. a reminder past its deadline). Never
        asked of an acknowledgement: one is owed until sent (services.notifications.rules)."""
        return self.expires_at is not None and now > self.expires_at and not self.attempts

    @property
    def attempts_made(self) -> int:
        return len(self.attempts)

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise IllegalTransition(
                action, self.status, tuple(s.value for s in OPEN), entity="a notification"
            )

    # -- rendering --------------------------------------------------------------------------

    class Rendered(Event):
        subject: str
        text: str
        html: str | None
        rendered_at: datetime

        def change(self, notification: Notification) -> None:
            notification.message = Message(self.subject, self.text, self.html, self.rendered_at)

    def render(self, *, subject: str, text: str, html: str | None, at: datetime) -> None:
        """Records the words once: every retry then sends exactly what was first rendered."""
        self._require_open("render")
        if self.message is not None:
            return
        self.trigger_event(self.Rendered, subject=subject, text=text, html=html, rendered_at=at)

    # -- delivery ---------------------------------------------------------------------------

    class DeliveryAttempted(Event):
        attempt: int
        outcome: str
        detail: str
        attempted_at: datetime
        next_attempt_at: datetime | None

        def change(self, notification: Notification) -> None:
            attempt = DeliveryAttempt(
                attempt=self.attempt,
                outcome=AttemptOutcome(self.outcome),
                detail=self.detail,
                at=self.attempted_at,
                next_attempt_at=self.next_attempt_at,
            )
            notification.attempts.append(attempt)
            if notification.status == NotificationStatus.CANCELLED:
                # Sent just as it was cancelled: the attempt is kept, the status stays.
                if self.outcome == AttemptOutcome.DELIVERED:
                    notification.delivered_at = self.attempted_at
                return
            notification.next_attempt_at = self.next_attempt_at
            if self.outcome == AttemptOutcome.DELIVERED:
                notification.status = NotificationStatus.DELIVERED.value
                notification.delivered_at = self.attempted_at
            elif self.next_attempt_at is not None:
                notification.status = NotificationStatus.RETRYING.value
            else:
                notification.status = NotificationStatus.FAILED.value
                notification.closed_reason = self.detail

    def record_attempt(
        self,
        *,
        outcome: AttemptOutcome,
        detail: str,
        at: datetime,
        retry_in: timedelta | None,
    ) -> None:
        """Records what the channel said. A retryable failure is tried again after
        `retry_in`; without it (no retries left) the notification has failed for good.
        A message handed to its channel just before it was cancelled is still recorded:
        the record shows every message that went out."""
        sendable = (*OPEN, NotificationStatus.CANCELLED)
        if self.status not in sendable:
            raise IllegalTransition(
                "record a delivery attempt on",
                self.status,
                tuple(s.value for s in sendable),
                entity="a notification",
            )
        if self.message is None:
            raise IllegalTransition(
                "deliver", "not rendered", ("rendered",), entity="a notification"
            )
        if self.status == NotificationStatus.CANCELLED:
            retry_in = None
        next_attempt_at = at + retry_in if outcome == AttemptOutcome.RETRY and retry_in else None
        if outcome == AttemptOutcome.RETRY and next_attempt_at is None:
            detail = f"{detail} (gave up after {self.attempts_made + 1} attempts)"
        self.trigger_event(
            self.DeliveryAttempted,
            attempt=self.attempts_made + 1,
            outcome=outcome.value,
            detail=detail[:1_000],
            attempted_at=at,
            next_attempt_at=next_attempt_at,
        )

    class Cancelled(Event):
        reason: str
        cancelled_at: datetime

        def change(self, notification: Notification) -> None:
            notification.status = NotificationStatus.CANCELLED.value
            notification.closed_reason = self.reason
            notification.next_attempt_at = None

    def cancel(self, *, reason: str, at: datetime) -> None:
        self._require_open("cancel")
        self.trigger_event(self.Cancelled, reason=reason, cancelled_at=at)


# -- surveys --------------------------------------------------------------------------------


class Survey(Aggregate):
    # Version 2: the answer and the withdrawal are values (`SurveyAnswer`, `Withdrawal`).
    # Version 3: the complaint's legal entity.
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        if state.get("answer") is not None:
            state["answer"] = SurveyAnswer.from_record(state["answer"])
        if state.get("withdrawn") is not None:
            state["withdrawn"] = Withdrawal.from_record(state["withdrawn"])

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state.setdefault("legal_entity", DEFAULT_LEGAL_ENTITY)

    class Event(Aggregate.Event):
        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Survey)
            self.change(aggregate)

        def change(self, survey: Survey) -> None:
            """What this event does to the survey."""

    class Offered(Aggregate.Created):
        # Version 2: `legal_entity`, the complaint's.
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("legal_entity", DEFAULT_LEGAL_ENTITY)

        complaint_id: str
        rule: str
        notification_id: str
        category: str
        tier_reached: str
        adr_used: bool
        offered_at: datetime
        opens_at: datetime
        expires_at: datetime
        legal_entity: str

    def __init__(
        self,
        *,
        complaint_id: str,
        rule: str,
        notification_id: str,
        category: str,
        tier_reached: str,
        adr_used: bool,
        offered_at: datetime,
        opens_at: datetime,
        expires_at: datetime,
        legal_entity: str,
    ) -> None:
        self.complaint_id = complaint_id
        self.legal_entity = legal_entity
        self.rule = rule
        self.notification_id = notification_id
        self.category = category
        self.tier_reached = tier_reached
        self.adr_used = adr_used
        self.offered_at = offered_at
        self.opens_at = opens_at
        self.expires_at = expires_at
        self.answer: SurveyAnswer | None = None
        self.withdrawn: Withdrawal | None = None

    @classmethod
    def offer(
        cls,
        *,
        complaint_id: str,
        rule: str,
        trigger_event_id: str,
        notification_id: str,
        category: str,
        tier_reached: str,
        adr_used: bool,
        at: datetime,
        opens_at: datetime,
        valid_for: timedelta,
        legal_entity: str = DEFAULT_LEGAL_ENTITY,
    ) -> Survey:
        """Facts are copied in now, so the report describes the case as it was resolved."""
        if valid_for <= timedelta(0):
            raise InvalidArgument("valid_for", "a survey must stay open for some time")
        return cls._create(
            cls.Offered,
            id=survey_id_for(rule, trigger_event_id),
            complaint_id=complaint_id,
            rule=rule,
            notification_id=notification_id,
            category=category,
            tier_reached=tier_reached,
            adr_used=adr_used,
            offered_at=at,
            opens_at=opens_at,
            expires_at=opens_at + valid_for,
            legal_entity=legal_entity,
        )

    class Answered(Event):
        score: int
        comment: str | None
        answered_at: datetime

        def change(self, survey: Survey) -> None:
            survey.answer = SurveyAnswer(self.score, self.comment, self.answered_at)

    def respond(self, *, score: int, comment: str | None, at: datetime) -> None:
        if self.answer is not None:
            raise SurveyNotOpen("answered", "this survey has already been answered")
        if self.withdrawn is not None:
            raise SurveyNotOpen(
                "withdrawn", "this survey was withdrawn: the complaint is being looked at again"
            )
        if at > self.expires_at:
            raise SurveyNotOpen("expired", "this survey link has expired")
        if not MIN_SCORE <= score <= MAX_SCORE:
            raise InvalidArgument("score", f"the score must be from {MIN_SCORE} to {MAX_SCORE}")
        if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
            raise InvalidArgument("comment", f"at most {MAX_COMMENT_LENGTH} characters")
        self.trigger_event(self.Answered, score=score, comment=comment, answered_at=at)

    class Withdrawn(Event):
        reason: str
        withdrawn_at: datetime

        def change(self, survey: Survey) -> None:
            survey.withdrawn = Withdrawal(self.reason, self.withdrawn_at)

    @property
    def is_open(self) -> bool:
        return self.answer is None and self.withdrawn is None

    def state_at(self, now: datetime) -> SurveyState:
        """What the survey's link shows now: answered and withdrawn outlast the expiry."""
        if self.answer is not None:
            return SurveyState.ANSWERED
        if self.withdrawn is not None:
            return SurveyState.WITHDRAWN
        return SurveyState.EXPIRED if now > self.expires_at else SurveyState.OPEN

    def withdraw(self, *, reason: str, at: datetime) -> None:
        """An answered survey stays answered: the customer's word is kept."""
        if not self.is_open:
            return
        self.trigger_event(self.Withdrawn, reason=reason, withdrawn_at=at)


# -- the case as the notifications service knows it ----------------------------------------


class CaseFile(Aggregate):
    # Version 2: the customer is an `Addressee` and each pending follow-up a
    # `PendingFollowup`, not dicts. Version 3: the complaint's legal entity.
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["customer"] = Addressee.from_record(state.get("customer") or {})
        state["followups"] = {
            notification_id: PendingFollowup.from_record(
                {"notification_id": notification_id, **followup}
            )
            for notification_id, followup in state.get("followups", {}).items()
        }

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state.setdefault("legal_entity", DEFAULT_LEGAL_ENTITY)

    class Event(Aggregate.Event):
        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CaseFile)
            self.change(aggregate)

        def change(self, case: CaseFile) -> None:
            """What this event does to the case file."""

    class Opened(Aggregate.Created):
        # Version 2: `legal_entity`, the complaint's (from its `ComplaintReceived`).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("legal_entity", DEFAULT_LEGAL_ENTITY)

        complaint_id: str
        customer: dict[str, Any]
        category: str
        regime: str
        reference: str | None
        tier: str
        received_at: datetime
        legal_entity: str

    def __init__(
        self,
        *,
        complaint_id: str,
        customer: dict[str, Any],
        category: str,
        regime: str,
        reference: str | None,
        tier: str,
        received_at: datetime,
        legal_entity: str,
    ) -> None:
        self.complaint_id = complaint_id
        self.legal_entity = legal_entity
        self.customer = Addressee.from_record(customer)
        self.category = category
        self.regime = regime
        self.reference = reference
        self.tier = tier
        self.received_at = received_at
        self.status = "open"
        self.adr_used = False
        # Follow-ups still pending and the upstream events that cancel each of them.
        self.followups: dict[str, PendingFollowup] = {}

    @classmethod
    def open(
        cls,
        *,
        complaint_id: str,
        customer: dict[str, Any],
        category: str,
        regime: str,
        reference: str | None,
        tier: str,
        received_at: datetime,
        legal_entity: str = DEFAULT_LEGAL_ENTITY,
    ) -> CaseFile:
        return cls._create(
            cls.Opened,
            id=case_file_id_for(complaint_id),
            complaint_id=complaint_id,
            customer=dict(customer),
            category=category,
            regime=regime,
            reference=reference,
            tier=tier,
            received_at=received_at,
            legal_entity=legal_entity,
        )

    class FactsChanged(Event):
        facts: dict[str, Any]

        def change(self, case: CaseFile) -> None:
            for name, value in self.facts.items():
                setattr(case, name, value)

    TRACKED_FACTS = frozenset({"tier", "status", "adr_used"})

    def note(self, **facts: Any) -> None:
        """Records the facts that changed (tier, status, adr_used); the same again is a
        no-op, so replaying a feed page records nothing new."""
        unknown = set(facts) - self.TRACKED_FACTS
        if unknown:
            raise InvalidArgument(sorted(unknown)[0], "not a fact a case file keeps")
        changed = {k: v for k, v in facts.items() if getattr(self, k) != v}
        if changed:
            self.trigger_event(self.FactsChanged, facts=changed)

    class FollowupPending(Event):
        notification_id: str
        survey_id: str | None
        cancel_on: list[str]

        def change(self, case: CaseFile) -> None:
            case.followups[self.notification_id] = PendingFollowup(
                self.notification_id, self.survey_id, tuple(self.cancel_on)
            )

    def add_followup(
        self, *, notification_id: str, survey_id: str | None, cancel_on: list[str]
    ) -> None:
        if notification_id in self.followups or not cancel_on:
            return
        self.trigger_event(
            self.FollowupPending,
            notification_id=notification_id,
            survey_id=survey_id,
            cancel_on=list(cancel_on),
        )

    class FollowupsDropped(Event):
        notification_ids: list[str]
        because_of: str

        def change(self, case: CaseFile) -> None:
            for notification_id in self.notification_ids:
                case.followups.pop(notification_id, None)

    def followups_cancelled_by(self, upstream_event: str) -> list[PendingFollowup]:
        """The pending follow-ups that `upstream_event` (e.g. `complaints.Reopened`) cancels."""
        return [f for f in self.followups.values() if f.is_cancelled_by(upstream_event)]

    def drop_followups(self, notification_ids: list[str], *, because_of: str) -> None:
        present = [n for n in notification_ids if n in self.followups]
        if present:
            self.trigger_event(
                self.FollowupsDropped, notification_ids=present, because_of=because_of
            )
