"""A complaint's deadlines and its ADR eligibility, computed from its history as of a moment.

The complaint records when things happened; the regime (data) and the eligibility policy
(pure) turn those moments into deadlines and criteria. Here the complaint is read into what
each needs: its `ClockFacts` for the regime's clocks, its `EligibilityFacts` for the
eligibility criteria (the regime's referral window worked out on the regime's calendar, the
firm's recorded waiver decision). Both are answers "as of" a moment, so the same questions
can be asked of the case as it stood last March.
"""

from __future__ import annotations

from datetime import datetime

from libs.domain.complaint import Complaint
from libs.domain.deadlines import (
    ClockEvent,
    ClockFacts,
    Deadline,
    Regime,
    calendar_for,
    compute_deadlines,
)
from libs.domain.eligibility import (
    EligibilityAssessment,
    EligibilityFacts,
    EligibilityThresholds,
    ReferralWindowFacts,
    assess_eligibility,
)
from libs.domain.time_limit_waiver import TimeLimitWaiver

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
    process = regime.internal_process
    return EligibilityFacts(
        as_of=as_of,
        top_tier_decided=top_tier_decided(complaint),
        final_response_issued=ClockEvent.FINAL_RESPONSE in complaint.clock_times,
        final_response_due_at=final_response.due_at if final_response else None,
        summary_resolution_sent=_seen(complaint, ClockEvent.SUMMARY_RESOLUTION, as_of) is not None,
        summary_resolution_rule=(
            process.rule if ClockEvent.SUMMARY_RESOLUTION in process.ends_on else None
        ),
        referral_window=referral_window_facts(complaint, regime, as_of),
        time_limit_waiver=waiver_as_of(complaint, as_of),
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


def referral_window_facts(
    complaint: Complaint, regime: Regime, as_of: datetime
) -> ReferralWindowFacts | None:
    """The regime's referral window for this complaint, on the regime's calendar (or the
    one the complaint names): it opens with the first of its starting events and ends with
    the last day of its period, as a deadline does."""
    window = regime.referral_window
    if window is None:
        return None
    seen = [
        (moment, event)
        for event in window.starts_on
        if (moment := _seen(complaint, event, as_of)) is not None
    ]
    started = min(seen, default=None)
    calendar = calendar_for(regime, clock_facts(complaint))
    due_at = None
    if started is not None:
        due_at = calendar.end_of_day(
            calendar.advance(calendar.local_date(started[0]), window.period)
        )
    referred = _seen(complaint, ClockEvent.REFERRED_TO_ADR, as_of)
    # Moments in the regime's local time, as the due date is: a reader compares them.
    return ReferralWindowFacts(
        title=window.title,
        rule=window.rule,
        basis=window.basis,
        period=window.period.describe(),
        starts_on=tuple(event.value for event in window.starts_on),
        waivable=window.waivable,
        started_at=started[0].astimezone(calendar.zone) if started else None,
        started_by=started[1].value if started else None,
        due_at=due_at,
        referred_at=referred.astimezone(calendar.zone) if referred else None,
    )


def waiver_as_of(complaint: Complaint, as_of: datetime) -> TimeLimitWaiver | None:
    """The firm's waiver decision, if it had been made by `as_of`."""
    waiver = complaint.time_limit_waiver
    return waiver if waiver is not None and waiver.decided_at <= as_of else None


def _seen(complaint: Complaint, event: ClockEvent, as_of: datetime) -> datetime | None:
    moment = complaint.clock_times.get(event.value)
    return moment if moment is not None and moment <= as_of else None
