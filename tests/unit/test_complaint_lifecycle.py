"""The complaint's life, told as stories: what the domain allows, refuses, and records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from libs.domain.complaint import Complaint
from libs.domain.deadlines import get_regime
from libs.domain.errors import (
    IllegalTransition,
    IncompleteFinalResponse,
    InvalidArgument,
    RuleViolated,
    UnknownEntity,
)
from libs.domain.values import AppealOutcome, CommandContext, ResolutionOutcome

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

LETTER = {
    "regime": get_regime("default"),
    "elements": {"decision": "not_upheld", "adr_rights_stated": True},
}


def context(actor: str = "agent:alice", command_id: str | None = None) -> CommandContext:
    return CommandContext(actor, actor.split(":")[0], "corr-1", WHEN, command_id)


def received(**details: object) -> Complaint:
    return Complaint.receive(
        context(),
        complaint_id=uuid4(),
        customer={"id": "C-1", "name": "Ada"},
        channel="email",
        category="billing",
        description="Charged twice",
        **details,  # type: ignore[arg-type]
    )


def resolved(outcome: ResolutionOutcome = ResolutionOutcome.UPHELD) -> Complaint:
    complaint = received()
    complaint.resolve(context(), outcome=outcome, summary="We erred", remedy="Refund")
    return complaint


def test_a_new_complaint_is_open_at_the_first_tier_and_records_who_and_when() -> None:
    complaint = received()
    assert complaint.status == "open"
    assert complaint.tier == "frontline"
    (event,) = complaint.collect_events()
    assert type(event).__name__ == "ComplaintReceived"
    assert event.actor == "agent:alice"  # type: ignore[attr-defined]
    assert event.correlation_id == "corr-1"  # type: ignore[attr-defined]
    assert event.occurred_at == WHEN  # type: ignore[attr-defined]


def test_an_amount_in_dispute_needs_a_currency() -> None:
    with pytest.raises(InvalidArgument, match="amount and a currency"):
        received(amount_in_dispute=Decimal("10"))


def test_escalation_climbs_the_ladder_one_tier_at_a_time_until_the_top() -> None:
    complaint = received()
    for expected in ("supervisor", "manager", "internal_mediation"):
        complaint.escalate(context(), reason="customer unhappy")
        assert complaint.tier == expected
        assert complaint.status == "escalated"
    with pytest.raises(RuleViolated, match="top tier"):
        complaint.escalate(context(), reason="again")


def test_escalation_may_skip_to_a_named_higher_tier_but_never_down() -> None:
    complaint = received()
    complaint.escalate(context(), reason="serious", to_tier="manager")
    assert complaint.tier == "manager"
    with pytest.raises(InvalidArgument, match="not above"):
        complaint.escalate(context(), reason="oops", to_tier="supervisor")


def test_a_configured_ladder_is_kept_with_the_complaint() -> None:
    complaint = received(ladder=["desk", "ombudsman_liaison"])
    complaint.escalate(context(), reason="stuck")
    assert complaint.tier == "ombudsman_liaison"
    assert complaint.ladder == ["desk", "ombudsman_liaison"]


def test_only_one_offer_awaits_an_answer_at_a_time() -> None:
    complaint = received()
    complaint.make_offer(
        context(), offer_id="o1", description="£20 credit", amount=Decimal("20"), currency="GBP"
    )
    with pytest.raises(RuleViolated, match="awaiting"):
        complaint.make_offer(context(), offer_id="o2", description="apology")
    complaint.record_offer_response(context(), offer_id="o1", accepted=False)
    complaint.make_offer(
        context(), offer_id="o2", description="£40 refund", amount=Decimal("40"), currency="GBP"
    )
    complaint.record_offer_response(context(), offer_id="o2", accepted=True)
    assert [o.status for o in complaint.offers.values()] == ["rejected", "accepted"]
    assert complaint.rejected_offer_count() == 1


def test_an_answer_to_an_unknown_or_answered_offer_is_refused() -> None:
    complaint = received()
    with pytest.raises(UnknownEntity):
        complaint.record_offer_response(context(), offer_id="nope", accepted=True)
    complaint.make_offer(context(), offer_id="o1", description="apology")
    complaint.record_offer_response(context(), offer_id="o1", accepted=True)
    with pytest.raises(RuleViolated, match="already accepted"):
        complaint.record_offer_response(context(), offer_id="o1", accepted=False)


def test_an_upheld_resolution_must_state_the_remedy() -> None:
    complaint = received()
    with pytest.raises(InvalidArgument, match="remedy"):
        complaint.resolve(context(), outcome=ResolutionOutcome.UPHELD, summary="yes")
    complaint.resolve(context(), outcome=ResolutionOutcome.NOT_UPHELD, summary="no fault found")
    assert complaint.status == "resolved"


def test_a_final_response_must_contain_what_the_regime_requires() -> None:
    complaint = resolved()
    with pytest.raises(IncompleteFinalResponse) as refused:
        complaint.issue_final_response(
            context(),
            letter="Dear Ada",
            regime=get_regime("uk-fca-disp"),
            elements={"decision": "accepted_with_redress", "ombudsman_leaflet_enclosed": True},
        )
    assert [name for name, _, _ in refused.value.missing] == [
        "ombudsman_website",
        "may_refer_now_and_within_6_months",
        "time_limit_waiver_stated",
    ]
    with pytest.raises(InvalidArgument, match="no final-response element"):
        complaint.issue_final_response(
            context(), letter="Dear Ada", regime=get_regime("default"), elements={"tone": "warm"}
        )
    assert complaint.status == "resolved"


def test_a_final_response_follows_a_resolution_only() -> None:
    complaint = received()
    with pytest.raises(IllegalTransition, match="status is 'open'") as refused:
        complaint.issue_final_response(context(), letter="Dear Ada", **LETTER)
    assert refused.value.status == "open"
    complaint.resolve(context(), outcome=ResolutionOutcome.NOT_UPHELD, summary="no")
    complaint.issue_final_response(context(), letter="Dear Ada", **LETTER)
    assert complaint.status == "final_response_issued"


def test_an_appeal_is_decided_at_a_tier_above_the_one_that_decided() -> None:
    complaint = resolved()
    complaint.lodge_appeal(context(), appeal_id="a1", grounds="not enough")
    assert complaint.status == "appealed"
    with pytest.raises(InvalidArgument, match="above 'frontline'"):
        complaint.decide_appeal(
            context("supervisor:sam"),
            appeal_id="a1",
            outcome=AppealOutcome.DISMISSED,
            decided_at_tier="frontline",
            reasons="fine",
        )
    complaint.decide_appeal(
        context("supervisor:sam"),
        appeal_id="a1",
        outcome=AppealOutcome.DISMISSED,
        decided_at_tier="supervisor",
        reasons="the decision stands",
    )
    assert complaint.status == "resolved"
    assert complaint.appeals["a1"].outcome == "dismissed"


def test_an_upheld_appeal_sends_the_case_back_for_review_at_the_appeal_tier() -> None:
    complaint = resolved()
    complaint.lodge_appeal(context(), appeal_id="a1", grounds="wrong facts")
    complaint.decide_appeal(
        context("supervisor:sam"),
        appeal_id="a1",
        outcome=AppealOutcome.UPHELD,
        decided_at_tier="manager",
        reasons="facts were wrong",
    )
    assert (complaint.status, complaint.tier, complaint.resolution) == (
        "escalated",
        "manager",
        None,
    )


def test_an_upheld_appeal_keeps_the_final_response_it_sets_aside_marked_so() -> None:
    complaint = resolved()
    complaint.issue_final_response(context(), letter="Dear Ada", **LETTER)  # type: ignore[arg-type]
    complaint.lodge_appeal(context(), appeal_id="a1", grounds="wrong facts")
    complaint.decide_appeal(
        context("supervisor:sam"),
        appeal_id="a1",
        outcome=AppealOutcome.UPHELD,
        decided_at_tier="manager",
        reasons="facts were wrong",
    )
    letter = complaint.final_response
    assert letter is not None and letter.letter == "Dear Ada"
    assert (letter.superseded_by_appeal, letter.superseded_at) == ("a1", WHEN)
    # The decision is open again: what the regime starts on a reopen, it starts now.
    assert complaint.clock_history["decision_reopened"] == [WHEN]


def test_a_dismissed_appeal_leaves_the_final_response_standing() -> None:
    complaint = resolved()
    complaint.issue_final_response(context(), letter="Dear Ada", **LETTER)  # type: ignore[arg-type]
    complaint.lodge_appeal(context(), appeal_id="a1", grounds="not enough")
    complaint.decide_appeal(
        context("supervisor:sam"),
        appeal_id="a1",
        outcome=AppealOutcome.DISMISSED,
        decided_at_tier="manager",
        reasons="the decision stands",
    )
    assert complaint.final_response is not None
    assert complaint.final_response.superseded_by_appeal is None
    assert "decision_reopened" not in complaint.clock_history


def test_a_reopen_remembers_every_time_each_clock_event_happened() -> None:
    complaint = resolved()
    complaint.issue_final_response(context(), letter="Dear Ada", **LETTER)  # type: ignore[arg-type]
    complaint.reopen(context(), reason="new evidence")
    complaint.resolve(context(), outcome=ResolutionOutcome.NOT_UPHELD, summary="still no")
    complaint.issue_final_response(context(), letter="Dear Ada, again", **LETTER)  # type: ignore[arg-type]
    assert complaint.clock_history["final_response"] == [WHEN, WHEN]
    assert complaint.clock_history["decision_reopened"] == [WHEN]


def test_the_firms_answer_to_the_adr_entity_needs_the_case_to_be_with_adr() -> None:
    complaint = received()
    with pytest.raises(IllegalTransition, match="answer the ADR entity"):
        complaint.answer_adr_entity(context(), message="We take part.", participates=True)


def test_a_decision_at_the_top_tier_cannot_be_appealed_internally() -> None:
    complaint = received(ladder=["frontline"])
    complaint.resolve(context(), outcome=ResolutionOutcome.NOT_UPHELD, summary="no")
    with pytest.raises(RuleViolated, match="no tier above"):
        complaint.lodge_appeal(context(), appeal_id="a1", grounds="unfair")


def test_closing_needs_a_decision_unless_the_customer_withdraws() -> None:
    complaint = received()
    with pytest.raises(IllegalTransition):
        complaint.close(context(), reason="done")
    complaint.close(context(), reason="withdrawn")
    assert complaint.status == "closed"
    with pytest.raises(IllegalTransition):
        complaint.close(context(), reason="withdrawn")


def test_a_closed_complaint_can_be_reopened_and_takes_no_interactions_until_then() -> None:
    complaint = resolved()
    complaint.close(context(), reason="resolved and accepted")
    with pytest.raises(IllegalTransition, match="record an interaction"):
        complaint.record_interaction(
            context(), interaction_id="i1", kind="note", direction="internal", summary="late note"
        )
    complaint.reopen(context(), reason="new evidence")
    assert (complaint.status, complaint.reopen_count, complaint.closure) == ("open", 1, None)


def test_a_document_interaction_carries_its_reference() -> None:
    complaint = received()
    with pytest.raises(InvalidArgument, match="document"):
        complaint.record_interaction(
            context(),
            interaction_id="i1",
            kind="document",
            direction="inbound",
            summary="statement",
        )
    document = {
        "sha256": "a" * 64,
        "media_type": "application/pdf",
        "size": 1024,
        "storage_ref": "s3://bucket/statement.pdf",
    }
    complaint.record_interaction(
        context(),
        interaction_id="i1",
        kind="document",
        direction="inbound",
        summary="statement",
        document=document,
    )
    assert complaint.interactions[0]["document"] == document


def test_a_command_id_marks_the_command_as_handled() -> None:
    complaint = received()
    complaint.escalate(context(command_id="key-1"), reason="x")
    assert complaint.has_handled("key-1")
    assert not complaint.has_handled("key-2")
    assert not complaint.has_handled(None)


def test_adr_referral_moves_through_provider_updates_to_an_outcome() -> None:
    complaint = resolved()
    complaint.refer_to_adr(
        context(), referral_id="r1", eligibility={"eligible": True}, preferred_method="mediation"
    )
    assert complaint.status == "referred_to_adr"
    with pytest.raises(UnknownEntity):
        complaint.record_adr_status(
            context(), referral_id="other", provider_id="p", provider_status="accepted"
        )
    complaint.record_adr_status(
        context(), referral_id="r1", provider_id="p1", provider_status="accepted"
    )
    assert complaint.status == "adr_in_progress"
    complaint.record_adr_outcome(
        context(), referral_id="r1", provider_id="p1", outcome="settled", summary="agreed £40"
    )
    assert complaint.status == "adr_concluded"
    with pytest.raises(IllegalTransition):
        complaint.refer_to_adr(context(), referral_id="r2", eligibility={})
    complaint.close(context(), reason="ADR concluded")
