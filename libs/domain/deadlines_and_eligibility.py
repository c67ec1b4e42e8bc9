"""A complaint's deadlines and its ADR eligibility, computed from its history as of a moment.

The complaint records when things happened; the regime (data) and the eligibility policy
(pure) turn those moments into deadlines and criteria. Here the complaint is read into what
each needs: its `ClockFacts` for the regime's clocks, its `EligibilityFacts` for the five
criteria. Both are answers "as of" a moment, so the same questions can be asked of the case
as it stood last March.
"""

from __future__ import annotations

from datetime import datetime

from libs.domain.complaint import Complaint
from libs.domain.deadlines import ClockEvent, ClockFacts, Deadline, Regime, compute_deadlines
from libs.domain.eligibility import (
    EligibilityAssessment,
    EligibilityFacts,
    EligibilityThresholds,
    assess_eligibility,
)

FINAL_RESPONSE_CLOCK = "final_response"


def clock_facts(complaint: Complaint) -> ClockFacts:
    """Every time each clock event happened, from the whole history: a reopen does not
    unmake what happened before it, so a deadline met then stays met."""
    history = {
        ClockEvent(event): tuple(sorted(moments))
        for event, moments in complaint.clock_history.items()
        if event in _CLOCK_EVENTS
    }

    def first(event: ClockEvent) -> datetime | None:
        moments = history.get(event)
        return moments[0] if moments else None

    return ClockFacts(
        received_at=complaint.received_at,
        acknowledged_at=first(ClockEvent.ACKNOWLEDGED),
        resolved_at=first(ClockEvent.RESOLVED),
        summary_resolution_at=first(ClockEvent.SUMMARY_RESOLUTION),
        holding_reply_at=first(ClockEvent.HOLDING_REPLY),
        final_response_at=first(ClockEvent.FINAL_RESPONSE),
        closed_at=first(ClockEvent.CLOSED),
        referred_to_adr_at=first(ClockEvent.REFERRED_TO_ADR),
        adr_file_complete_at=first(ClockEvent.ADR_FILE_COMPLETE),
        adr_request_at=first(ClockEvent.ADR_REQUEST),
        adr_answer_at=first(ClockEvent.ADR_ANSWER),
        adr_outcome_at=first(ClockEvent.ADR_OUTCOME),
        decision_reopened_at=first(ClockEvent.DECISION_REOPENED),
        variant=complaint.regime_variant,
        subdivision=complaint.calendar_subdivision,
        history=history,
    )


_CLOCK_EVENTS = frozenset(event.value for event in ClockEvent)


def deadlines_of(
    complaint: Complaint, regime: Regime, as_of: datetime, *, explain: bool = True
) -> list[Deadline]:
    return compute_deadlines(regime, clock_facts(complaint), as_of, explain=explain)


def top_tier_decided(complaint: Complaint) -> bool:
    """The top of the internal ladder has decided: its resolution, or an appeal it heard."""
    top = complaint.ladder[-1]
    if complaint.resolution is not None and complaint.resolution.decided_at_tier == top:
        return True
    return any(appeal.decided_at_tier == top for appeal in complaint.appeals.values())


def eligibility_of(
    complaint: Complaint,
    regime: Regime,
    as_of: datetime,
    thresholds: EligibilityThresholds | None = None,
) -> EligibilityAssessment:
    return assess_eligibility(eligibility_facts(complaint, regime, as_of), thresholds)


def eligibility_facts(complaint: Complaint, regime: Regime, as_of: datetime) -> EligibilityFacts:
    final_response = next(
        (
            d
            for d in deadlines_of(complaint, regime, as_of, explain=False)
            if d.clock == FINAL_RESPONSE_CLOCK
        ),
        None,
    )
    flags = complaint.flags
    return EligibilityFacts(
        as_of=as_of,
        top_tier_decided=top_tier_decided(complaint),
        final_response_issued=ClockEvent.FINAL_RESPONSE in complaint.clock_times,
        final_response_due_at=final_response.due_at if final_response else None,
        legal_issue=flags.get("legal", False),
        regulatory_issue=flags.get("regulatory", False),
        amount_in_dispute=complaint.amount_in_dispute,
        currency=complaint.currency,
        rejected_offers=complaint.rejected_offer_count(),
        last_progress_at=complaint.last_progress_at,
        vulnerable_customer=flags.get("vulnerable_customer", False),
        long_standing_customer=flags.get("long_standing_customer", False),
        relationship_flagged=flags.get("relationship_at_risk", False),
        public_attention=flags.get("public_attention", False),
        regulator_contacted=flags.get("regulator_contacted", False),
    )
