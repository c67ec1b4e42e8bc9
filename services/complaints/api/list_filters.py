"""The filters of the complaint list and the report that name things the policy knows: a
regime, a regime's variant, a clock, a flag. A name nothing knows is refused (422) with the
names that are known, rather than matching nothing and reading as "none of those".
"""

from __future__ import annotations

from enum import StrEnum

from libs.platform.http.problems import invalid_field
from services.complaints.api.problems import complaint_problems
from services.complaints.api.schemas import FlagsIn
from services.complaints.policy import ComplaintPolicy
from services.complaints.use_cases.intake import check_regime

#: The flags staff can set on a complaint (`flag=` on the list: each named one is set).
FlagName = StrEnum("FlagName", {name: name for name in FlagsIn.model_fields})  # type: ignore[misc]


def check_regime_filter(
    policy: ComplaintPolicy, regime: str | None, regime_variant: str | None = None
) -> None:
    """A regime the policy knows, and a variant of it (of any regime when none is named)."""
    if regime is not None:
        with complaint_problems():
            check_regime(policy, regime, regime_variant)
        return
    if regime_variant is None:
        return
    variants = sorted({v for r in policy.regimes.values() for v in r.variants})
    if regime_variant not in variants:
        raise invalid_field(
            "regime_variant",
            "unknown variant",
            detail=f"no regime has a variant '{regime_variant}' "
            f"(known: {', '.join(variants) or 'none'})",
        )


def check_clock_filter(policy: ComplaintPolicy, clock: str | None) -> None:
    """A clock that some regime defines."""
    if clock is None:
        return
    clocks = sorted({c.name for r in policy.regimes.values() for c in r.clocks})
    if clock not in clocks:
        raise invalid_field(
            "deadline",
            "unknown clock",
            detail=f"no regime has a clock '{clock}' (known: {', '.join(clocks)})",
        )
