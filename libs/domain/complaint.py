"""The complaint: the case of record, from first contact to closure.

Every change is an event. A command method checks the complaint's status and rules, then
triggers the event; the event's `apply` is the only code that changes state, so replaying
the stored events reproduces exactly the complaint that was saved.

The aggregate and its nested events are one unit: stored events name their class by topic
(`libs.domain.complaint:Complaint.OfferMade`), so the events stay here, each beside the
command that triggers it. The state they build and the rules the commands check live in
modules named for them: `offers`, `appeals`, `decisions`, `adr_referral`, `lifecycle` (which
statuses allow which commands) and `ladder`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from libs.domain.access import DEFAULT_LEGAL_ENTITY
from libs.domain.adr_referral import (
    AdrFailure,
    AdrFailureKind,
    AdrOutcome,
    AdrReferral,
    AdrUpdate,
    TraderAnswer,
    TraderRequest,
    referral_named,
)
from libs.domain.appeals import Appeal, AppealStatus, appeal_to_decide, check_appealable
from libs.domain.deadlines.letters import check_letter
from libs.domain.deadlines.regime import ClockEvent, LetterKind, Regime
from libs.domain.decisions import (
    FinalResponse,
    Resolution,
    SummaryResolution,
    check_resolution_terms,
)
from libs.domain.errors import InvalidArgument, RuleViolated
from libs.domain.interaction_log import InteractionLog
from libs.domain.ladder import DEFAULT_TIERS, EscalationLadder
from libs.domain.lifecycle import (
    DECIDED,
    IN_ADR,
    NEGOTIABLE,
    REFERRABLE,
    REOPENABLE,
    UNDER_REVIEW,
    all_but,
    closable_from,
    require_status,
)
from libs.domain.offers import Offer, check_new_offer, offer_to_answer, pending_offer
from libs.domain.referral_lifecycle import ReferralStatus
from libs.domain.time_limit_waiver import TimeLimitWaiver, check_waiver_decision
from libs.domain.values import (
    AppealOutcome,
    CommandContext,
    InteractionKind,
    OfferStatus,
    ResolutionOutcome,
    Status,
)

#: The moments a reopened complaint forgets from `clock_times` (it is to be decided again,
#: so e.g. no final response stands). Its deadlines read `clock_history`, which forgets nothing.
DECISION_CLOCK_EVENTS = (
    ClockEvent.RESOLVED,
    ClockEvent.SUMMARY_RESOLUTION,
    ClockEvent.FINAL_RESPONSE,
    ClockEvent.CLOSED,
)


def _status_before_referral(state: dict[str, Any]) -> str:
    """The status a referred complaint had, from the rest of its (snapshot's) state: for a
    snapshot older than version 6, which did not keep it."""
    appeals = state.get("appeals", {}).values()
    if any(getattr(appeal, "status", None) == AppealStatus.PENDING for appeal in appeals):
        return Status.APPEALED.value
    if state.get("final_response") is not None:
        return Status.FINAL_RESPONSE_ISSUED.value
    if state.get("resolution") is not None:
        return Status.RESOLVED.value
    if state.get("escalations"):
        return Status.ESCALATED.value
    return Status.OPEN.value


class Complaint(Aggregate):
    """A customer's complaint and everything that happened to it."""

    # Version 2: interactions carry a `language` (see InteractionRecorded); snapshots taken
    # before it are upcast so a complaint reads the same from a snapshot or from events.
    # Version 3: the interactions are an InteractionLog, not a list.
    # Version 4: offers, appeals, the resolution, the final response and the ADR referral
    # are value types, not dicts; a dict is the record each was (see libs.domain.records).
    # Version 5: `clock_history` keeps every time each clock event happened, so a reopened
    # complaint's met deadlines stay met; a snapshot from before it knew only the first.
    # Version 6: every complaint belongs to one legal entity; a snapshot from before
    # entities belonged to the default one (see libs.domain.legal_entities).
    # Version 7: the ADR referral records its failure (declined, dead-lettered), the status
    # it returns the complaint to, and the complaint's earlier referrals (AdrReferralFailed).
    class_version = 7

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        for interaction in state.get("interactions", []):
            interaction.setdefault("language", None)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["interactions"] = InteractionLog(state.get("interactions", []))

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        offers, appeals = state.get("offers", {}), state.get("appeals", {})
        state["offers"] = {key: Offer.from_record(offer) for key, offer in offers.items()}
        state["appeals"] = {key: Appeal.from_record(appeal) for key, appeal in appeals.items()}
        for key, value_type in (
            ("resolution", Resolution),
            ("final_response", FinalResponse),
            ("adr", AdrReferral),
        ):
            record = state.get(key)
            state[key] = value_type.from_record(record) if record is not None else None

    #: The firm's decision on waiving the referral window (see TimeLimitWaiverDecided).
    #: A class default, not set in __init__: complaints and snapshots stored before the
    #: decision could be recorded read as "no decision" and compare equal either way.
    time_limit_waiver: TimeLimitWaiver | None = None

    @staticmethod
    def upcast_v4_v5(state: dict[str, Any]) -> None:
        times = state.get("clock_times", {})
        state["clock_history"] = {event: [moment] for event, moment in times.items()}

    @staticmethod
    def upcast_v5_v6(state: dict[str, Any]) -> None:
        state.setdefault("legal_entity", DEFAULT_LEGAL_ENTITY)

    @staticmethod
    def upcast_v6_v7(state: dict[str, Any]) -> None:
        # A referral in a snapshot from before version 7 reads (AdrReferral.from_record) as
        # one that has not failed (a failure could not be recorded) and has no earlier
        # referrals. Its provider's status after an outcome is the decision's, as the
        # events now make it; its status before referral is not in the snapshot, and is
        # read from what the complaint had then (a decision, a pending appeal, ...).
        adr = state.get("adr")
        if not isinstance(adr, AdrReferral):
            return
        decided = ReferralStatus.DECIDED.value if adr.outcome is not None else None
        state["adr"] = replace(
            adr,
            provider_status=decided or adr.provider_status,
            status_before=adr.status_before or _status_before_referral(state),
        )

    class Event(Aggregate.Event):
        """Fields every complaint event records: who, when it happened, how to trace it."""

        actor: str
        actor_role: str
        correlation_id: str
        occurred_at: datetime
        command_id: str | None

        # Which clock event (see libs.domain.deadlines) this event is, if any.
        clock_event: ClassVar[ClockEvent | None] = None
        # Deadline alerts record the passage of time, not progress on the case.
        is_progress: ClassVar[bool] = True

        def apply(self, aggregate: Aggregate) -> None:
            complaint = aggregate
            assert isinstance(complaint, Complaint)
            if self.command_id is not None:
                complaint.command_ids[self.command_id] = self.originator_version
            complaint.last_activity_at = self.occurred_at
            if self.is_progress:
                complaint.last_progress_at = self.occurred_at
            if self.clock_event is not None:
                complaint.record_clock_event(self.clock_event, self.occurred_at)
            self.change(complaint)

        def change(self, complaint: Complaint) -> None:
            """What this event does to the complaint."""

    class ComplaintReceived(Aggregate.Created, Event):
        """Version 2 added `legal_entity`, the entity the complaint belongs to. Version 1
        events, stored before a deployment had entities, are upcast to the default one."""

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["legal_entity"] = DEFAULT_LEGAL_ENTITY

        customer: dict[str, Any]
        channel: str
        category: str
        description: str
        amount_in_dispute: Decimal | None
        currency: str | None
        desired_remedy: str | None
        regime: str
        regime_variant: str | None
        calendar_subdivision: str | None
        external_ref: str | None
        flags: dict[str, bool]
        ladder: list[str]
        legal_entity: str

    def __init__(
        self,
        *,
        customer: dict[str, Any],
        channel: str,
        category: str,
        description: str,
        amount_in_dispute: Decimal | None,
        currency: str | None,
        desired_remedy: str | None,
        regime: str,
        regime_variant: str | None,
        calendar_subdivision: str | None,
        external_ref: str | None,
        flags: dict[str, bool],
        ladder: list[str],
        legal_entity: str,
        actor: str,
        actor_role: str,
        correlation_id: str,
        occurred_at: datetime,
        command_id: str | None,
    ) -> None:
        self.customer = dict(customer)
        self.channel = channel
        self.category = category
        self.description = description
        self.amount_in_dispute = amount_in_dispute
        self.currency = currency
        self.desired_remedy = desired_remedy
        self.regime = regime
        self.regime_variant = regime_variant
        self.calendar_subdivision = calendar_subdivision
        self.external_ref = external_ref
        self.flags = dict(flags)
        self.ladder = list(ladder)
        #: The legal entity the complaint belongs to, for good (see libs.domain.legal_entities).
        self.legal_entity = legal_entity
        self.status = Status.OPEN.value
        self.tier = ladder[0]
        self.received_at = occurred_at
        self.received_by = actor
        self.last_activity_at = occurred_at
        self.last_progress_at = occurred_at
        # The first time each clock event happened since the complaint was last reopened
        # (a reopen forgets the decision's), and every time each happened at all: the
        # deadlines are worked out from the second (see libs.domain.deadlines_and_eligibility).
        self.clock_times: dict[str, datetime] = {ClockEvent.RECEIVED.value: occurred_at}
        self.clock_history: dict[str, list[datetime]] = {ClockEvent.RECEIVED.value: [occurred_at]}
        self.interactions = InteractionLog()
        self.escalations: list[dict[str, Any]] = []
        self.offers: dict[str, Offer] = {}
        self.resolution: Resolution | None = None
        self.final_response: FinalResponse | None = None
        self.appeals: dict[str, Appeal] = {}
        self.status_before_appeal: str | None = None
        self.closure: dict[str, Any] | None = None
        self.adr: AdrReferral | None = None
        self.acknowledged_at: datetime | None = None
        self.holding_replies: list[dict[str, Any]] = []
        self.deadline_alerts: list[dict[str, Any]] = []
        self.reopen_count = 0
        self.command_ids: dict[str, int] = {}
        if command_id is not None:
            self.command_ids[command_id] = 1

    @classmethod
    def receive(
        cls,
        context: CommandContext,
        *,
        complaint_id: UUID,
        customer: dict[str, Any],
        channel: str,
        category: str,
        description: str,
        amount_in_dispute: Decimal | None = None,
        currency: str | None = None,
        desired_remedy: str | None = None,
        regime: str = "default",
        regime_variant: str | None = None,
        calendar_subdivision: str | None = None,
        external_ref: str | None = None,
        flags: dict[str, bool] | None = None,
        ladder: Iterable[str] = DEFAULT_TIERS,
        legal_entity: str = DEFAULT_LEGAL_ENTITY,
    ) -> Complaint:
        tiers = EscalationLadder.of(list(ladder))
        if (amount_in_dispute is None) != (currency is None):
            raise InvalidArgument(
                "amount_in_dispute", "an amount in dispute needs both an amount and a currency"
            )
        if amount_in_dispute is not None and amount_in_dispute < 0:
            raise InvalidArgument("amount_in_dispute", "the amount in dispute cannot be negative")
        return cls._create(
            cls.ComplaintReceived,
            id=complaint_id,
            customer=customer,
            channel=channel,
            category=category,
            description=description,
            amount_in_dispute=amount_in_dispute,
            currency=currency,
            desired_remedy=desired_remedy,
            regime=regime,
            regime_variant=regime_variant,
            calendar_subdivision=calendar_subdivision,
            external_ref=external_ref,
            flags=dict(flags or {}),
            ladder=list(tiers.tiers),
            legal_entity=legal_entity,
            **context.event_fields(),
        )

    # -- queries ------------------------------------------------------------------------

    def record_clock_event(self, event: ClockEvent, at: datetime) -> None:
        """For events' `apply` only: when a clock event happened."""
        self.clock_times.setdefault(event.value, at)
        self.clock_history.setdefault(event.value, []).append(at)

    @property
    def escalation_ladder(self) -> EscalationLadder:
        return EscalationLadder(tuple(self.ladder))

    def has_handled(self, command_id: str | None) -> bool:
        """True when a command with this id was already recorded (a retried request)."""
        return command_id is not None and command_id in self.command_ids

    def pending_offer(self) -> Offer | None:
        return pending_offer(self.offers.values())

    def rejected_offer_count(self) -> int:
        return sum(1 for offer in self.offers.values() if offer.status is OfferStatus.REJECTED)

    def _require_status(self, action: str, allowed: Iterable[Status]) -> None:
        require_status(action, self.status, allowed)

    # -- interactions ---------------------------------------------------------------------

    class InteractionRecorded(Event):
        """Version 2 added `language` (a BCP 47 tag such as `en-GB` or `cy`), so that a
        bundle or a translator knows what the customer wrote in. Version 1 events, stored
        without it, are upcast on reading; their stored bytes (and hashes) never change."""

        class_version = 2

        interaction_id: str
        kind: str
        direction: str
        summary: str
        body: str | None
        document: dict[str, Any] | None
        language: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["language"] = None

        def change(self, complaint: Complaint) -> None:
            complaint.interactions.append(
                {
                    "id": self.interaction_id,
                    "kind": self.kind,
                    "direction": self.direction,
                    "summary": self.summary,
                    "body": self.body,
                    "document": self.document,
                    "language": self.language,
                    "actor": self.actor,
                    "occurred_at": self.occurred_at,
                    "recorded_at": self.timestamp,
                }
            )

    def record_interaction(
        self,
        context: CommandContext,
        *,
        interaction_id: str,
        kind: str,
        direction: str,
        summary: str,
        body: str | None = None,
        document: dict[str, Any] | None = None,
        language: str | None = None,
    ) -> None:
        self._require_status("record an interaction on", all_but(Status.CLOSED))
        if (kind == InteractionKind.DOCUMENT) != (document is not None):
            raise InvalidArgument(
                "document", "a document interaction (and only that) carries a document reference"
            )
        self.trigger_event(
            self.InteractionRecorded,
            interaction_id=interaction_id,
            kind=kind,
            direction=direction,
            summary=summary,
            body=body,
            document=document,
            language=language,
            **context.event_fields(),
        )

    # -- flags set by staff ---------------------------------------------------------------

    class FlagsChanged(Event):
        flags: dict[str, bool]

        def change(self, complaint: Complaint) -> None:
            complaint.flags.update(self.flags)

    def change_flags(self, context: CommandContext, *, flags: dict[str, bool]) -> None:
        """Staff mark what matters for ADR and handling: legal or regulatory issues, a
        vulnerable or long-standing customer, public attention, regulator contact."""
        changed = {name: value for name, value in flags.items() if self.flags.get(name) != value}
        if not changed:
            raise RuleViolated("the flags already have these values")
        self.trigger_event(self.FlagsChanged, flags=changed, **context.event_fields())

    # -- escalation -----------------------------------------------------------------------

    class Escalated(Event):
        from_tier: str
        to_tier: str
        reason: str

        def change(self, complaint: Complaint) -> None:
            complaint.tier = self.to_tier
            complaint.status = Status.ESCALATED.value
            complaint.escalations.append(
                {
                    "from_tier": self.from_tier,
                    "to_tier": self.to_tier,
                    "reason": self.reason,
                    "actor": self.actor,
                    "occurred_at": self.occurred_at,
                }
            )

    def escalate(self, context: CommandContext, *, reason: str, to_tier: str | None = None) -> None:
        self._require_status("escalate", UNDER_REVIEW)
        self.trigger_event(
            self.Escalated,
            from_tier=self.tier,
            to_tier=self.escalation_ladder.escalation_target(self.tier, to_tier),
            reason=reason,
            **context.event_fields(),
        )

    # -- offers ---------------------------------------------------------------------------

    class OfferMade(Event):
        offer_id: str
        description: str
        amount: Decimal | None
        currency: str | None

        def change(self, complaint: Complaint) -> None:
            complaint.offers[self.offer_id] = Offer(
                id=self.offer_id,
                description=self.description,
                amount=self.amount,
                currency=self.currency,
                status=OfferStatus.PENDING,
                made_by=self.actor,
                made_at=self.occurred_at,
                tier=complaint.tier,
            )

    def make_offer(
        self,
        context: CommandContext,
        *,
        offer_id: str,
        description: str,
        amount: Decimal | None = None,
        currency: str | None = None,
    ) -> None:
        self._require_status("make an offer on", NEGOTIABLE)
        check_new_offer(self.pending_offer(), amount, currency)
        self.trigger_event(
            self.OfferMade,
            offer_id=offer_id,
            description=description,
            amount=amount,
            currency=currency,
            **context.event_fields(),
        )

    class OfferAccepted(Event):
        offer_id: str
        customer_comment: str | None

        def change(self, complaint: Complaint) -> None:
            offer = complaint.offers[self.offer_id]
            complaint.offers[self.offer_id] = offer.answered(
                accepted=True, at=self.occurred_at, comment=self.customer_comment
            )

    class OfferRejected(Event):
        offer_id: str
        customer_comment: str | None

        def change(self, complaint: Complaint) -> None:
            offer = complaint.offers[self.offer_id]
            complaint.offers[self.offer_id] = offer.answered(
                accepted=False, at=self.occurred_at, comment=self.customer_comment
            )

    def record_offer_response(
        self,
        context: CommandContext,
        *,
        offer_id: str,
        accepted: bool,
        customer_comment: str | None = None,
    ) -> None:
        offer_to_answer(self.offers, offer_id)
        self.trigger_event(
            self.OfferAccepted if accepted else self.OfferRejected,
            offer_id=offer_id,
            customer_comment=customer_comment,
            **context.event_fields(),
        )

    # -- decision -------------------------------------------------------------------------

    class ComplaintResolved(Event):
        clock_event = ClockEvent.RESOLVED

        outcome: str
        summary: str
        remedy: str | None
        redress_amount: Decimal | None
        currency: str | None

        def change(self, complaint: Complaint) -> None:
            complaint.status = Status.RESOLVED.value
            complaint.resolution = Resolution(
                outcome=ResolutionOutcome(self.outcome),
                summary=self.summary,
                remedy=self.remedy,
                redress_amount=self.redress_amount,
                currency=self.currency,
                decided_at_tier=complaint.tier,
                decided_by=self.actor,
                resolved_at=self.occurred_at,
            )

    def resolve(
        self,
        context: CommandContext,
        *,
        outcome: ResolutionOutcome,
        summary: str,
        remedy: str | None = None,
        redress_amount: Decimal | None = None,
        currency: str | None = None,
    ) -> None:
        self._require_status("resolve", UNDER_REVIEW)
        check_resolution_terms(outcome, remedy, redress_amount, currency)
        self.trigger_event(
            self.ComplaintResolved,
            outcome=outcome.value,
            summary=summary,
            remedy=remedy,
            redress_amount=redress_amount,
            currency=currency,
            **context.event_fields(),
        )

    class SummaryResolutionIssued(Event):
        """Resolved early (e.g. by the close of the third business day after receipt): a
        summary resolution communication replaces the final response.

        Version 2 added `elements`: what the communication contains, as the regime's letter
        check accepted it. Version 1 events, stored without it, are upcast to none."""

        class_version = 2
        clock_event = ClockEvent.SUMMARY_RESOLUTION

        outcome: str
        summary: str
        remedy: str | None
        message: str
        elements: dict[str, Any]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["elements"] = {}

        def change(self, complaint: Complaint) -> None:
            complaint.status = Status.RESOLVED.value
            complaint.record_clock_event(ClockEvent.RESOLVED, self.occurred_at)
            complaint.resolution = SummaryResolution(
                outcome=ResolutionOutcome(self.outcome),
                summary=self.summary,
                remedy=self.remedy,
                redress_amount=None,
                currency=None,
                decided_at_tier=complaint.tier,
                decided_by=self.actor,
                resolved_at=self.occurred_at,
                summary_resolution=self.message,
            )

    def resolve_summarily(
        self,
        context: CommandContext,
        *,
        outcome: ResolutionOutcome,
        summary: str,
        message: str,
        regime: Regime,
        remedy: str | None = None,
        elements: Mapping[str, Any] | None = None,
    ) -> None:
        """Whether the regime's early-resolution window still allows this is the caller's
        (the regime's) question; the complaint checks it is still under review and that the
        communication contains what the regime requires of one (DISP 1.5.4R)."""
        self._require_status("resolve", UNDER_REVIEW)
        contents = self._checked_letter(
            context, regime, LetterKind.SUMMARY_RESOLUTION, elements or {}
        )
        self.trigger_event(
            self.SummaryResolutionIssued,
            outcome=outcome.value,
            summary=summary,
            remedy=remedy,
            message=message,
            elements=contents,
            **context.event_fields(),
        )

    class FinalResponseIssued(Event):
        clock_event = ClockEvent.FINAL_RESPONSE

        letter: str
        elements: dict[str, Any]

        def change(self, complaint: Complaint) -> None:
            complaint.status = Status.FINAL_RESPONSE_ISSUED.value
            complaint.final_response = FinalResponse(
                letter=self.letter,
                elements=dict(self.elements),
                issued_by=self.actor,
                issued_at=self.occurred_at,
            )

    def issue_final_response(
        self,
        context: CommandContext,
        *,
        letter: str,
        elements: dict[str, Any],
        regime: Regime,
    ) -> None:
        """Issues the final response, if the letter contains what the regime requires."""
        self._require_status("issue a final response on", (Status.RESOLVED,))
        contents = self._checked_letter(context, regime, LetterKind.FINAL_RESPONSE, elements)
        self.trigger_event(
            self.FinalResponseIssued,
            letter=letter,
            elements=contents,
            **context.event_fields(),
        )

    def _checked_letter(
        self,
        context: CommandContext,
        regime: Regime,
        kind: LetterKind,
        elements: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The letter's elements, once the regime's check of a `kind` letter sent at the
        context's moment accepts them (it raises, and nothing is recorded, otherwise)."""
        check_letter(regime, kind, elements, on=regime.calendar.local_date(context.occurred_at))
        return dict(elements)

    # -- appeals --------------------------------------------------------------------------

    class AppealLodged(Event):
        appeal_id: str
        grounds: str

        def change(self, complaint: Complaint) -> None:
            assert complaint.resolution is not None
            complaint.status_before_appeal = complaint.status
            complaint.status = Status.APPEALED.value
            complaint.appeals[self.appeal_id] = Appeal(
                id=self.appeal_id,
                grounds=self.grounds,
                lodged_by=self.actor,
                lodged_at=self.occurred_at,
                against_tier=complaint.resolution.decided_at_tier,
            )

    def lodge_appeal(self, context: CommandContext, *, appeal_id: str, grounds: str) -> None:
        self._require_status("appeal", DECIDED)
        assert self.resolution is not None
        check_appealable(self.escalation_ladder, self.resolution.decided_at_tier)
        self.trigger_event(
            self.AppealLodged, appeal_id=appeal_id, grounds=grounds, **context.event_fields()
        )

    class AppealDecided(Event):
        appeal_id: str
        outcome: str
        decided_at_tier: str
        reasons: str

        def change(self, complaint: Complaint) -> None:
            outcome = AppealOutcome(self.outcome)
            complaint.appeals[self.appeal_id] = complaint.appeals[self.appeal_id].decided(
                outcome=outcome,
                tier=self.decided_at_tier,
                reasons=self.reasons,
                by=self.actor,
                at=self.occurred_at,
            )
            if outcome is AppealOutcome.UPHELD:
                # The original decision falls: the case is reviewed again at the appeal's tier.
                # A final response already sent stays on record, marked as set aside: it was
                # sent, and met the deadline it met; what the regime starts when a decision
                # is reopened starts now (see docs/deadlines.md).
                complaint.status = Status.ESCALATED.value
                complaint.tier = self.decided_at_tier
                complaint.resolution = None
                if complaint.final_response is not None:
                    complaint.final_response = complaint.final_response.superseded(
                        self.appeal_id, self.occurred_at
                    )
                complaint.record_clock_event(ClockEvent.DECISION_REOPENED, self.occurred_at)
            else:
                complaint.status = complaint.status_before_appeal or Status.RESOLVED.value
            complaint.status_before_appeal = None

    def decide_appeal(
        self,
        context: CommandContext,
        *,
        appeal_id: str,
        outcome: AppealOutcome,
        decided_at_tier: str,
        reasons: str,
    ) -> None:
        appeal = appeal_to_decide(self.appeals, appeal_id)
        self._require_status("decide an appeal on", (Status.APPEALED,))
        appeal.check_deciding_tier(self.escalation_ladder, decided_at_tier)
        self.trigger_event(
            self.AppealDecided,
            appeal_id=appeal_id,
            outcome=outcome.value,
            decided_at_tier=decided_at_tier,
            reasons=reasons,
            **context.event_fields(),
        )

    # -- external ADR ---------------------------------------------------------------------

    class ReferredToAdr(Event):
        clock_event = ClockEvent.REFERRED_TO_ADR

        referral_id: str
        preferred_method: str | None
        preferred_provider_id: str | None
        eligibility: dict[str, Any]
        override_justification: str | None
        previous_status: str

        def change(self, complaint: Complaint) -> None:
            complaint.status = Status.REFERRED_TO_ADR.value
            referral = AdrReferral(
                referral_id=self.referral_id,
                preferred_method=self.preferred_method,
                preferred_provider_id=self.preferred_provider_id,
                eligibility=self.eligibility,
                override_justification=self.override_justification,
                referred_by=self.actor,
                referred_at=self.occurred_at,
                status_before=self.previous_status,
            )
            # A referral again (the last one failed): the failed one is kept as history.
            previous = complaint.adr
            complaint.adr = referral if previous is None else previous.followed_by(referral)

    def refer_to_adr(
        self,
        context: CommandContext,
        *,
        referral_id: str,
        eligibility: dict[str, Any],
        preferred_method: str | None = None,
        preferred_provider_id: str | None = None,
        override_justification: str | None = None,
    ) -> None:
        """Refers the case to an external ADR provider. Whether it may be referred (eligible,
        or overridden with a justification) is decided by the caller's policy."""
        self._require_status("refer to ADR", REFERRABLE)
        self.trigger_event(
            self.ReferredToAdr,
            referral_id=referral_id,
            preferred_method=preferred_method,
            preferred_provider_id=preferred_provider_id,
            eligibility=eligibility,
            override_justification=override_justification,
            previous_status=self.status,
            **context.event_fields(),
        )

    class AdrStatusUpdated(Event):
        referral_id: str
        provider_id: str
        provider_status: str
        detail: dict[str, Any]

        def change(self, complaint: Complaint) -> None:
            assert complaint.adr is not None
            update = AdrUpdate(self.provider_status, self.detail, self.occurred_at)
            complaint.adr = complaint.adr.updated(self.provider_id, update)
            if not update.declined:
                complaint.status = Status.ADR_IN_PROGRESS.value

    def record_adr_status(
        self,
        context: CommandContext,
        *,
        referral_id: str,
        provider_id: str,
        provider_status: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._require_status("record an ADR status update on", IN_ADR)
        referral_named(self.adr, referral_id)
        self.trigger_event(
            self.AdrStatusUpdated,
            referral_id=referral_id,
            provider_id=provider_id,
            provider_status=provider_status,
            detail=dict(detail or {}),
            **context.event_fields(),
        )

    class AdrReferralFailed(Event):
        """The referral came to nothing: the provider declined the case, or the gateway
        gave up delivering it. The complaint returns to the status it had before it was
        referred, so it can be referred again (to another provider); staff are told (the
        notifications rule `adr_referral_failed`)."""

        referral_id: str
        provider_id: str | None
        failure: str
        reason: str
        returned_to: str

        def change(self, complaint: Complaint) -> None:
            assert complaint.adr is not None
            failure = AdrFailure(self.failure, self.reason, self.provider_id, self.occurred_at)
            complaint.adr = complaint.adr.failed(failure)
            complaint.status = self.returned_to

    def record_adr_failure(
        self,
        context: CommandContext,
        *,
        referral_id: str,
        provider_id: str | None,
        failure: AdrFailureKind,
        reason: str,
    ) -> None:
        self._require_status("record a failed ADR referral on", IN_ADR)
        adr = referral_named(self.adr, referral_id)
        self.trigger_event(
            self.AdrReferralFailed,
            referral_id=referral_id,
            provider_id=provider_id,
            failure=failure.value,
            reason=reason,
            # Referred from a snapshot older than version 6, the status before is unknown.
            returned_to=adr.status_before or Status.OPEN.value,
            **context.event_fields(),
        )

    class AdrFileCompleted(Event):
        """The ADR entity has the complete complaint file: under Directive 2013/11/EU art.
        8(e) its 90 days to the outcome run from this date (the provider's report of it)."""

        clock_event = ClockEvent.ADR_FILE_COMPLETE

        referral_id: str
        provider_id: str
        detail: dict[str, Any]

        def change(self, complaint: Complaint) -> None:
            assert complaint.adr is not None
            complaint.adr = complaint.adr.file_completed(self.provider_id, self.occurred_at)

    def record_adr_file_complete(
        self,
        context: CommandContext,
        *,
        referral_id: str,
        provider_id: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._require_status("record a complete ADR file on", IN_ADR)
        referral_named(self.adr, referral_id)
        self.trigger_event(
            self.AdrFileCompleted,
            referral_id=referral_id,
            provider_id=provider_id,
            detail=dict(detail or {}),
            **context.event_fields(),
        )

    class AdrTraderNotified(Event):
        """The ADR entity told the firm (the trader) of the dispute or asked it something:
        the firm's answer is due (the `trader_answer` clock, where the regime has one)."""

        clock_event = ClockEvent.ADR_REQUEST

        referral_id: str
        provider_id: str
        detail: dict[str, Any]

        def change(self, complaint: Complaint) -> None:
            assert complaint.adr is not None
            request = TraderRequest(detail=dict(self.detail), occurred_at=self.occurred_at)
            complaint.adr = complaint.adr.trader_requested(self.provider_id, request)

    def record_adr_trader_notified(
        self,
        context: CommandContext,
        *,
        referral_id: str,
        provider_id: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._require_status("record an ADR entity's request on", IN_ADR)
        referral_named(self.adr, referral_id)
        self.trigger_event(
            self.AdrTraderNotified,
            referral_id=referral_id,
            provider_id=provider_id,
            detail=dict(detail or {}),
            **context.event_fields(),
        )

    class AdrAnswerSent(Event):
        """The firm answered the ADR entity (recorded by staff: the answer goes to the
        entity by its own channel). It stops the `trader_answer` clock."""

        clock_event = ClockEvent.ADR_ANSWER

        referral_id: str
        participates: bool | None
        message: str

        def change(self, complaint: Complaint) -> None:
            assert complaint.adr is not None
            complaint.adr = complaint.adr.trader_answered(
                TraderAnswer(
                    participates=self.participates,
                    message=self.message,
                    answered_by=self.actor,
                    answered_at=self.occurred_at,
                )
            )

    def answer_adr_entity(
        self, context: CommandContext, *, message: str, participates: bool | None = None
    ) -> None:
        """Records the firm's answer to the ADR entity on the complaint's referral."""
        self._require_status("answer the ADR entity on", IN_ADR)
        assert self.adr is not None  # every status in IN_ADR has a referral
        self.trigger_event(
            self.AdrAnswerSent,
            referral_id=self.adr.referral_id,
            participates=participates,
            message=message,
            **context.event_fields(),
        )

    class AdrMessageRecorded(Event):
        """A message between the ADR provider and the firm about the complaint's referral,
        written through the provider API (issue 19): the provider's messages and requests
        for information (`sender` "provider"; staff are told, the notifications rule
        `adr_message_received`), and the firm's answers (`sender` "firm"). Kept in the
        interaction log, inbound or outbound, like any other message of the case."""

        referral_id: str
        provider_id: str
        message_id: str
        sender: str
        kind: str
        body: str
        in_reply_to: str | None

        def change(self, complaint: Complaint) -> None:
            from_provider = self.sender == "provider"
            what = (
                "request for information" if self.kind == "request_for_information" else "message"
            )
            complaint.interactions.append(
                {
                    "id": self.message_id,
                    "kind": "message",
                    "direction": "inbound" if from_provider else "outbound",
                    "summary": (
                        f"ADR provider {self.provider_id}: {what}"
                        if from_provider
                        else f"Answer to ADR provider {self.provider_id}"
                    ),
                    "body": self.body,
                    "document": None,
                    "language": None,
                    "actor": self.actor,
                    "occurred_at": self.occurred_at,
                    "recorded_at": self.timestamp,
                }
            )

    def record_adr_message(
        self,
        context: CommandContext,
        *,
        referral_id: str,
        provider_id: str,
        message_id: str,
        sender: str,
        kind: str,
        body: str,
        in_reply_to: str | None = None,
    ) -> None:
        """Records a message of the provider API on the complaint's referral (in any status:
        a provider may still write once its decision is recorded)."""
        referral_named(self.adr, referral_id)
        self.trigger_event(
            self.AdrMessageRecorded,
            referral_id=referral_id,
            provider_id=provider_id,
            message_id=message_id,
            sender=sender,
            kind=kind,
            body=body,
            in_reply_to=in_reply_to,
            **context.event_fields(),
        )

    class AdrDocumentReceived(Event):
        """A document the ADR provider uploaded through the provider API (a decision
        letter, issue 19), listed in the interaction log by reference: its digest, size and
        media type, and where the ADR gateway keeps it (`storage_ref`)."""

        referral_id: str
        provider_id: str
        document_id: str
        filename: str
        document: dict[str, Any]

        def change(self, complaint: Complaint) -> None:
            complaint.interactions.append(
                {
                    "id": self.document_id,
                    "kind": "document",
                    "direction": "inbound",
                    "summary": f"Document from ADR provider {self.provider_id}: {self.filename}",
                    "body": None,
                    "document": dict(self.document),
                    "language": None,
                    "actor": self.actor,
                    "occurred_at": self.occurred_at,
                    "recorded_at": self.timestamp,
                }
            )

    def record_adr_document(
        self,
        context: CommandContext,
        *,
        referral_id: str,
        provider_id: str,
        document_id: str,
        filename: str,
        document: dict[str, Any],
    ) -> None:
        """Lists a document the provider uploaded on the complaint's referral (in any
        status: a decision letter may follow the decision)."""
        referral_named(self.adr, referral_id)
        self.trigger_event(
            self.AdrDocumentReceived,
            referral_id=referral_id,
            provider_id=provider_id,
            document_id=document_id,
            filename=filename,
            document=dict(document),
            **context.event_fields(),
        )

    class AdrOutcomeRecorded(Event):
        clock_event = ClockEvent.ADR_OUTCOME

        referral_id: str
        provider_id: str
        outcome: str
        binding: bool | None
        award: dict[str, Any] | None
        summary: str

        def change(self, complaint: Complaint) -> None:
            assert complaint.adr is not None
            complaint.status = Status.ADR_CONCLUDED.value
            outcome = AdrOutcome(
                self.outcome, self.binding, self.award, self.summary, self.occurred_at
            )
            complaint.adr = complaint.adr.concluded(self.provider_id, outcome)

    def record_adr_outcome(
        self,
        context: CommandContext,
        *,
        referral_id: str,
        provider_id: str,
        outcome: str,
        summary: str,
        binding: bool | None = None,
        award: dict[str, Any] | None = None,
    ) -> None:
        self._require_status("record an ADR outcome on", IN_ADR)
        referral_named(self.adr, referral_id)
        self.trigger_event(
            self.AdrOutcomeRecorded,
            referral_id=referral_id,
            provider_id=provider_id,
            outcome=outcome,
            binding=binding,
            award=award,
            summary=summary,
            **context.event_fields(),
        )

    # -- the firm's consent to waive the referral window -----------------------------------

    class TimeLimitWaiverDecided(Event):
        """The firm consents, or refuses, to the ombudsman (or ADR entity) considering the
        complaint after the regime's referral window has passed (DISP 2.8.2R: "unless the
        respondent consents"). It decides who may hear the case late, not the case itself,
        so it is not progress: it does not reset the stalemate count."""

        is_progress = False

        consents: bool
        note: str | None

        def change(self, complaint: Complaint) -> None:
            complaint.time_limit_waiver = TimeLimitWaiver(
                consents=self.consents,
                decided_at=self.occurred_at,
                decided_by=self.actor,
                decided_by_role=self.actor_role,
                note=self.note,
            )

    def decide_time_limit_waiver(
        self, context: CommandContext, *, consents: bool, regime: Regime, note: str | None = None
    ) -> None:
        """Records the firm's decision, where the regime lets the firm waive its window and
        the decision already recorded allows it (see `libs.domain.time_limit_waiver`). Any
        status: the ombudsman may ask after the complaint is closed."""
        check_waiver_decision(regime, self.time_limit_waiver, consents)
        self.trigger_event(
            self.TimeLimitWaiverDecided, consents=consents, note=note, **context.event_fields()
        )

    # -- acknowledgement, holding replies and deadlines ----------------------------------

    class ComplaintAcknowledged(Event):
        """Version 2 added `elements`: what the acknowledgement contains, as the regime's
        letter check accepted it. Version 1 events, stored without it, are upcast to none."""

        class_version = 2
        clock_event = ClockEvent.ACKNOWLEDGED

        message: str
        channel: str
        elements: dict[str, Any]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["elements"] = {}

        def change(self, complaint: Complaint) -> None:
            if complaint.acknowledged_at is None:
                complaint.acknowledged_at = self.occurred_at

    def acknowledge(
        self,
        context: CommandContext,
        *,
        message: str,
        channel: str,
        regime: Regime,
        elements: Mapping[str, Any] | None = None,
    ) -> None:
        """Tells the customer the complaint was received and, where the regime asks (DISP
        1.6.1R from 1 June 2026), when to expect a response: the letter is checked first."""
        self._require_status("acknowledge", all_but(Status.CLOSED))
        contents = self._checked_letter(context, regime, LetterKind.ACKNOWLEDGEMENT, elements or {})
        self.trigger_event(
            self.ComplaintAcknowledged,
            message=message,
            channel=channel,
            elements=contents,
            **context.event_fields(),
        )

    class HoldingReplySent(Event):
        """Version 2 added `elements`: what the reply contains, as the regime's letter check
        accepted it. Version 1 events, stored without it, are upcast to none."""

        class_version = 2
        clock_event = ClockEvent.HOLDING_REPLY

        reason: str
        message: str
        elements: dict[str, Any]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["elements"] = {}

        def change(self, complaint: Complaint) -> None:
            reply: dict[str, Any] = {
                "reason": self.reason,
                "message": self.message,
                "sent_at": self.occurred_at,
            }
            # Only when there are some, so a reply recorded before letters had elements
            # reads the same from a snapshot as from its events.
            if self.elements:
                reply["elements"] = dict(self.elements)
            complaint.holding_replies.append(reply)

    def send_holding_reply(
        self,
        context: CommandContext,
        *,
        reason: str,
        message: str,
        regime: Regime,
        elements: Mapping[str, Any] | None = None,
    ) -> None:
        """Explains why the final response will take longer (where the regime allows it).
        A reply that lacks what the regime requires is refused, so it is never recorded and
        never extends a deadline (DISP 1.6.2AR(2)(a))."""
        self._require_status("send a holding reply on", NEGOTIABLE)
        contents = self._checked_letter(context, regime, LetterKind.HOLDING_REPLY, elements or {})
        self.trigger_event(
            self.HoldingReplySent,
            reason=reason,
            message=message,
            elements=contents,
            **context.event_fields(),
        )

    class DeadlineAlert(Event):
        """A deadline is close or has passed: the passage of time, not progress."""

        is_progress = False
        alert: ClassVar[str]

        deadline: str
        due_at: datetime

        def change(self, complaint: Complaint) -> None:
            complaint.deadline_alerts.append(
                {
                    "deadline": self.deadline,
                    "due_at": self.due_at,
                    "alert": self.alert,
                    "at": self.occurred_at,
                }
            )

    class DeadlineApproaching(DeadlineAlert):
        alert = "approaching"

    class DeadlineMissed(DeadlineAlert):
        alert = "missed"

    def record_deadline_alert(
        self, context: CommandContext, *, deadline: str, due_at: datetime, missed: bool
    ) -> None:
        """Records that a deadline is close or has passed; the scheduler decides when."""
        self.trigger_event(
            self.DeadlineMissed if missed else self.DeadlineApproaching,
            deadline=deadline,
            due_at=due_at,
            **context.event_fields(),
        )

    # -- reopening and closing ------------------------------------------------------------

    class Reopened(Event):
        # The deadlines already met stay met (they are worked out from `clock_history`);
        # a regime may start a clock on a reopen (see docs/deadlines.md).
        clock_event = ClockEvent.DECISION_REOPENED

        reason: str
        previous_status: str

        def change(self, complaint: Complaint) -> None:
            complaint.status = Status.OPEN.value
            complaint.reopen_count += 1
            complaint.closure = None
            for decided in DECISION_CLOCK_EVENTS:
                complaint.clock_times.pop(decided.value, None)

    def reopen(self, context: CommandContext, *, reason: str) -> None:
        self._require_status("reopen", REOPENABLE)
        self.trigger_event(
            self.Reopened, reason=reason, previous_status=self.status, **context.event_fields()
        )

    class ComplaintClosed(Event):
        clock_event = ClockEvent.CLOSED

        reason: str
        previous_status: str

        def change(self, complaint: Complaint) -> None:
            complaint.status = Status.CLOSED.value
            complaint.closure = {
                "reason": self.reason,
                "closed_by": self.actor,
                "closed_at": self.occurred_at,
                "previous_status": self.previous_status,
            }

    def close(self, context: CommandContext, *, reason: str) -> None:
        self._require_status("close", closable_from(reason))
        self.trigger_event(
            self.ComplaintClosed,
            reason=reason,
            previous_status=self.status,
            **context.event_fields(),
        )
