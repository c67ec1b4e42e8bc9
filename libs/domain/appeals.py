"""Appeals: the customer contests a decision, and a tier above the one that made it decides.

The appeal-tier rule lives here: a decision made at the top of the escalation ladder cannot
be appealed internally (there is no one above to hear it), and an appeal is decided at a tier
above the one it is against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from libs.domain.errors import InvalidArgument, RuleViolated, UnknownEntity
from libs.domain.ladder import EscalationLadder
from libs.domain.values import AppealOutcome


class AppealStatus(StrEnum):
    PENDING = "pending"
    DECIDED = "decided"


@dataclass(frozen=True, slots=True)
class Appeal:
    id: str
    grounds: str
    lodged_by: str
    lodged_at: datetime
    #: The tier whose decision is appealed.
    against_tier: str
    status: AppealStatus = AppealStatus.PENDING
    outcome: AppealOutcome | None = None
    decided_at_tier: str | None = None
    reasons: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    def decided(
        self, *, outcome: AppealOutcome, tier: str, reasons: str, by: str, at: datetime
    ) -> Appeal:
        return replace(
            self,
            status=AppealStatus.DECIDED,
            outcome=outcome,
            decided_at_tier=tier,
            reasons=reasons,
            decided_by=by,
            decided_at=at,
        )

    def check_deciding_tier(self, ladder: EscalationLadder, tier: str) -> None:
        if not ladder.is_above(tier, self.against_tier):
            raise InvalidArgument(
                "decided_at_tier",
                f"an appeal must be decided at a tier above '{self.against_tier}', "
                f"the tier that made the decision; '{tier}' is not",
            )

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Appeal:
        outcome = record["outcome"]
        return cls(
            **{
                **record,
                "status": AppealStatus(record["status"]),
                "outcome": AppealOutcome(outcome) if outcome is not None else None,
            }
        )


def check_appealable(ladder: EscalationLadder, decided_at_tier: str) -> None:
    """A decision can be appealed only to a tier above the one that made it."""
    if ladder.above(decided_at_tier) is None:
        raise RuleViolated(
            f"the decision was made at the top tier '{decided_at_tier}': "
            "there is no tier above it to hear an appeal"
        )


def appeal_to_decide(appeals: Mapping[str, Appeal], appeal_id: str) -> Appeal:
    """The appeal to decide: one the complaint has, not decided yet."""
    appeal = appeals.get(appeal_id)
    if appeal is None:
        raise UnknownEntity("appeal", appeal_id)
    if appeal.status is not AppealStatus.PENDING:
        outcome = appeal.outcome.value if appeal.outcome is not None else None
        raise RuleViolated(f"appeal '{appeal_id}' was already decided ({outcome})")
    return appeal
