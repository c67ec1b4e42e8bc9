"""The referral's two lifecycles and the provider-matching policy, without any I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from libs.domain.errors import IllegalTransition, InvalidArgument
from libs.domain.provider import ProviderRegistry
from libs.domain.provider_ranking import ReferralNeeds as CaseFacts
from libs.domain.provider_ranking import TrackRecord, rank
from libs.domain.referral import NotYourReferral, Referral
from libs.domain.referral_lifecycle import ProviderEventType

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def prepared(provider_id: str = "calm-mediation") -> Referral:
    referral = Referral.open(
        reference="ref-1",
        complaint_id="c-1",
        eligibility={"eligible": True},
        referred_by="supervisor:sam",
        referred_at=NOW,
        upstream_event_id="c-1/7",
    )
    referral.prepare(provider_id=provider_id, selection={"how": "test"}, bundle={"sha256": "x"})
    return referral


def report(referral: Referral, kind: ProviderEventType, webhook_id: str, **data: object) -> bool:
    return referral.report(
        provider_id="calm-mediation",
        event_type=kind,
        data=dict(data),
        webhook_id=webhook_id,
        occurred_at=NOW,
    )


def test_a_provider_may_accept_before_its_delivery_is_recorded() -> None:
    referral = prepared()
    assert report(referral, ProviderEventType.ACCEPTED, "w1")
    referral.record_delivered(status_code=200)
    assert (referral.status, referral.delivery) == ("accepted", "delivered")


def test_the_same_webhook_twice_changes_nothing() -> None:
    referral = prepared()
    assert report(referral, ProviderEventType.ACCEPTED, "w1")
    assert not report(referral, ProviderEventType.ACCEPTED, "w1")
    assert len(referral.provider_updates) == 1


def test_a_decision_needs_acceptance_first_and_a_known_outcome() -> None:
    referral = prepared()
    with pytest.raises(IllegalTransition):
        report(referral, ProviderEventType.DECISION_ISSUED, "w1", outcome="upheld")
    report(referral, ProviderEventType.ACCEPTED, "w2")
    with pytest.raises(InvalidArgument):
        report(referral, ProviderEventType.DECISION_ISSUED, "w3", outcome="victory")
    report(referral, ProviderEventType.DECISION_ISSUED, "w4", outcome="settled", binding=False)
    assert referral.decision is not None and referral.decision["outcome"] == "settled"


def test_milestones_are_recorded_without_changing_the_status() -> None:
    # An ADR entity may ask the trader, or complete the file, before it accepts the case.
    referral = prepared()
    assert report(referral, ProviderEventType.TRADER_NOTIFIED, "w1", request="Will you take part?")
    assert referral.status == "prepared"
    report(referral, ProviderEventType.ACCEPTED, "w2")
    assert report(referral, ProviderEventType.FILE_COMPLETE, "w3")
    assert referral.status == "accepted"
    assert [u["type"] for u in referral.provider_updates] == [
        "trader.notified",
        "referral.accepted",
        "file.complete",
    ]
    kinds = [type(event).__name__ for event in referral.collect_events()]
    assert kinds.count("ProviderMilestoneReported") == 2
    assert not report(referral, ProviderEventType.FILE_COMPLETE, "w3")  # the same webhook


def test_a_milestone_after_the_decision_is_refused() -> None:
    referral = prepared()
    report(referral, ProviderEventType.ACCEPTED, "w1")
    report(referral, ProviderEventType.DECISION_ISSUED, "w2", outcome="upheld")
    with pytest.raises(IllegalTransition):
        report(referral, ProviderEventType.FILE_COMPLETE, "w3")


def test_an_acceptance_says_the_file_is_complete_with_a_boolean() -> None:
    with pytest.raises(InvalidArgument, match="file_complete"):
        report(prepared(), ProviderEventType.ACCEPTED, "w1", file_complete="yes")
    referral = prepared()
    report(referral, ProviderEventType.ACCEPTED, "w1", file_complete=True)
    assert referral.provider_updates[0]["detail"] == {"file_complete": True}


def test_another_provider_cannot_report_on_the_referral() -> None:
    referral = prepared()
    with pytest.raises(NotYourReferral):
        referral.report(
            provider_id="someone-else",
            event_type=ProviderEventType.ACCEPTED,
            data={},
            webhook_id="w1",
            occurred_at=NOW,
        )


def test_a_dead_letter_can_be_redelivered_with_the_same_webhook_id() -> None:
    referral = prepared()
    webhook_id = referral.webhook_id
    referral.record_failed_attempt(status_code=503, error="HTTP 503", next_attempt_at=NOW)
    referral.dead_letter_delivery(status_code=503, reason="gave up")
    referral.request_redelivery(requested_by="admin:ops")
    assert (referral.delivery, referral.attempts, referral.webhook_id) == (
        "pending",
        [],
        webhook_id,
    )


def provider(provider_id: str, **profile: object) -> dict[str, object]:
    base = {
        "id": provider_id,
        "name": provider_id,
        "methods": ["mediation"],
        "categories": [],
        "jurisdictions": [],
        "languages": ["en"],
        "fee": None,
        "active": True,
    }
    return {**base, **profile}


def test_ranking_puts_fitting_providers_first_and_says_why() -> None:
    case = CaseFacts.of(
        category="billing",
        regime="uk-fca-disp",
        language="en",
        method="mediation",
        preferred_provider_id=None,
    )
    ranking = rank(
        [
            provider("arbiters", methods=["arbitration"]),
            provider("slow", jurisdictions=["GB"]),
            provider("fast", jurisdictions=["GB"], fee={"amount": "50", "currency": "GBP"}),
            provider("eu-only", jurisdictions=["EU"]),
        ],
        case,
        {
            "fast": TrackRecord(referrals=10, accepted=9, declined=1, days_to_outcome=(20.0,)),
            "slow": TrackRecord(referrals=10, accepted=3, declined=7, days_to_outcome=(150.0,)),
        },
    )
    assert [c.provider_id for c in ranking if c.fits] == ["fast", "slow"]
    best = ranking[0]
    assert "covers GB" in best.reasons
    assert "accepted 90% of 10 answered referrals" in best.reasons
    excluded = {c.provider_id: c.reasons for c in ranking if not c.fits}
    assert excluded["arbiters"] == ("does not offer mediation (offers arbitration)",)
    assert excluded["eu-only"] == ("does not cover GB",)


def test_the_registry_refuses_unknown_fields_and_duplicate_ids() -> None:
    registry = ProviderRegistry.start()
    registry.register("p1", {"name": "P1"}, registered_by="admin")
    with pytest.raises(InvalidArgument):
        registry.change("p1", {"secret_sauce": True}, changed_by="admin")
    from libs.domain.errors import RuleViolated

    with pytest.raises(RuleViolated):
        registry.register("p1", {"name": "again"}, registered_by="admin")
