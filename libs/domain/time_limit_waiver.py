"""The firm's decision whether to waive the time limit for going to the ombudsman.

Past the referral window (FOS: six months from the final response, DISP 2.8.2R(1)) the
ombudsman may still consider a complaint if the firm consents (DISP 2.8.2R). The final
response says which the firm chose (DISP 1 Annex 3R wording; the letter's
`time_limit_waiver_stated` element), but a sentence in a letter is not something eligibility
can read: the decision is recorded on the complaint as a fact — who decided, when, yes or no.

Two rules, from the ombudsman's own guidance to firms ("if you say you agree, you can't
change your mind later on"):

- a consent, once recorded, is final: the ombudsman and the customer rely on it;
- a refusal may later become a consent (a firm may still agree when the ombudsman asks
  about a late referral), but recording the same refusal twice changes nothing and is
  refused.

Only a regime whose window the firm can waive accepts a decision at all: under AFCA's rules
or an EU ADR entity's, a late complaint is for the scheme to admit, not the firm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from libs.domain.deadlines.regime import Regime
from libs.domain.errors import RuleViolated


@dataclass(frozen=True)
class TimeLimitWaiver:
    """The firm's recorded decision: `consents` true waives the referral window."""

    consents: bool
    decided_at: datetime
    decided_by: str
    decided_by_role: str
    note: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> TimeLimitWaiver:
        return cls(
            consents=bool(record["consents"]),
            decided_at=record["decided_at"],
            decided_by=str(record["decided_by"]),
            decided_by_role=str(record["decided_by_role"]),
            note=record.get("note"),
        )


class WaiverNotAvailable(RuleViolated):
    """The complaint's regime has no referral window the firm's consent could waive."""

    def __init__(self, regime: Regime) -> None:
        window = regime.referral_window
        if window is None:
            reason = (
                f"regime '{regime.name}' sets no referral window: there is no time limit to waive"
            )
        else:
            reason = (
                f"under regime '{regime.name}' the firm's consent does not waive the referral "
                f"window ({window.rule}): {window.waiver}"
            )
        super().__init__(reason)
        self.regime = regime.name


class WaiverAlreadyDecided(RuleViolated):
    """The decision asked for cannot follow the one already recorded."""

    def __init__(self, current: TimeLimitWaiver) -> None:
        when = current.decided_at.isoformat()
        if current.consents:
            reason = (
                f"the firm consented on {when} to waive the time limit; a consent once given "
                "cannot be withdrawn"
            )
        else:
            reason = f"the firm's refusal to waive the time limit is already recorded ({when})"
        super().__init__(reason)
        self.current = current


def check_waiver_decision(regime: Regime, current: TimeLimitWaiver | None, consents: bool) -> None:
    """Refuses a decision the regime does not allow, or that the recorded one forbids."""
    window = regime.referral_window
    if window is None or not window.waivable:
        raise WaiverNotAvailable(regime)
    if current is not None and (current.consents or not consents):
        raise WaiverAlreadyDecided(current)
