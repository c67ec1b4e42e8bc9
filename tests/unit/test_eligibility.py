"""When a complaint may go to external ADR: the five criteria and the referral window, each
met and not met.

"Internal processes exhausted" and "referral window" decide eligibility; the other four are
reported with their reasons so staff and the provider see the whole case.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from libs.domain.eligibility import (
    Criterion,
    CriterionResult,
    EligibilityFacts,
    EligibilityThresholds,
    ReferralWindowFacts,
    assess_eligibility,
)
from libs.domain.time_limit_waiver import TimeLimitWaiver

NOW = datetime(2025, 10, 20, 12, tzinfo=UTC)
FINAL_RESPONSE_DUE = datetime(2025, 10, 17, 22, 59, 59, tzinfo=UTC)
IN_TIME = EligibilityFacts(
    as_of=datetime(2025, 10, 1, 12, tzinfo=UTC),
    final_response_due_at=FINAL_RESPONSE_DUE,
    last_progress_at=datetime(2025, 9, 25, tzinfo=UTC),
)


def criterion(
    facts: EligibilityFacts, name: Criterion, thresholds: EligibilityThresholds | None = None
) -> CriterionResult:
    return assess_eligibility(facts, thresholds).criterion(name)


def test_the_criteria_are_reported_in_order_with_their_names() -> None:
    # The referral window came after the five, so it comes after them: a reader that knew
    # the five in their places still finds them there.
    assessment = assess_eligibility(IN_TIME)
    assert [result.name for result in assessment.criteria] == [
        "internal_processes_exhausted",
        "complexity",
        "stalemate",
        "relationship_preservation",
        "reputation_risk",
        "referral_window",
    ]


# -- 1. internal processes exhausted --------------------------------------------------------


def test_a_complaint_still_inside_its_internal_process_is_not_eligible() -> None:
    assessment = assess_eligibility(IN_TIME)
    result = assessment.criterion(Criterion.INTERNAL_PROCESSES_EXHAUSTED)
    assert not assessment.eligible
    assert not result.met
    assert result.reason == (
        "Internal processes are not exhausted: the top tier of the escalation ladder has not "
        "decided, no final response has been issued and the final-response deadline "
        "(Fri 17 Oct 2025 22:59 UTC) has not passed."
    )
    assert assessment.blocking == (result,)


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"top_tier_decided": True}, "the top tier of the escalation ladder has decided"),
        ({"final_response_issued": True}, "a final response has been issued"),
        ({"as_of": NOW}, "the final-response deadline (Fri 17 Oct 2025 22:59 UTC) has passed"),
    ],
)
def test_internal_processes_are_exhausted_by_any_one_of_three_facts(
    change: dict[str, object], phrase: str
) -> None:
    assessment = assess_eligibility(replace(IN_TIME, **change))  # type: ignore[arg-type]
    result = assessment.criterion(Criterion.INTERNAL_PROCESSES_EXHAUSTED)
    assert assessment.eligible and result.met
    assert result.reason == f"Internal processes are exhausted: {phrase}."
    assert assessment.blocking == ()


def test_the_facts_used_are_reported() -> None:
    result = criterion(replace(IN_TIME, as_of=NOW), Criterion.INTERNAL_PROCESSES_EXHAUSTED)
    assert result.facts == {
        "top_tier_decided": False,
        "final_response_issued": False,
        "final_response_due_at": FINAL_RESPONSE_DUE,
        "final_response_deadline_passed": True,
        "summary_resolution_sent": False,
        "summary_resolution_rule": None,
        "as_of": NOW,
    }


def test_without_a_regime_deadline_only_the_top_tier_or_a_final_response_exhaust() -> None:
    result = criterion(
        replace(IN_TIME, final_response_due_at=None), Criterion.INTERNAL_PROCESSES_EXHAUSTED
    )
    assert not result.met
    assert "the regime sets no final-response deadline" in result.reason


def test_eligibility_does_not_depend_on_the_other_four_criteria() -> None:
    everything_else = replace(
        IN_TIME,
        legal_issue=True,
        rejected_offers=5,
        vulnerable_customer=True,
        public_attention=True,
    )
    assessment = assess_eligibility(everything_else)
    assert not assessment.eligible
    assert all(result.met for result in assessment.criteria[1:5])


# -- 2. complexity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"legal_issue": True}, "legal issues are flagged"),
        ({"regulatory_issue": True}, "regulatory issues are flagged"),
        (
            {"amount_in_dispute": Decimal("12500.00"), "currency": "GBP"},
            "the amount in dispute (12,500.00 GBP) is over the threshold of 10,000 GBP",
        ),
    ],
)
def test_a_case_is_complex_when_legal_or_regulatory_issues_or_a_large_amount(
    change: dict[str, object], phrase: str
) -> None:
    result = criterion(replace(IN_TIME, **change), Criterion.COMPLEXITY)  # type: ignore[arg-type]
    assert result.met
    assert result.reason == f"The case is complex: {phrase}."


def test_an_amount_at_the_threshold_is_not_over_it() -> None:
    facts = replace(IN_TIME, amount_in_dispute=Decimal("10000"), currency="GBP")
    result = criterion(facts, Criterion.COMPLEXITY)
    assert not result.met
    assert result.reason == (
        "The case is not complex: no legal or regulatory issue is flagged and the amount in "
        "dispute (10,000 GBP) is not over the threshold of 10,000 GBP."
    )
    assert result.facts["amount_threshold"] == Decimal("10000")


def test_a_currency_without_a_threshold_is_never_complex_by_amount() -> None:
    facts = replace(IN_TIME, amount_in_dispute=Decimal("5000000"), currency="JPY")
    result = criterion(facts, Criterion.COMPLEXITY)
    assert not result.met
    assert "no amount threshold is configured for JPY" in result.reason


def test_the_amount_threshold_is_configuration() -> None:
    facts = replace(IN_TIME, amount_in_dispute=Decimal("600"), currency="EUR")
    low = EligibilityThresholds(amount={"EUR": Decimal("500")})
    assert criterion(facts, Criterion.COMPLEXITY, low).met
    assert not criterion(facts, Criterion.COMPLEXITY).met


def test_no_amount_and_no_flags_is_not_complex() -> None:
    result = criterion(IN_TIME, Criterion.COMPLEXITY)
    assert not result.met
    assert "no amount in dispute is recorded" in result.reason


# -- 3. stalemate --------------------------------------------------------------------------


def test_offers_rejected_repeatedly_are_a_stalemate() -> None:
    result = criterion(replace(IN_TIME, rejected_offers=2), Criterion.STALEMATE)
    assert result.met
    assert result.reason == (
        "The case is in stalemate: 2 offers have been rejected (2 or more is a stalemate)."
    )


def test_thirty_days_without_progress_is_a_stalemate() -> None:
    last = NOW - timedelta(days=30)
    result = criterion(replace(IN_TIME, as_of=NOW, last_progress_at=last), Criterion.STALEMATE)
    assert result.met
    assert "the last progress was 30 days ago, on Sat 20 Sep 2025 12:00 UTC" in result.reason
    assert result.facts["days_without_progress"] == 30


def test_one_rejected_offer_and_recent_progress_is_no_stalemate() -> None:
    result = criterion(replace(IN_TIME, rejected_offers=1), Criterion.STALEMATE)
    assert not result.met
    assert result.reason.startswith(
        "The case is not in stalemate: 1 offer has been rejected (2 or more is a stalemate) "
        "and the last progress was 6 days ago"
    )


def test_stalemate_thresholds_are_configuration() -> None:
    patient = EligibilityThresholds(rejected_offers=4, days_without_progress=90)
    facts = replace(
        IN_TIME, as_of=NOW, rejected_offers=3, last_progress_at=NOW - timedelta(days=60)
    )
    assert criterion(facts, Criterion.STALEMATE).met
    assert not criterion(facts, Criterion.STALEMATE, patient).met


def test_without_a_progress_time_only_rejected_offers_count() -> None:
    result = criterion(replace(IN_TIME, last_progress_at=None), Criterion.STALEMATE)
    assert not result.met
    assert "no progress time is known" in result.reason


# -- 4. relationship preservation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "phrase"),
    [
        ("vulnerable_customer", "the customer is flagged as vulnerable"),
        ("long_standing_customer", "the customer is flagged as long-standing"),
        ("relationship_flagged", "staff flagged the relationship as one to preserve"),
    ],
)
def test_a_relationship_flagged_by_staff_is_worth_preserving(flag: str, phrase: str) -> None:
    result = criterion(replace(IN_TIME, **{flag: True}), Criterion.RELATIONSHIP_PRESERVATION)  # type: ignore[arg-type]
    assert result.met
    assert result.reason == f"Preserving the relationship matters: {phrase}."
    assert result.facts[flag] is True


def test_no_relationship_flag_means_the_criterion_is_not_met() -> None:
    result = criterion(IN_TIME, Criterion.RELATIONSHIP_PRESERVATION)
    assert not result.met
    assert result.reason.startswith("No relationship to preserve is flagged")


def test_several_reasons_are_all_cited() -> None:
    facts = replace(IN_TIME, vulnerable_customer=True, long_standing_customer=True)
    assert criterion(facts, Criterion.RELATIONSHIP_PRESERVATION).reason == (
        "Preserving the relationship matters: the customer is flagged as vulnerable and the "
        "customer is flagged as long-standing."
    )


# -- 5. reputation risk --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "phrase"),
    [
        ("public_attention", "the complaint has drawn public attention"),
        ("regulator_contacted", "the customer has contacted a regulator"),
    ],
)
def test_public_attention_or_regulator_contact_is_a_reputation_risk(flag: str, phrase: str) -> None:
    result = criterion(replace(IN_TIME, **{flag: True}), Criterion.REPUTATION_RISK)  # type: ignore[arg-type]
    assert result.met
    assert result.reason == f"There is a reputation risk: {phrase}."


def test_no_publicity_and_no_regulator_is_no_reputation_risk() -> None:
    result = criterion(IN_TIME, Criterion.REPUTATION_RISK)
    assert not result.met
    assert result.reason == (
        "No reputation risk is recorded: no public attention and no contact with a regulator."
    )
    assert result.facts == {"public_attention": False, "regulator_contacted": False}


# -- a summary resolution ends the internal process where the regime says so ---------------


def test_a_summary_resolution_ends_the_internal_process_where_the_regime_says_so() -> None:
    # DISP 2.8.1R(1): the ombudsman can consider a complaint once the firm has sent its
    # final response or summary resolution communication.
    summarily = replace(IN_TIME, summary_resolution_sent=True)
    fca = replace(summarily, summary_resolution_rule="DISP 2.8.1R(1)")

    assessment = assess_eligibility(fca)
    result = assessment.criterion(Criterion.INTERNAL_PROCESSES_EXHAUSTED)

    assert assessment.eligible and result.met
    assert result.reason == (
        "Internal processes are exhausted: a summary resolution communication has been sent "
        "(DISP 2.8.1R(1))."
    )
    assert result.facts["summary_resolution_sent"] is True
    assert result.facts["summary_resolution_rule"] == "DISP 2.8.1R(1)"
    # A regime that does not say so: the summary resolution alone exhausts nothing.
    assert not assess_eligibility(summarily).eligible


def test_where_a_summary_resolution_would_count_its_absence_is_a_reason() -> None:
    result = criterion(
        replace(IN_TIME, summary_resolution_rule="DISP 2.8.1R(1)"),
        Criterion.INTERNAL_PROCESSES_EXHAUSTED,
    )
    assert not result.met
    assert "no summary resolution communication has been sent" in result.reason


# -- 6. the referral window ----------------------------------------------------------------

FINAL_RESPONSE_SENT = datetime(2025, 1, 15, 11, tzinfo=UTC)
SIX_MONTHS_END = datetime(2025, 7, 15, 22, 59, 59, 999999, tzinfo=UTC)  # 23:59:59 BST
FOS_WINDOW = ReferralWindowFacts(
    title="Referral to the Financial Ombudsman Service",
    rule="DISP 2.8.2R(1)",
    basis="DISP 2.8.2R(1): six months from the final response",
    period="6 months",
    starts_on=("final_response", "summary_resolution"),
    waivable=True,
    started_at=FINAL_RESPONSE_SENT,
    started_by="final_response",
    due_at=SIX_MONTHS_END,
)
EXHAUSTED = replace(IN_TIME, final_response_issued=True)
INSIDE = replace(EXHAUSTED, as_of=datetime(2025, 7, 15, 20, tzinfo=UTC), referral_window=FOS_WINDOW)
OUTSIDE = replace(INSIDE, as_of=datetime(2025, 7, 16, 9, tzinfo=UTC))


def consent(consents: bool, on: datetime = datetime(2025, 8, 1, 9, tzinfo=UTC)) -> TimeLimitWaiver:
    return TimeLimitWaiver(
        consents=consents, decided_at=on, decided_by="sam", decided_by_role="supervisor"
    )


def test_a_regime_without_a_window_never_blocks_a_referral() -> None:
    result = criterion(EXHAUSTED, Criterion.REFERRAL_WINDOW)
    assert result.met
    assert result.reason == (
        "No referral window applies: the regime sets no time limit for going to external ADR."
    )
    assert result.facts["rule"] is None and result.facts["due_at"] is None


def test_a_window_that_has_not_started_is_not_passed() -> None:
    not_started = replace(FOS_WINDOW, started_at=None, started_by=None, due_at=None)
    result = criterion(replace(INSIDE, referral_window=not_started), Criterion.REFERRAL_WINDOW)
    assert result.met
    assert result.reason == (
        "The referral window has not started: it runs 6 months from the final response or "
        "summary resolution communication (DISP 2.8.2R(1))."
    )


def test_on_the_last_day_of_the_six_months_the_window_is_open() -> None:
    assessment = assess_eligibility(INSIDE)
    result = assessment.criterion(Criterion.REFERRAL_WINDOW)
    assert assessment.eligible and result.met
    assert result.reason == (
        "The referral window is open: Referral to the Financial Ombudsman Service is in time "
        "until Tue 15 Jul 2025 22:59 UTC, 6 months after the final response on "
        "Wed 15 Jan 2025 11:00 UTC (DISP 2.8.2R(1))."
    )


def test_the_day_after_the_six_months_the_case_is_out_of_time() -> None:
    assessment = assess_eligibility(OUTSIDE)
    result = assessment.criterion(Criterion.REFERRAL_WINDOW)
    assert not assessment.eligible and not result.met
    assert result.reason == (
        "The referral window has passed: 6 months after the final response on "
        "Wed 15 Jan 2025 11:00 UTC ended Tue 15 Jul 2025 22:59 UTC (DISP 2.8.2R(1)) and the "
        "firm has not recorded its consent to waive it."
    )
    assert assessment.blocking == (result,)
    assert result.facts["due_at"] == SIX_MONTHS_END
    assert result.facts["rule"] == "DISP 2.8.2R(1)"
    assert result.facts["window_passed"] is True


def test_the_firms_recorded_consent_waives_a_passed_window() -> None:
    assessment = assess_eligibility(replace(OUTSIDE, time_limit_waiver=consent(True)))
    result = assessment.criterion(Criterion.REFERRAL_WINDOW)
    assert assessment.eligible and result.met
    assert result.reason.startswith("The referral window has passed but is waived: ")
    assert "the firm consented on Fri 1 Aug 2025 09:00 UTC to waive the time limit" in (
        result.reason
    )
    assert result.facts["time_limit_waiver"] == {
        "consents": True,
        "decided_at": datetime(2025, 8, 1, 9, tzinfo=UTC),
        "decided_by": "sam",
    }


def test_a_recorded_refusal_leaves_the_case_out_of_time_and_says_so() -> None:
    result = criterion(
        replace(OUTSIDE, time_limit_waiver=consent(False)), Criterion.REFERRAL_WINDOW
    )
    assert not result.met
    assert "the firm refused on Fri 1 Aug 2025 09:00 UTC to waive it" in result.reason


def test_where_the_firm_cannot_waive_the_window_its_consent_changes_nothing() -> None:
    # AFCA, or an EU ADR entity: a late complaint is the scheme's to admit, not the firm's.
    afca = replace(FOS_WINDOW, rule="AFCA Rules B.4.3.1", period="24 months", waivable=False)
    result = criterion(
        replace(OUTSIDE, referral_window=afca, time_limit_waiver=consent(True)),
        Criterion.REFERRAL_WINDOW,
    )
    assert not result.met
    assert result.reason.endswith(
        "(AFCA Rules B.4.3.1) and the firm's consent cannot waive it under this regime."
    )


def test_a_referral_made_within_the_window_keeps_it_met_afterwards() -> None:
    referred = replace(FOS_WINDOW, referred_at=datetime(2025, 7, 1, 9, tzinfo=UTC))
    result = criterion(replace(OUTSIDE, referral_window=referred), Criterion.REFERRAL_WINDOW)
    assert result.met
    assert result.reason.startswith(
        "The referral window was kept: the complaint was referred on Tue 1 Jul 2025 09:00 UTC"
    )


def test_both_deciding_criteria_block_and_both_are_named() -> None:
    assessment = assess_eligibility(replace(OUTSIDE, final_response_issued=False))
    assert [c.name for c in assessment.blocking] == [
        "internal_processes_exhausted",
        "referral_window",
    ]
