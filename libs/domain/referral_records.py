"""What a referral keeps of its history: delivery attempts, a dead letter, the provider's
updates and decision.

They are typed records (`TypedDict`s), not classes: they are shown as they are and read by
key, and snapshots hold them as the plain JSON they always were.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, TypedDict


class DeliveryAttempt(TypedDict):
    """One attempt to hand the case over. A failed one says why and when the next is due;
    the one that succeeded has neither; the one given up on says `dead_lettered`."""

    attempt: int
    status_code: int | None
    at: datetime
    error: NotRequired[str]
    next_attempt_at: NotRequired[datetime]
    #: The delivery round it belongs to: 1, then one more for each redelivery.
    round: NotRequired[int]
    #: The attempt after which delivery was given up (its `error` is the reason).
    dead_lettered: NotRequired[bool]


class DeadLetter(TypedDict):
    """Why delivery was given up, after which attempt."""

    attempt: int
    status_code: int | None
    reason: str
    at: datetime


class ProviderUpdate(TypedDict):
    """A status the provider reported (accepted, declined, scheduled, …)."""

    type: str
    status: str
    detail: dict[str, Any]
    occurred_at: datetime


class ProviderDecision(TypedDict):
    """The provider's decision on the case."""

    outcome: str
    binding: bool | None
    award: dict[str, Any] | None
    summary: str
    occurred_at: datetime
