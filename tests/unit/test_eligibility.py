"""When a complaint may go to external ADR: the five criteria, each met and not met.

Only "internal processes exhausted" decides eligibility; the other four are reported with
their reasons so staff and the provider see the whole case.
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
    assess_eligibility,
)

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


def test_the_five_criteria_are_reported_in_order_with_their_names() -> None:
    assessment = assess_eligibility(IN_TIME)
    assert [result.name for result in assessment.criteria] == [
        "internal_processes_exhausted",
        "complexity",
        "stalemate",
        "relationship_preservation",
        "reputation_risk",
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
    assert all(result.met for result in assessment.criteria[1:])


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
