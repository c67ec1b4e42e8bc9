"""Whether a complaint may go to external ADR: the five criteria and the referral window,
each with its reason.

Two criteria decide eligibility: the firm's internal process must be exhausted, and the
customer must still be within the regime's referral window (FOS: six months from the final
response, DISP 2.8.2R(1); AFCA: two years from the IDR response) unless the firm's recorded
consent waives it. The other four are the case for referring early or to a particular
provider, shown to staff and to the ADR provider. A staff override of an ineligible case is
recorded elsewhere, with its justification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from libs.domain.time_limit_waiver import TimeLimitWaiver

# One value per currency: amounts are never converted, so each currency needs its own.
DEFAULT_AMOUNT_THRESHOLDS: Mapping[str, Decimal] = MappingProxyType(
    {currency: Decimal("10000") for currency in ("GBP", "EUR", "USD", "AUD")}
)


class Criterion(StrEnum):
    INTERNAL_PROCESSES_EXHAUSTED = "internal_processes_exhausted"
    COMPLEXITY = "complexity"
    STALEMATE = "stalemate"
    RELATIONSHIP_PRESERVATION = "relationship_preservation"
    REPUTATION_RISK = "reputation_risk"
    # Last, so the five keep their places in every assessment shown before it was added.
    REFERRAL_WINDOW = "referral_window"


#: The criteria a referral needs (without an override); the others are reported only.
DECIDING = (Criterion.INTERNAL_PROCESSES_EXHAUSTED, Criterion.REFERRAL_WINDOW)


@dataclass(frozen=True)
class EligibilityThresholds:
    """Defaults: an amount over 10,000 (GBP, EUR, USD or AUD) is complex; two rejected
    offers, or 30 days without progress, is a stalemate."""

    amount: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_AMOUNT_THRESHOLDS)
    rejected_offers: int = 2
    days_without_progress: int = 30


@dataclass(frozen=True)
class ReferralWindowFacts:
    """The regime's referral window as it stands for one complaint.

    `started_at` is when the first of `starts_on` happened (None: not yet) and `due_at` the
    end of the window's last day in the regime's calendar; `referred_at` is when the case
    went to ADR, if it has. `rule` is the citation, `basis` what the rule says.
    """

    title: str
    rule: str
    basis: str
    period: str
    starts_on: tuple[str, ...]
    waivable: bool
    started_at: datetime | None = None
    started_by: str | None = None
    due_at: datetime | None = None
    referred_at: datetime | None = None


@dataclass(frozen=True)
class EligibilityFacts:
    """What the criteria read of a complaint's history, as of `as_of`.

    `final_response_due_at` is the regime's final-response deadline (None when the regime
    sets none); `last_progress_at` is the last event that moved the case on.
    `summary_resolution_rule` cites the rule by which the regime counts a summary resolution
    communication as the end of the internal process (None: it does not count).
    `referral_window` is None when the regime sets no time limit for going to ADR;
    `time_limit_waiver` is the firm's recorded decision on waiving it, if any.
    """

    as_of: datetime
    top_tier_decided: bool = False
    final_response_issued: bool = False
    final_response_due_at: datetime | None = None
    summary_resolution_sent: bool = False
    summary_resolution_rule: str | None = None
    referral_window: ReferralWindowFacts | None = None
    time_limit_waiver: TimeLimitWaiver | None = None
    legal_issue: bool = False
    regulatory_issue: bool = False
    amount_in_dispute: Decimal | None = None
    currency: str | None = None
    rejected_offers: int = 0
    last_progress_at: datetime | None = None
    vulnerable_customer: bool = False
    long_standing_customer: bool = False
    relationship_flagged: bool = False
    public_attention: bool = False
    regulator_contacted: bool = False


@dataclass(frozen=True)
class CriterionResult:
    name: str
    met: bool
    reason: str
    facts: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EligibilityAssessment:
    eligible: bool
    criteria: tuple[CriterionResult, ...]

    def criterion(self, name: str) -> CriterionResult:
        return next(result for result in self.criteria if result.name == name)

    @property
    def blocking(self) -> tuple[CriterionResult, ...]:
        """The criteria that must hold for a referral without an override, and do not."""
        return tuple(c for c in self.criteria if c.name in DECIDING and not c.met)


def assess_eligibility(
    facts: EligibilityFacts, thresholds: EligibilityThresholds | None = None
) -> EligibilityAssessment:
    limits = thresholds or EligibilityThresholds()
    exhausted = internal_processes_exhausted(facts)
    window = referral_window(facts)
    return EligibilityAssessment(
        eligible=exhausted.met and window.met,
        criteria=(
            exhausted,
            complexity(facts, limits),
            stalemate(facts, limits),
            relationship_preservation(facts),
            reputation_risk(facts),
            window,
        ),
    )


def internal_processes_exhausted(facts: EligibilityFacts) -> CriterionResult:
    due = facts.final_response_due_at
    passed = due is not None and facts.as_of > due
    # DISP 2.8.1R(1): under the FCA's rules a summary resolution communication opens the
    # way to the ombudsman as a final response does; other regimes do not say so.
    summary_rule = facts.summary_resolution_rule
    summarily = facts.summary_resolution_sent and summary_rule is not None
    used = {
        "top_tier_decided": facts.top_tier_decided,
        "final_response_issued": facts.final_response_issued,
        "final_response_due_at": due,
        "final_response_deadline_passed": passed,
        "summary_resolution_sent": facts.summary_resolution_sent,
        # The rule under which a summary resolution ends the internal process, if one does.
        "summary_resolution_rule": summary_rule,
        "as_of": facts.as_of,
    }
    why = [
        text
        for holds, text in (
            (facts.top_tier_decided, "the top tier of the escalation ladder has decided"),
            (facts.final_response_issued, "a final response has been issued"),
            (summarily, f"a summary resolution communication has been sent ({summary_rule})"),
            (passed, f"the final-response deadline ({_when(due)}) has passed"),
        )
        if holds
    ]
    if why:
        return _result(
            Criterion.INTERNAL_PROCESSES_EXHAUSTED,
            True,
            "Internal processes are exhausted: ",
            why,
            used,
        )
    deadline = (
        f"the final-response deadline ({_when(due)}) has not passed"
        if due is not None
        else "the regime sets no final-response deadline"
    )
    why_not = [
        "the top tier of the escalation ladder has not decided",
        "no final response has been issued",
        *(["no summary resolution communication has been sent"] if summary_rule else []),
        deadline,
    ]
    return _result(
        Criterion.INTERNAL_PROCESSES_EXHAUSTED,
        False,
        "Internal processes are not exhausted: ",
        why_not,
        used,
    )


def complexity(facts: EligibilityFacts, limits: EligibilityThresholds) -> CriterionResult:
    threshold = limits.amount.get(facts.currency) if facts.currency else None
    amount = facts.amount_in_dispute
    over = amount is not None and threshold is not None and amount > threshold
    used = {
        "legal_issue": facts.legal_issue,
        "regulatory_issue": facts.regulatory_issue,
        "amount_in_dispute": amount,
        "currency": facts.currency,
        "amount_threshold": threshold,
    }
    flagged = [
        text
        for holds, text in (
            (facts.legal_issue, "legal issues are flagged"),
            (facts.regulatory_issue, "regulatory issues are flagged"),
        )
        if holds
    ]
    if amount is None:
        amount_text = "no amount in dispute is recorded"
    elif threshold is None:
        amount_text = f"no amount threshold is configured for {facts.currency}"
    else:
        relation = "over" if over else "not over"
        amount_text = (
            f"the amount in dispute ({_money(amount, facts.currency)}) is {relation} "
            f"the threshold of {_money(threshold, facts.currency)}"
        )
    if flagged or over:
        reasons = flagged + ([amount_text] if over else [])
        return _result(Criterion.COMPLEXITY, True, "The case is complex: ", reasons, used)
    reasons = ["no legal or regulatory issue is flagged", amount_text]
    return _result(Criterion.COMPLEXITY, False, "The case is not complex: ", reasons, used)


def stalemate(facts: EligibilityFacts, limits: EligibilityThresholds) -> CriterionResult:
    last = facts.last_progress_at
    idle_days = (facts.as_of - last).days if last is not None else None
    offers_stuck = facts.rejected_offers >= limits.rejected_offers
    idle = idle_days is not None and idle_days >= limits.days_without_progress
    used = {
        "rejected_offers": facts.rejected_offers,
        "rejected_offers_threshold": limits.rejected_offers,
        "last_progress_at": last,
        "days_without_progress": idle_days,
        "days_without_progress_threshold": limits.days_without_progress,
        "as_of": facts.as_of,
    }
    offers = _count(facts.rejected_offers, "offer has", "offers have") + " been rejected"
    offers_rule = f"{limits.rejected_offers} or more is a stalemate"
    if idle_days is None:
        progress = "no progress time is known"
    else:
        progress = (
            f"the last progress was {_count(idle_days, 'day', 'days')} ago, on {_when(last)} "
            f"({limits.days_without_progress} days or more without progress is a stalemate)"
        )
    if offers_stuck or idle:
        reasons = ([f"{offers} ({offers_rule})"] if offers_stuck else []) + (
            [progress] if idle else []
        )
        return _result(Criterion.STALEMATE, True, "The case is in stalemate: ", reasons, used)
    return _result(
        Criterion.STALEMATE,
        False,
        "The case is not in stalemate: ",
        [f"{offers} ({offers_rule})", progress],
        used,
    )


def relationship_preservation(facts: EligibilityFacts) -> CriterionResult:
    used = {
        "vulnerable_customer": facts.vulnerable_customer,
        "long_standing_customer": facts.long_standing_customer,
        "relationship_flagged": facts.relationship_flagged,
    }
    reasons = [
        text
        for holds, text in (
            (facts.vulnerable_customer, "the customer is flagged as vulnerable"),
            (facts.long_standing_customer, "the customer is flagged as long-standing"),
            (facts.relationship_flagged, "staff flagged the relationship as one to preserve"),
        )
        if holds
    ]
    if reasons:
        return _result(
            Criterion.RELATIONSHIP_PRESERVATION,
            True,
            "Preserving the relationship matters: ",
            reasons,
            used,
        )
    return _result(
        Criterion.RELATIONSHIP_PRESERVATION,
        False,
        "No relationship to preserve is flagged: ",
        ["staff have flagged neither a vulnerable or long-standing customer nor the relationship"],
        used,
    )


def reputation_risk(facts: EligibilityFacts) -> CriterionResult:
    used = {
        "public_attention": facts.public_attention,
        "regulator_contacted": facts.regulator_contacted,
    }
    reasons = [
        text
        for holds, text in (
            (facts.public_attention, "the complaint has drawn public attention"),
            (facts.regulator_contacted, "the customer has contacted a regulator"),
        )
        if holds
    ]
    if reasons:
        return _result(
            Criterion.REPUTATION_RISK, True, "There is a reputation risk: ", reasons, used
        )
    return _result(
        Criterion.REPUTATION_RISK,
        False,
        "No reputation risk is recorded: ",
        ["no public attention and no contact with a regulator"],
        used,
    )


def referral_window(facts: EligibilityFacts) -> CriterionResult:
    """Whether the customer is still in time to go to the regime's ombudsman or ADR
    entity: within the window, referred within it, or past it with the firm's recorded
    consent to waive it (where the regime lets the firm waive it)."""
    window = facts.referral_window
    name = Criterion.REFERRAL_WINDOW
    if window is None:
        return _result(
            name,
            True,
            "No referral window applies: ",
            ["the regime sets no time limit for going to external ADR"],
            {"rule": None, "due_at": None, "as_of": facts.as_of},
        )
    due, started, waiver = window.due_at, window.started_at, facts.time_limit_waiver
    passed = due is not None and facts.as_of > due
    referred_in_time = (
        due is not None and window.referred_at is not None and window.referred_at <= due
    )
    used = {
        "title": window.title,
        "rule": window.rule,
        "basis": window.basis,
        "period": window.period,
        "starts_on": list(window.starts_on),
        "started_at": started,
        "started_by": window.started_by,
        "due_at": due,
        "window_passed": passed,
        "referred_at": window.referred_at,
        "waivable": window.waivable,
        "time_limit_waiver": (
            {
                "consents": waiver.consents,
                "decided_at": waiver.decided_at,
                "decided_by": waiver.decided_by,
            }
            if waiver is not None
            else None
        ),
        "as_of": facts.as_of,
    }
    if started is None or due is None:
        events = " or ".join(_event(event) for event in window.starts_on)
        return _result(
            name,
            True,
            "The referral window has not started: ",
            [f"it runs {window.period} from the {events} ({window.rule})"],
            used,
        )
    opened = f"{window.period} after the {_event(window.started_by)} on {_when(started)}"
    if referred_in_time:
        return _result(
            name,
            True,
            "The referral window was kept: ",
            [
                f"the complaint was referred on {_when(window.referred_at)}, within "
                f"{opened}, which ends {_when(due)} ({window.rule})"
            ],
            used,
        )
    if not passed:
        return _result(
            name,
            True,
            "The referral window is open: ",
            [f"{window.title} is in time until {_when(due)}, {opened} ({window.rule})"],
            used,
        )
    ended = f"{opened} ended {_when(due)} ({window.rule})"
    if window.waivable and waiver is not None and waiver.consents:
        return _result(
            name,
            True,
            "The referral window has passed but is waived: ",
            [ended, f"the firm consented on {_when(waiver.decided_at)} to waive the time limit"],
            used,
        )
    if not window.waivable:
        waiver_text = "the firm's consent cannot waive it under this regime"
    elif waiver is None:
        waiver_text = "the firm has not recorded its consent to waive it"
    else:
        waiver_text = f"the firm refused on {_when(waiver.decided_at)} to waive it"
    return _result(name, False, "The referral window has passed: ", [ended, waiver_text], used)


_EVENT_WORDS = {
    "received": "receipt of the complaint",
    "summary_resolution": "summary resolution communication",
}


def _event(event: str | None) -> str:
    if event is None:
        return "start"
    return _EVENT_WORDS.get(event, event.replace("_", " "))


def _result(
    criterion: Criterion, met: bool, lead: str, reasons: list[str], facts: Mapping[str, object]
) -> CriterionResult:
    return CriterionResult(
        criterion.value, met, lead + _join(reasons) + ".", MappingProxyType(facts)
    )


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    return f"{moment:%a} {moment.day} {moment:%b %Y %H:%M %Z}".rstrip()


def _money(amount: Decimal, currency: str | None) -> str:
    return f"{amount:,} {currency or ''}".rstrip()


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
