"""After a delivery attempt: record the delivery, try again later, or give up (a dead letter).

A pure rule, given the adapter's verdict on the attempt (`Outcome`):
- delivered: the provider has the case;
- gone (410): the provider asked us to stop, so we stop at once;
- permanent (a 4xx other than 408 and 429, refused settings): trying again cannot help;
- retry (timeouts, 5xx, 408, 429, connection errors): again after the schedule's next delay
  (the first attempt is at once, so attempts = delays + 1), spread by ± `jitter` so that
  referrals failing together do not return together, and never sooner than the provider's
  `Retry-After`; after the schedule's last delay, give up.
A dead letter waits for an administrator to ask for a redelivery.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from libs.domain.referral import Referral
from libs.domain.referral_lifecycle import DeliveryStatus
from services.adr_gateway.adapters import DeliveryResult, Outcome


@dataclass(frozen=True)
class Succeeded:
    status_code: int | None


@dataclass(frozen=True)
class GiveUp:
    status_code: int | None
    reason: str


@dataclass(frozen=True)
class RetryAt:
    status_code: int | None
    error: str
    at: datetime


Verdict = Succeeded | GiveUp | RetryAt


@dataclass(frozen=True)
class RetryPolicy:
    schedule: tuple[float, ...]  # seconds before each retry
    jitter: float  # ± this fraction of each delay
    spread: Callable[[float, float], float] = random.uniform

    @classmethod
    def of(cls, schedule: Sequence[float], jitter: float) -> RetryPolicy:
        return cls(tuple(schedule), jitter)

    def verdict(self, result: DeliveryResult, attempt: int, now: datetime) -> Verdict:
        """What to record after attempt number `attempt` (from 1) ended in `result`."""
        if result.outcome == Outcome.DELIVERED:
            return Succeeded(result.status_code)
        if result.outcome == Outcome.GONE:
            return GiveUp(result.status_code, "the provider answered 410 Gone")
        if result.outcome == Outcome.PERMANENT:
            return GiveUp(result.status_code, result.error)
        if attempt > len(self.schedule):
            return GiveUp(
                result.status_code, f"gave up after {attempt} attempts; last: {result.error}"
            )
        delay = self.schedule[attempt - 1] * self.spread(1 - self.jitter, 1 + self.jitter)
        delay = max(delay, result.retry_after or 0.0)
        return RetryAt(result.status_code, result.error, now + timedelta(seconds=delay))


def record_attempt(referral: Referral, verdict: Verdict) -> None:
    """Records the verdict on the referral as stored, if its delivery is still pending (if
    not, another worker settled it meanwhile, and that record stands)."""
    if referral.delivery != DeliveryStatus.PENDING:
        return
    match verdict:
        case Succeeded(status_code):
            referral.record_delivered(status_code=status_code)
        case GiveUp(status_code, reason):
            referral.dead_letter_delivery(status_code=status_code, reason=reason)
        case RetryAt(status_code, error, at):
            referral.record_failed_attempt(status_code=status_code, error=error, next_attempt_at=at)
