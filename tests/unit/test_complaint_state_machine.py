"""Random command sequences never reach an invalid state, and replaying the stored events
always reproduces the complaint that was saved (hypothesis stateful testing)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from eventsourcing.application import Application
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from libs.domain.complaint import Complaint
from libs.domain.deadlines import get_regime
from libs.domain.errors import DomainError
from libs.domain.ladder import DEFAULT_TIERS
from libs.domain.values import AppealOutcome, CommandContext, ResolutionOutcome, Status

CONTEXT = CommandContext("agent:alice", "agent", "corr", datetime(2026, 1, 5, tzinfo=UTC))
TIERS = list(DEFAULT_TIERS)

LETTER = {
    "regime": get_regime("default"),
    "elements": {"decision": "not_upheld", "adr_rights_stated": True},
}


class ReferenceModel:
    """What the rules say should happen, written independently of the aggregate."""

    def __init__(self) -> None:
        self.status = "open"
        self.tier = TIERS[0]
        self.pending_offer: str | None = None
        self.decided_at: str | None = None
        self.pending_appeal: str | None = None
        self.before_appeal: str | None = None

    def can_escalate(self, to: str | None) -> bool:
        if self.status not in ("open", "escalated"):
            return False
        here = TIERS.index(self.tier)
        return here + 1 < len(TIERS) if to is None else TIERS.index(to) > here


class ComplaintMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = Application(
            env={"PERSISTENCE_MODULE": "eventsourcing.popo", "IS_SNAPSHOTTING_ENABLED": "n"}
        )
        self.complaint = Complaint.receive(
            CONTEXT,
            complaint_id=uuid4(),
            customer={"id": "C", "name": "N"},
            channel="web",
            category="refund",
            description="d",
            amount_in_dispute=Decimal("10"),
            currency="EUR",
        )
        self.store.save(self.complaint)
        self.model = ReferenceModel()
        self.counter = 0

    def attempt(self, allowed: bool, command: Any) -> bool:
        try:
            command()
        except DomainError:
            assert not allowed, "the domain refused a command the rules allow"
            return False
        assert allowed, "the domain accepted a command the rules refuse"
        self.store.save(self.complaint)
        return True

    def next_id(self) -> str:
        self.counter += 1
        return f"id-{self.counter}"

    @rule(to=st.one_of(st.none(), st.sampled_from(TIERS)))
    def escalate(self, to: str | None) -> None:
        allowed = self.model.can_escalate(to)
        if self.attempt(allowed, lambda: self.complaint.escalate(CONTEXT, reason="r", to_tier=to)):
            self.model.tier = to or TIERS[TIERS.index(self.model.tier) + 1]
            self.model.status = "escalated"

    @rule()
    def make_offer(self) -> None:
        offer_id = self.next_id()
        allowed = (
            self.model.status in ("open", "escalated", "appealed")
            and self.model.pending_offer is None
        )
        if self.attempt(
            allowed,
            lambda: self.complaint.make_offer(CONTEXT, offer_id=offer_id, description="refund"),
        ):
            self.model.pending_offer = offer_id

    @rule(accepted=st.booleans())
    def answer_offer(self, accepted: bool) -> None:
        offer_id = self.model.pending_offer or "none"
        allowed = self.model.pending_offer is not None
        if self.attempt(
            allowed,
            lambda: self.complaint.record_offer_response(
                CONTEXT, offer_id=offer_id, accepted=accepted
            ),
        ):
            self.model.pending_offer = None

    @rule(outcome=st.sampled_from(list(ResolutionOutcome)))
    def resolve(self, outcome: ResolutionOutcome) -> None:
        allowed = self.model.status in ("open", "escalated")
        if self.attempt(
            allowed,
            lambda: self.complaint.resolve(CONTEXT, outcome=outcome, summary="s", remedy="r"),
        ):
            self.model.status = "resolved"
            self.model.decided_at = self.model.tier

    @rule()
    def final_response(self) -> None:
        allowed = self.model.status == "resolved"
        if self.attempt(
            allowed,
            lambda: self.complaint.issue_final_response(CONTEXT, letter="Dear customer", **LETTER),
        ):
            self.model.status = "final_response_issued"

    @rule()
    def appeal(self) -> None:
        appeal_id = self.next_id()
        allowed = (
            self.model.status in ("resolved", "final_response_issued")
            and self.model.decided_at != TIERS[-1]
        )
        if self.attempt(
            allowed, lambda: self.complaint.lodge_appeal(CONTEXT, appeal_id=appeal_id, grounds="g")
        ):
            self.model.before_appeal = self.model.status
            self.model.status = "appealed"
            self.model.pending_appeal = appeal_id

    @rule(outcome=st.sampled_from(list(AppealOutcome)), tier=st.sampled_from(TIERS))
    def decide_appeal(self, outcome: AppealOutcome, tier: str) -> None:
        appeal_id = self.model.pending_appeal or "none"
        allowed = (
            self.model.pending_appeal is not None
            and self.model.decided_at is not None
            and TIERS.index(tier) > TIERS.index(self.model.decided_at)
        )
        if self.attempt(
            allowed,
            lambda: self.complaint.decide_appeal(
                CONTEXT, appeal_id=appeal_id, outcome=outcome, decided_at_tier=tier, reasons="r"
            ),
        ):
            self.model.pending_appeal = None
            if outcome == AppealOutcome.UPHELD:
                self.model.status, self.model.tier = "escalated", tier
            else:
                self.model.status = self.model.before_appeal or "resolved"

    @rule()
    def reopen(self) -> None:
        allowed = self.model.status in ("resolved", "final_response_issued", "closed")
        if self.attempt(allowed, lambda: self.complaint.reopen(CONTEXT, reason="r")):
            self.model.status = "open"

    @rule(withdrawn=st.booleans())
    def close(self, withdrawn: bool) -> None:
        allowed = self.model.status != "closed" and (
            withdrawn or self.model.status in ("resolved", "final_response_issued")
        )
        reason = "withdrawn" if withdrawn else "done"
        if self.attempt(allowed, lambda: self.complaint.close(CONTEXT, reason=reason)):
            self.model.status = "closed"
            self.model.pending_appeal = None

    @invariant()
    def matches_the_model(self) -> None:
        assert self.complaint.status == self.model.status
        assert self.complaint.tier == self.model.tier
        assert self.complaint.status in {s.value for s in Status}
        pending = self.complaint.pending_offer()
        assert (pending.id if pending else None) == self.model.pending_offer

    @invariant()
    def replaying_the_stored_events_gives_the_same_complaint(self) -> None:
        replayed = self.store.repository.get(self.complaint.id)
        assert replayed.__dict__ == self.complaint.__dict__


ComplaintMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None
)
test_random_command_sequences = ComplaintMachine.TestCase
