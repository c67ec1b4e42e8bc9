"""The internal escalation ladder: frontline → supervisor → manager → internal mediation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from libs.domain.errors import InvalidArgument, RuleViolated

DEFAULT_TIERS: tuple[str, ...] = ("frontline", "supervisor", "manager", "internal_mediation")


@dataclass(frozen=True)
class EscalationLadder:
    """An ordered list of tiers; a complaint keeps the ladder it was received under, so
    replaying it later gives the same answers even if the configured ladder changed."""

    tiers: tuple[str, ...] = DEFAULT_TIERS

    @classmethod
    def of(cls, tiers: Sequence[str]) -> EscalationLadder:
        if len(tiers) < 1:
            raise InvalidArgument("ladder", "an escalation ladder needs at least one tier")
        if len(set(tiers)) != len(tiers):
            raise InvalidArgument("ladder", "an escalation ladder cannot repeat a tier")
        return cls(tuple(tiers))

    @property
    def first(self) -> str:
        return self.tiers[0]

    @property
    def top(self) -> str:
        return self.tiers[-1]

    def rank(self, tier: str) -> int:
        try:
            return self.tiers.index(tier)
        except ValueError:
            known = ", ".join(self.tiers)
            raise InvalidArgument("tier", f"unknown tier '{tier}' (known: {known})") from None

    def above(self, tier: str) -> str | None:
        position = self.rank(tier)
        return self.tiers[position + 1] if position + 1 < len(self.tiers) else None

    def is_above(self, tier: str, other: str) -> bool:
        return self.rank(tier) > self.rank(other)

    def escalation_target(self, tier: str, to_tier: str | None) -> str:
        """Where a case at `tier` escalates to: `to_tier`, which must be above it, or
        (when none is asked for) the next tier up, if there is one."""
        if to_tier is None:
            above = self.above(tier)
            if above is None:
                raise RuleViolated(
                    f"the complaint is already at the top tier '{tier}' and cannot be "
                    "escalated further"
                )
            return above
        if not self.is_above(to_tier, tier):
            raise InvalidArgument(
                "to_tier",
                f"'{to_tier}' is not above the current tier '{tier}' "
                f"(ladder: {' → '.join(self.tiers)})",
            )
        return to_tier
