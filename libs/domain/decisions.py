"""The firm's decisions on a complaint: its resolution, and the final response that follows.

A complaint is resolved at a tier, by someone, with an outcome; unless the complaint is not
upheld, the resolution says what puts it right. A complaint resolved early instead gets a
summary resolution: the communication sent to the customer replaces the final response.
What a final response letter must contain is the regime's (see
`libs.domain.deadlines.final_response`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from libs.domain.errors import InvalidArgument
from libs.domain.values import ResolutionOutcome


@dataclass(frozen=True, slots=True)
class Resolution:
    outcome: ResolutionOutcome
    summary: str
    remedy: str | None
    redress_amount: Decimal | None
    currency: str | None
    decided_at_tier: str
    decided_by: str
    resolved_at: datetime

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Resolution:
        """A resolution, or a summary resolution when the record holds its communication."""
        fields = {**record, "outcome": ResolutionOutcome(record["outcome"])}
        return SummaryResolution(**fields) if "summary_resolution" in record else cls(**fields)


@dataclass(frozen=True, slots=True)
class SummaryResolution(Resolution):
    """Resolved early, with no redress in money."""

    #: The summary resolution communication sent to the customer.
    summary_resolution: str


@dataclass(frozen=True, slots=True)
class FinalResponse:
    letter: str
    #: The letter's structured elements, as the regime names them.
    elements: dict[str, Any]
    issued_by: str
    issued_at: datetime
    #: An upheld appeal set the decision aside: the letter was sent (and met its deadline),
    #: but no longer stands. The appeal's id and when it was decided.
    superseded_by_appeal: str | None = None
    superseded_at: datetime | None = None

    def superseded(self, appeal_id: str, at: datetime) -> FinalResponse:
        return replace(self, superseded_by_appeal=appeal_id, superseded_at=at)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> FinalResponse:
        return cls(**record)


def check_resolution_terms(
    outcome: ResolutionOutcome,
    remedy: str | None,
    redress_amount: Decimal | None,
    currency: str | None,
) -> None:
    """Redress in money names its currency; an upheld complaint states its remedy."""
    if (redress_amount is None) != (currency is None):
        raise InvalidArgument(
            "redress_amount", "redress in money needs both an amount and a currency"
        )
    if outcome != ResolutionOutcome.NOT_UPHELD and not (remedy or redress_amount):
        raise InvalidArgument(
            "remedy", f"a complaint resolved as '{outcome.value}' must state the remedy"
        )
