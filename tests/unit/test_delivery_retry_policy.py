"""After a delivery attempt: delivered, tried again on the schedule (spread by the jitter,
never sooner than Retry-After), or given up on: 410 Gone and permanent failures at once,
anything else after the schedule's last delay. No I/O: the policy is a pure rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from libs.domain.referral import Referral
from services.adr_gateway.adapters import DeliveryResult, Outcome
from services.adr_gateway.delivery.retry_policy import (
    GiveUp,
    RetryAt,
    RetryPolicy,
    Succeeded,
    record_attempt,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SCHEDULE = RetryPolicy(schedule=(5.0, 60.0, 300.0), jitter=0.0)


def failure(status: int | None = 503, retry_after: float | None = None) -> DeliveryResult:
    return DeliveryResult(Outcome.RETRY, status, f"HTTP {status}", retry_after)


def test_a_delivered_case_is_recorded_as_delivered() -> None:
    verdict = SCHEDULE.verdict(DeliveryResult(Outcome.DELIVERED, 200), attempt=1, now=NOW)
    assert verdict == Succeeded(200)


def test_410_gone_and_permanent_failures_give_up_at_once() -> None:
    gone = SCHEDULE.verdict(DeliveryResult(Outcome.GONE, 410, "gone"), attempt=1, now=NOW)
    assert gone == GiveUp(410, "the provider answered 410 Gone")
    refused = DeliveryResult(Outcome.PERMANENT, 400, "HTTP 400")
    assert SCHEDULE.verdict(refused, attempt=1, now=NOW) == GiveUp(400, "HTTP 400")


@pytest.mark.parametrize(("attempt", "delay"), [(1, 5.0), (2, 60.0), (3, 300.0)])
def test_a_failed_attempt_is_tried_again_after_the_schedules_delay(
    attempt: int, delay: float
) -> None:
    verdict = SCHEDULE.verdict(failure(), attempt=attempt, now=NOW)
    assert verdict == RetryAt(503, "HTTP 503", NOW + timedelta(seconds=delay))


def test_after_the_last_delay_delivery_is_given_up() -> None:
    verdict = SCHEDULE.verdict(failure(502), attempt=4, now=NOW)
    assert verdict == GiveUp(502, "gave up after 4 attempts; last: HTTP 502")


def test_the_jitter_spreads_the_delay_and_retry_after_is_a_floor() -> None:
    asked: list[tuple[float, float]] = []

    def highest(low: float, high: float) -> float:
        asked.append((low, high))
        return high

    policy = RetryPolicy(schedule=(100.0,), jitter=0.2, spread=highest)
    verdict = policy.verdict(failure(), attempt=1, now=NOW)
    assert asked == [(0.8, 1.2)]
    assert isinstance(verdict, RetryAt) and verdict.at == NOW + timedelta(seconds=120)

    slow_down = policy.verdict(failure(429, retry_after=600.0), attempt=1, now=NOW)
    assert isinstance(slow_down, RetryAt) and slow_down.at == NOW + timedelta(seconds=600)


def prepared() -> Referral:
    referral = Referral.open(
        reference="ref-1",
        complaint_id="c-1",
        eligibility={"eligible": True},
        referred_by="supervisor:sam",
        referred_at=NOW,
        upstream_event_id="c-1/7",
    )
    referral.prepare(provider_id="calm", selection={"how": "test"}, bundle={"sha256": "x"})
    return referral


def test_the_verdicts_are_recorded_on_the_referral_until_delivery_is_settled() -> None:
    referral = prepared()
    record_attempt(referral, RetryAt(503, "HTTP 503", NOW))
    record_attempt(referral, GiveUp(503, "gave up"))
    assert referral.delivery == "dead_lettered"
    assert referral.dead_letter is not None and referral.dead_letter["attempt"] == 2

    # Settled: a late verdict (another worker's) records nothing.
    record_attempt(referral, Succeeded(200))
    assert referral.delivery == "dead_lettered" and len(referral.attempts) == 1
