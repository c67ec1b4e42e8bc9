"""Which provider gets a referral's case, and the record of why.

The firm may ask for a provider (`preferred_provider_id`): it gets the case if it is still
active and serves the referral's legal entity, fitting or not, since the firm may know what
the ranking cannot. Otherwise the best ranked provider that fits gets it
(`libs.domain.provider_ranking`); if none fits, the referral waits until one is registered
or changed. What the prepared referral records
(`selection`) names how the choice was made, what the case needed, and the top of the
ranking, so an administrator can see why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from libs.domain.provider import Provider
from libs.domain.provider_ranking import Candidate, ReferralNeeds, TrackRecord, rank
from libs.domain.referral import Referral

#: How much of the ranking a prepared referral records.
RANKING_KEPT = 10


def referral_needs(
    referral: Referral, complaint: Mapping[str, Any], legal_entity: str | None
) -> ReferralNeeds:
    """What the referral needs of a provider, from the complaint as its service shows it."""
    customer = complaint.get("customer") or {}
    return ReferralNeeds.of(
        category=str(complaint.get("category", "other")),
        regime=str(complaint.get("regime", "default")),
        language=customer.get("language"),
        method=referral.preferred_method,
        preferred_provider_id=referral.preferred_provider_id,
        legal_entity=legal_entity,
    )


@dataclass(frozen=True)
class ProviderChoice:
    provider: Provider
    how: str
    needs: ReferralNeeds
    ranking: list[Candidate]

    def selection(self) -> dict[str, Any]:
        """What the prepared referral records about the choice."""
        return {
            "how": self.how,
            "case": asdict(self.needs),
            "ranking": [c.as_dict() for c in self.ranking[:RANKING_KEPT]],
        }


def choose_provider(
    providers: Mapping[str, Provider],
    needs: ReferralNeeds,
    records: Mapping[str, TrackRecord],
) -> ProviderChoice | None:
    """The provider for the case, or None when none fits."""
    ranking = rank(providers.values(), needs, records)
    requested = providers.get(needs.preferred_provider_id or "")
    if requested is not None and requested.active and requested.serves(needs.legal_entity):
        return ProviderChoice(requested, "requested by the firm", needs, ranking)
    fitting = [c for c in ranking if c.fits]
    if not fitting:
        return None
    return ProviderChoice(providers[fitting[0].provider_id], "best ranked", needs, ranking)
