"""A referral of a complaint to an external ADR provider, as the ADR gateway sees it.

It opens when the complaints service records `ReferredToAdr`, is prepared (provider chosen,
case bundle built), delivered through the provider's adapter (with retries, a dead letter,
redelivery on demand), and then follows what the provider reports: accepted or declined,
session scheduled, settlement proposed, decision issued, closed. Its two lifecycles
(`delivery`, ours, and `status`, the provider's) are `libs.domain.referral_lifecycle`; the
records it keeps of its history are `libs.domain.referral_records`. The eligibility result,
the provider selection and the bundle summary are documents made elsewhere (the complaints
service, the preparation step), recorded as they were given.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from libs.domain.access import DEFAULT_LEGAL_ENTITY
from libs.domain.errors import DomainError, IllegalTransition, InvalidArgument, RuleViolated
from libs.domain.referral_lifecycle import (
    MILESTONES,
    REPORTABLE_FROM,
    STATUS_AFTER,
    DecisionOutcome,
    DeliveryStatus,
    ProviderEventType,
    ReferralStatus,
)
from libs.domain.referral_records import (
    DeadLetter,
    DeliveryAttempt,
    ProviderDecision,
    ProviderUpdate,
)

REFERRAL_NAMESPACE = UUID("c5a7e0f4-1d2b-4e8a-9f3c-6b1d0e2a4c85")


def referral_id_for(reference: str) -> UUID:
    """The gateway's id for the complaint's referral reference (stable, so replays match)."""
    return uuid5(REFERRAL_NAMESPACE, reference)


#: What a provider may post: a message, or a request for information the firm must answer.
MESSAGE_KINDS = ("message", "request_for_information")
#: Who wrote a message.
FROM_PROVIDER, FROM_FIRM = "provider", "firm"
MAX_MESSAGE_LENGTH = 20_000


class NotYourReferral(DomainError):
    """A provider reported on a referral that was given to another provider."""


class WebhookIdReused(DomainError):
    """A provider sent a `webhook-id` it used before with a different body. Standard
    Webhooks makes the id the receiver's de-duplication key for one message (its retries
    carry the same id and the same body), so a different body under it is not a retry: it
    is refused rather than dropped as a duplicate, so that the provider learns of it."""

    def __init__(self, reference: str, webhook_id: str) -> None:
        super().__init__(
            f"webhook-id '{webhook_id}' was already used for another message on referral "
            f"'{reference}'; send a new message with a new webhook-id"
        )
        self.reference = reference
        self.webhook_id = webhook_id


def check_award(award: dict[str, Any]) -> None:
    """An award is a sum of money: `{"amount": "<positive decimal>", "currency": "<code>"}`
    (the amount as a string, like every amount in the API; which currency codes are money is
    checked where the webhook is read, with the ISO 4217 list)."""
    amount = award.get("amount")
    try:
        value = Decimal(amount) if isinstance(amount, str) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0:
        raise InvalidArgument(
            "data.award.amount",
            "an award's amount must be a positive decimal string, e.g. '250.00'",
        )
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise InvalidArgument("data.award.amount", "an award's amount has at most 2 decimals")
    if not isinstance(award.get("currency"), str):
        raise InvalidArgument("data.award.currency", "an award needs a currency (ISO 4217)")


class ProviderReport:
    """What every report of a provider records besides what it says (a mixin of the three
    report events, not an event of its own). Version 2 adds `body_sha256`, the digest of
    the webhook's body, so that a webhook-id used again with another body can be told from
    a retry; events stored before are upcast to none (unknown)."""

    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["body_sha256"] = None

    def remember_webhook(self, referral: Referral, webhook_id: str) -> None:
        referral.webhook_ids[webhook_id] = getattr(self, "originator_version", 0)
        referral.webhook_bodies[webhook_id] = getattr(self, "body_sha256", None)


class Referral(Aggregate):
    # Version 2: a referral records the legal entity of its complaint; a snapshot taken
    # before belonged to the default entity (the only one there was).
    # Version 3: every delivery attempt is kept (`attempt_history`, each with its delivery
    # `round`; a redelivery starts a new round instead of erasing the attempts), and the
    # digest of each recorded webhook's body (`webhook_bodies`). Snapshots taken before are
    # upcast: their attempts are round 1 (what a redelivery erased is not in them), and
    # their webhooks' digests are unknown.
    # Version 4: the messages exchanged with the provider over the provider API
    # (`messages`, issue 19) and the documents it uploaded (`documents`); snapshots taken
    # before had none.
    class_version = 4

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.setdefault("legal_entity", DEFAULT_LEGAL_ENTITY)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        attempts = [{**attempt, "round": 1} for attempt in state.get("attempts", [])]
        state["attempts"] = attempts
        state["attempt_history"] = [dict(attempt) for attempt in attempts]
        state["delivery_round"] = 1
        state["webhook_bodies"] = {webhook_id: None for webhook_id in state.get("webhook_ids", {})}

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        state.setdefault("messages", [])
        state.setdefault("documents", [])

    class Event(Aggregate.Event):
        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Referral)
            self.change(aggregate)

        def change(self, referral: Referral) -> None:
            """What this event does to the referral."""

    class Opened(Aggregate.Created):
        # Version 2: `legal_entity`, the complaint's, when the complaints feed says it (None:
        # learnt from the complaint when the referral is prepared, `LegalEntityRecorded`).
        # Version 1 events were stored when every complaint was the default entity's.
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("legal_entity", DEFAULT_LEGAL_ENTITY)

        reference: str
        complaint_id: str
        preferred_method: str | None
        preferred_provider_id: str | None
        eligibility: dict[str, Any]
        override_justification: str | None
        referred_by: str
        referred_at: datetime
        upstream_event_id: str
        correlation_id: str
        legal_entity: str | None

    def __init__(
        self,
        *,
        reference: str,
        complaint_id: str,
        preferred_method: str | None,
        preferred_provider_id: str | None,
        eligibility: dict[str, Any],
        override_justification: str | None,
        referred_by: str,
        referred_at: datetime,
        upstream_event_id: str,
        correlation_id: str,
        legal_entity: str | None,
    ) -> None:
        self.reference = reference
        self.complaint_id = complaint_id
        self.preferred_method = preferred_method
        self.preferred_provider_id = preferred_provider_id
        self.eligibility = dict(eligibility)
        self.override_justification = override_justification
        self.referred_by = referred_by
        self.referred_at = referred_at
        self.upstream_event_id = upstream_event_id
        # The CRM request that led here: carried to the provider and into the logs.
        self.correlation_id = correlation_id
        #: The legal entity of the complaint (None: not known yet, see `LegalEntityRecorded`).
        #: Only keys acting for it, or group-wide keys, see the referral (issue 20).
        self.legal_entity = legal_entity
        self.status = ReferralStatus.RECEIVED.value
        self.delivery = DeliveryStatus.NOT_STARTED.value
        self.provider_id: str | None = None
        self.selection: dict[str, Any] | None = None
        self.bundle: dict[str, Any] | None = None
        self.webhook_id: str | None = None
        self.attempts: list[DeliveryAttempt] = []
        self.next_attempt_at: datetime | None = None
        self.delivered_at: datetime | None = None
        self.dead_letter: DeadLetter | None = None
        self.provider_updates: list[ProviderUpdate] = []
        self.decision: ProviderDecision | None = None
        self.webhook_ids: dict[str, int] = {}
        #: The SHA-256 of each recorded webhook's body (None: recorded before digests were).
        self.webhook_bodies: dict[str, str | None] = {}
        #: Every delivery attempt of every round, oldest first (`attempts`: this round's).
        self.attempt_history: list[DeliveryAttempt] = []
        #: 1 for the first delivery, one more for each redelivery.
        self.delivery_round = 1
        #: Messages and requests for information between the provider and the firm, oldest
        #: first (the provider API, issue 19).
        self.messages: list[dict[str, Any]] = []
        #: The documents the provider uploaded (decision letters): digests, not content.
        self.documents: list[dict[str, Any]] = []

    def entity(self) -> str:
        """How refusals name this referral."""
        return f"referral '{self.reference}'"

    def _attempted(self, attempt: DeliveryAttempt) -> None:
        """Keeps an attempt in this round's list and in the history."""
        attempt["round"] = self.delivery_round
        self.attempts.append(attempt)
        self.attempt_history.append(DeliveryAttempt(**attempt))

    @classmethod
    def open(
        cls,
        *,
        reference: str,
        complaint_id: str,
        eligibility: dict[str, Any],
        referred_by: str,
        referred_at: datetime,
        upstream_event_id: str,
        preferred_method: str | None = None,
        preferred_provider_id: str | None = None,
        override_justification: str | None = None,
        correlation_id: str = "",
        legal_entity: str | None = None,
    ) -> Referral:
        return cls._create(
            cls.Opened,
            id=referral_id_for(reference),
            reference=reference,
            complaint_id=complaint_id,
            preferred_method=preferred_method,
            preferred_provider_id=preferred_provider_id,
            eligibility=dict(eligibility),
            override_justification=override_justification,
            referred_by=referred_by,
            referred_at=referred_at,
            upstream_event_id=upstream_event_id,
            correlation_id=correlation_id,
            legal_entity=legal_entity,
        )

    class LegalEntityRecorded(Event):
        """The complaint's legal entity, learnt when the referral was prepared (the feed
        event that opened the referral did not say it)."""

        legal_entity: str

        def change(self, referral: Referral) -> None:
            referral.legal_entity = self.legal_entity

    def record_legal_entity(self, legal_entity: str) -> None:
        """Records the complaint's legal entity, once: a complaint never changes entity."""
        if not legal_entity.strip():
            raise InvalidArgument("legal_entity", "a legal entity must not be blank")
        if self.legal_entity == legal_entity:
            return
        if self.legal_entity is not None:
            raise RuleViolated(
                f"referral '{self.reference}' belongs to legal entity '{self.legal_entity}'"
            )
        self.trigger_event(self.LegalEntityRecorded, legal_entity=legal_entity)

    # -- preparation ----------------------------------------------------------------------

    class Prepared(Event):
        provider_id: str
        selection: dict[str, Any]
        bundle: dict[str, Any]
        webhook_id: str

        def change(self, referral: Referral) -> None:
            referral.status = ReferralStatus.PREPARED.value
            referral.delivery = DeliveryStatus.PENDING.value
            referral.provider_id = self.provider_id
            referral.selection = dict(self.selection)
            referral.bundle = dict(self.bundle)
            referral.webhook_id = self.webhook_id
            referral.next_attempt_at = self.timestamp

    def prepare(
        self,
        *,
        provider_id: str,
        selection: dict[str, Any],
        bundle: dict[str, Any],
    ) -> None:
        """Records the chosen provider and the bundle built for it (digests, not content)."""
        if self.status != ReferralStatus.RECEIVED:
            raise IllegalTransition(
                "prepare", self.status, (ReferralStatus.RECEIVED.value,), entity=self.entity()
            )
        self.trigger_event(
            self.Prepared,
            provider_id=provider_id,
            selection=dict(selection),
            bundle=dict(bundle),
            # The receiver's de-duplication key: the same on every attempt and redelivery.
            webhook_id=f"msg_referral_{self.id.hex}",
        )

    # -- delivery -------------------------------------------------------------------------

    class DeliveryAttempted(Event):
        attempt: int
        status_code: int | None
        error: str
        next_attempt_at: datetime

        def change(self, referral: Referral) -> None:
            referral._attempted(
                {
                    "attempt": self.attempt,
                    "status_code": self.status_code,
                    "error": self.error,
                    "at": self.timestamp,
                    "next_attempt_at": self.next_attempt_at,
                }
            )
            referral.next_attempt_at = self.next_attempt_at

    class Delivered(Event):
        attempt: int
        status_code: int | None

        def change(self, referral: Referral) -> None:
            referral.delivery = DeliveryStatus.DELIVERED.value
            referral.delivered_at = self.timestamp
            referral.next_attempt_at = None
            referral._attempted(
                {"attempt": self.attempt, "status_code": self.status_code, "at": self.timestamp}
            )

    class DeliveryDeadLettered(Event):
        """Delivery was given up. Version 2 names the referral, its complaint and provider,
        so that the complaints service can record the failure on the complaint; events
        stored before are upcast with none (the complaints service passes them by)."""

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(reference="", complaint_id="", provider_id=None)

        attempt: int
        status_code: int | None
        reason: str
        reference: str
        complaint_id: str
        provider_id: str | None

        def change(self, referral: Referral) -> None:
            referral.delivery = DeliveryStatus.DEAD_LETTERED.value
            referral.next_attempt_at = None
            referral.dead_letter = {
                "attempt": self.attempt,
                "status_code": self.status_code,
                "reason": self.reason,
                "at": self.timestamp,
            }
            # The attempt that was given up on is history too (the dead letter is cleared
            # by a redelivery; this is not).
            referral.attempt_history.append(
                {
                    "attempt": self.attempt,
                    "status_code": self.status_code,
                    "error": self.reason,
                    "at": self.timestamp,
                    "dead_lettered": True,
                    "round": referral.delivery_round,
                }
            )

    class RedeliveryRequested(Event):
        requested_by: str

        def change(self, referral: Referral) -> None:
            referral.delivery = DeliveryStatus.PENDING.value
            referral.dead_letter = None
            referral.attempts = []  # this round's; attempt_history keeps the earlier ones
            referral.delivery_round += 1
            referral.next_attempt_at = self.timestamp

    @property
    def attempt_count(self) -> int:
        return len(self.attempts)

    def _require_pending(self, action: str) -> None:
        if self.delivery != DeliveryStatus.PENDING:
            raise IllegalTransition(
                action,
                self.delivery,
                (DeliveryStatus.PENDING.value,),
                entity=self.entity(),
                state="delivery",
            )

    def record_failed_attempt(
        self, *, status_code: int | None, error: str, next_attempt_at: datetime
    ) -> None:
        self._require_pending("record a delivery attempt on")
        self.trigger_event(
            self.DeliveryAttempted,
            attempt=self.attempt_count + 1,
            status_code=status_code,
            error=error[:500],
            next_attempt_at=next_attempt_at,
        )

    def record_delivered(self, *, status_code: int | None) -> None:
        self._require_pending("record the delivery of")
        self.trigger_event(self.Delivered, attempt=self.attempt_count + 1, status_code=status_code)

    def dead_letter_delivery(self, *, status_code: int | None, reason: str) -> None:
        self._require_pending("dead-letter")
        self.trigger_event(
            self.DeliveryDeadLettered,
            attempt=self.attempt_count + 1,
            status_code=status_code,
            reason=reason[:500],
            reference=self.reference,
            complaint_id=self.complaint_id,
            provider_id=self.provider_id,
        )

    def request_redelivery(self, *, requested_by: str) -> None:
        if self.delivery not in (DeliveryStatus.DEAD_LETTERED, DeliveryStatus.DELIVERED):
            raise IllegalTransition(
                "redeliver",
                self.delivery,
                (DeliveryStatus.DEAD_LETTERED.value, DeliveryStatus.DELIVERED.value),
                entity=self.entity(),
                state="delivery",
            )
        self.trigger_event(self.RedeliveryRequested, requested_by=requested_by)

    # -- messages between the provider and the firm (the provider API, issue 19) --------

    class MessagePosted(Event):
        """A message about the case: from the provider (its key, the provider API) or from the
        firm (an answer, `in_reply_to` the provider's message). The complaints service records
        the provider's messages on the complaint, where staff are told of them."""

        reference: str
        complaint_id: str
        provider_id: str
        message_id: str
        sender: str
        kind: str
        body: str
        author: str
        in_reply_to: str | None

        def change(self, referral: Referral) -> None:
            referral.messages.append(
                {
                    "id": self.message_id,
                    "from": self.sender,
                    "kind": self.kind,
                    "body": self.body,
                    "author": self.author,
                    "in_reply_to": self.in_reply_to,
                    "posted_at": self.timestamp,
                }
            )

    def post_message(
        self,
        *,
        message_id: str,
        sender: str,
        kind: str,
        body: str,
        author: str,
        in_reply_to: str | None = None,
    ) -> None:
        """Records a message on a referral given to a provider (before: there is nobody to
        write to). An answer names a message of the provider's."""
        if self.provider_id is None:
            raise RuleViolated(f"{self.entity()} has not been given to a provider yet")
        if kind not in MESSAGE_KINDS:
            raise InvalidArgument("kind", "kind must be one of: " + ", ".join(MESSAGE_KINDS))
        if not body.strip():
            raise InvalidArgument("body", "a message needs a body")
        if len(body) > MAX_MESSAGE_LENGTH:
            raise InvalidArgument("body", f"a message has at most {MAX_MESSAGE_LENGTH} characters")
        if in_reply_to is not None and not any(
            m["id"] == in_reply_to and m["from"] != sender for m in self.messages
        ):
            raise InvalidArgument(
                "in_reply_to", f"{self.entity()} has no message '{in_reply_to}' to answer"
            )
        self.trigger_event(
            self.MessagePosted,
            reference=self.reference,
            complaint_id=self.complaint_id,
            provider_id=self.provider_id,
            message_id=message_id,
            sender=sender,
            kind=kind,
            body=body,
            author=author,
            in_reply_to=in_reply_to,
        )

    class DocumentUploaded(Event):
        """The provider uploaded a document (a decision letter) through the provider API;
        its bytes are kept by the gateway, its digest here. The complaints service lists it
        on the complaint."""

        reference: str
        complaint_id: str
        provider_id: str
        document_id: str
        filename: str
        media_type: str
        size: int
        sha256: str
        uploaded_by: str

        def change(self, referral: Referral) -> None:
            referral.documents.append(
                {
                    "id": self.document_id,
                    "filename": self.filename,
                    "media_type": self.media_type,
                    "size": self.size,
                    "sha256": self.sha256,
                    "uploaded_by": self.uploaded_by,
                    "uploaded_at": self.timestamp,
                }
            )

    def record_document(
        self,
        *,
        document_id: str,
        filename: str,
        media_type: str,
        size: int,
        sha256: str,
        uploaded_by: str,
    ) -> None:
        """Records a document the provider uploaded (its content is kept elsewhere)."""
        if self.provider_id is None:
            raise RuleViolated(f"{self.entity()} has not been given to a provider yet")
        if not filename.strip():
            raise InvalidArgument("filename", "a document needs a file name")
        self.trigger_event(
            self.DocumentUploaded,
            reference=self.reference,
            complaint_id=self.complaint_id,
            provider_id=self.provider_id,
            document_id=document_id,
            filename=filename,
            media_type=media_type,
            size=size,
            sha256=sha256,
            uploaded_by=uploaded_by,
        )

    # -- what the provider reports --------------------------------------------------------

    class ProviderStatusReported(ProviderReport, Event):
        reference: str
        complaint_id: str
        provider_id: str
        event_type: str
        status: str
        detail: dict[str, Any]
        webhook_id: str
        occurred_at: datetime
        body_sha256: str | None

        def change(self, referral: Referral) -> None:
            referral.status = self.status
            self.remember_webhook(referral, self.webhook_id)
            referral.provider_updates.append(
                {
                    "type": self.event_type,
                    "status": self.status,
                    "detail": self.detail,
                    "occurred_at": self.occurred_at,
                }
            )

    class ProviderMilestoneReported(ProviderReport, Event):
        """A fact about the case that is not a step of its status: the provider holds the
        complete complaint file, or has told the firm of the dispute and awaits its answer.
        The complaints service starts the regime's clocks on these."""

        reference: str
        complaint_id: str
        provider_id: str
        event_type: str
        detail: dict[str, Any]
        webhook_id: str
        occurred_at: datetime
        body_sha256: str | None

        def change(self, referral: Referral) -> None:
            self.remember_webhook(referral, self.webhook_id)
            referral.provider_updates.append(
                {
                    "type": self.event_type,
                    "status": referral.status,
                    "detail": self.detail,
                    "occurred_at": self.occurred_at,
                }
            )

    class ProviderDecisionIssued(ProviderReport, Event):
        reference: str
        complaint_id: str
        provider_id: str
        outcome: str
        binding: bool | None
        award: dict[str, Any] | None
        summary: str
        webhook_id: str
        occurred_at: datetime
        body_sha256: str | None

        def change(self, referral: Referral) -> None:
            referral.status = ReferralStatus.DECIDED.value
            self.remember_webhook(referral, self.webhook_id)
            referral.decision = {
                "outcome": self.outcome,
                "binding": self.binding,
                "award": self.award,
                "summary": self.summary,
                "occurred_at": self.occurred_at,
            }

    @property
    def accepted_at(self) -> datetime | None:
        """When the provider said it accepted the case (its first acceptance)."""
        for update in self.provider_updates:
            if update["type"] == ProviderEventType.ACCEPTED:
                return update["occurred_at"]
        return None

    def has_seen(self, webhook_id: str) -> bool:
        return webhook_id in self.webhook_ids

    def report(
        self,
        *,
        provider_id: str,
        event_type: ProviderEventType,
        data: dict[str, Any],
        webhook_id: str,
        occurred_at: datetime,
        body_sha256: str | None = None,
    ) -> bool:
        """Records what the provider says; False when this webhook was already recorded
        (the same webhook-id and, where both are known, the same body: a retry)."""
        if self.provider_id is None or provider_id != self.provider_id:
            raise NotYourReferral(
                f"referral '{self.reference}' was not given to provider '{provider_id}'"
            )
        if self.has_seen(webhook_id):
            recorded = self.webhook_bodies.get(webhook_id)
            if recorded is not None and body_sha256 is not None and recorded != body_sha256:
                raise WebhookIdReused(self.reference, webhook_id)
            return False
        allowed = REPORTABLE_FROM[event_type]
        if self.status not in allowed:
            raise IllegalTransition(
                f"record '{event_type.value}' on",
                self.status,
                tuple(s.value for s in allowed),
                entity=self.entity(),
            )
        common = {
            "reference": self.reference,
            "complaint_id": self.complaint_id,
            "provider_id": provider_id,
            "webhook_id": webhook_id,
            "occurred_at": occurred_at,
            "body_sha256": body_sha256,
        }
        if event_type == ProviderEventType.DECISION_ISSUED:
            outcome = data.get("outcome")
            if outcome not in {o.value for o in DecisionOutcome}:
                raise InvalidArgument(
                    "data.outcome",
                    "a decision needs an outcome, one of: " + ", ".join(DecisionOutcome),
                )
            binding = data.get("binding")
            award = data.get("award")
            summary = data.get("summary", "")
            if binding is not None and not isinstance(binding, bool):
                raise InvalidArgument("data.binding", "binding must be true or false")
            if award is not None and not isinstance(award, dict):
                raise InvalidArgument("data.award", "award must be an object")
            if not isinstance(summary, str):
                raise InvalidArgument("data.summary", "summary must be text")
            if award is not None:
                check_award(award)
            accepted_at = self.accepted_at
            if accepted_at is not None and occurred_at < accepted_at:
                raise InvalidArgument(
                    "occurred_at",
                    f"a decision cannot precede the acceptance of referral '{self.reference}' "
                    f"({accepted_at.isoformat()})",
                )
            self.trigger_event(
                self.ProviderDecisionIssued,
                outcome=outcome,
                binding=binding,
                award=award,
                summary=summary,
                **common,
            )
            return True
        if event_type == ProviderEventType.DECLINED and not data.get("reason"):
            raise RuleViolated("a provider declining a referral must give a reason")
        if event_type == ProviderEventType.ACCEPTED and not isinstance(
            data.get("file_complete", False), bool
        ):
            raise InvalidArgument("data.file_complete", "file_complete must be true or false")
        if event_type in MILESTONES:
            self.trigger_event(
                self.ProviderMilestoneReported,
                event_type=event_type.value,
                detail=dict(data),
                **common,
            )
            return True
        self.trigger_event(
            self.ProviderStatusReported,
            event_type=event_type.value,
            status=STATUS_AFTER[event_type].value,
            detail=dict(data),
            **common,
        )
        return True
